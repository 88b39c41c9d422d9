import { AtollError } from '../../errors/index.js';
import type { ByteSource } from './decompress.js';

/**
 * Streaming reader for rpm's cpio payloads (rpm-format.md §8.2–8.3): `newc` (070701, and the
 * CRC variant 070702) and rpm's stripped large-file entries (07070X: only a file index, all
 * metadata in the header). Entries are yielded in archive order, each with a body stream that
 * must be consumed (or is skipped) before the next entry is read. Nothing is buffered beyond
 * one chunk plus an entry header.
 */

export interface CpioEntry {
  /** `newc` for full entries, `stripped` for 07070X entries (then only `fileIndex` is meaningful). */
  kind: 'newc' | 'stripped';
  /** Entry name as written (`./usr/bin/foo`); "" for stripped entries. */
  name: string;
  /** Header file index for stripped entries, -1 otherwise. */
  fileIndex: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  /** Data size for newc entries; for stripped entries the caller supplies the size. */
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  /** Offset of the entry in the uncompressed stream. */
  offset: number;
}

export const CPIO_TRAILER = 'TRAILER!!!';
const MAX_NAME = 4096;

/** A pull reader over an async iterable of chunks, tracking the stream offset. */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private ended = false;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(source: ByteSource) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = next.value;
      this.pos = 0;
    }
    return true;
  }

  /** Exactly `n` bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Uint8Array> {
    if (this.pos + n <= this.chunk.length) {
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let have = 0;
    while (have < n && (await this.fill())) {
      const take = Math.min(n - have, this.chunk.length - this.pos);
      out.set(this.chunk.subarray(this.pos, this.pos + take), have);
      this.pos += take;
      have += take;
    }
    this.offset += have;
    return have === n ? out : out.subarray(0, have);
  }

  /** Up to `n` bytes as zero-copy views, chunk by chunk. */
  async *stream(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) return;
      const take = Math.min(left, this.chunk.length - this.pos);
      const out = this.chunk.subarray(this.pos, this.pos + take);
      this.pos += take;
      this.offset += take;
      left -= take;
      yield out;
    }
  }

  /** Discard up to `n` bytes; returns how many were discarded. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0 && (await this.fill())) {
      const take = Math.min(left, this.chunk.length - this.pos);
      this.pos += take;
      this.offset += take;
      left -= take;
    }
    return n - left;
  }

  /** True when the stream has no more bytes. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  async return(): Promise<void> {
    await this.iterator.return?.();
  }
}

export function payloadBad(message: string, data?: Record<string, unknown>): AtollError {
  return new AtollError('RPM_PAYLOAD_BAD', `payload: ${message}`, { data });
}

const HEXDIGIT = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i++) HEXDIGIT[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEXDIGIT[0x41 + i] = 10 + i;
  HEXDIGIT[0x61 + i] = 10 + i;
}

/** The 8-hex-digit cpio header field at `b[at]` (`offset`: the entry's, for the error). */
export function hexField(b: Uint8Array, at: number, offset: number): number {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const d = HEXDIGIT[b[at + i]!]!;
    if (d === 255) throw payloadBad(`non-hex digit in a cpio header at offset ${offset}`, { offset });
    v = v * 16 + d;
  }
  return v;
}

/** A newc entry from its header: `b[at]` is the first of the 13 hex fields after the magic. */
export function newcEntry(b: Uint8Array, at: number, name: string, offset: number): CpioEntry {
  const f = (i: number): number => hexField(b, at + 8 * i, offset);
  return { kind: 'newc', name, fileIndex: -1, ino: f(0), mode: f(1), uid: f(2), gid: f(3), nlink: f(4), mtime: f(5), size: f(6), rdevMajor: f(9), rdevMinor: f(10), offset };
}

/**
 * Body size for an entry: newc entries carry it; stripped entries need the header's size for
 * their file index (and the caller decides: 0 for non-last hardlink members, the target length
 * for symlinks).
 */
export type StrippedSize = (fileIndex: number) => number;

export interface CpioEntryWithBody {
  entry: CpioEntry;
  /** The entry's data; consume it fully or leave it, the reader skips what is left. */
  body: AsyncGenerator<Uint8Array>;
}

/**
 * Iterate a cpio archive. Ends at the trailer; bytes after the trailer must be zero padding.
 * `strippedSize` is required to read 07070X entries.
 */
export async function* readCpio(source: ByteSource, strippedSize?: StrippedSize): AsyncGenerator<CpioEntryWithBody> {
  const reader = new ByteReader(source);
  try {
    for (;;) {
      const offset = reader.offset;
      const magic = await reader.read(6);
      if (magic.length < 6) throw payloadBad(`archive ends without a trailer at offset ${offset}`, { offset });
      // "07070" + '1' | '2' | 'X'
      if (magic[0] !== 0x30 || magic[1] !== 0x37 || magic[2] !== 0x30 || magic[3] !== 0x37 || magic[4] !== 0x30) {
        throw payloadBad(`bad cpio magic at offset ${offset}`, { offset });
      }
      let entry: CpioEntry;
      if (magic[5] === 0x58 /* X */) {
        const rest = await reader.read(10); // 8 hex digits + 2 pad bytes → 16-byte header
        if (rest.length < 10) throw payloadBad(`truncated stripped entry at offset ${offset}`, { offset });
        const fileIndex = hexField(rest, 0, offset);
        if (fileIndex === 0xffffffff) break; // alternative end marker
        if (!strippedSize) throw payloadBad(`stripped cpio entry at offset ${offset} without a header to size it`, { offset });
        const size = strippedSize(fileIndex);
        entry = { kind: 'stripped', name: '', fileIndex, ino: 0, mode: 0, uid: 0, gid: 0, nlink: 0, mtime: 0, size, rdevMajor: 0, rdevMinor: 0, offset };
      } else if (magic[5] === 0x31 || magic[5] === 0x32) {
        const head = await reader.read(104);
        if (head.length < 104) throw payloadBad(`truncated cpio header at offset ${offset}`, { offset });
        const namesize = hexField(head, 8 * 11, offset);
        if (namesize === 0 || namesize > MAX_NAME) throw payloadBad(`cpio name size ${namesize} at offset ${offset}`, { offset });
        const nameBytes = await reader.read(namesize);
        if (nameBytes.length < namesize) throw payloadBad(`truncated cpio name at offset ${offset}`, { offset });
        if (nameBytes[namesize - 1] !== 0 || nameBytes.indexOf(0) !== namesize - 1) {
          throw payloadBad(`cpio name at offset ${offset} is not NUL-terminated exactly once`, { offset });
        }
        const name = Buffer.from(nameBytes.buffer, nameBytes.byteOffset, namesize - 1).toString('utf8');
        const pad = (4 - ((110 + namesize) % 4)) % 4;
        if (pad && (await reader.read(pad)).length < pad) throw payloadBad(`truncated cpio name padding at offset ${offset}`, { offset });
        entry = newcEntry(head, 0, name, offset);
        if (name === CPIO_TRAILER) break;
      } else {
        throw payloadBad(`bad cpio magic at offset ${offset}`, { offset });
      }
      const bodyStart = reader.offset;
      const body = reader.stream(entry.size);
      yield { entry, body };
      // Skip whatever the consumer left, then the data padding.
      await body.return(undefined);
      await reader.skip(entry.size - (reader.offset - bodyStart));
      if (reader.offset - bodyStart < entry.size) throw payloadBad(`truncated data for entry at offset ${offset}`, { offset });
      const dataPad = (4 - (reader.offset % 4)) % 4;
      if (dataPad && (await reader.read(dataPad)).length < dataPad) throw payloadBad(`truncated padding after entry at offset ${offset}`, { offset });
    }
    // The trailer's own padding, then only zero bytes may follow.
    const trailerPad = (4 - (reader.offset % 4)) % 4;
    if (trailerPad) await reader.read(trailerPad);
    for (;;) {
      const tail = await reader.read(64 * 1024);
      if (tail.length === 0) break;
      if (tail.some((b) => b !== 0)) throw payloadBad(`data after the cpio trailer at offset ${reader.offset - tail.length}`);
    }
  } finally {
    await reader.return();
  }
}
