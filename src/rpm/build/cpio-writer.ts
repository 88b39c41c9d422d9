/**
 * cpio writer for RPM payloads, exactly as rpm 4.18 writes them (rpm-format.md §8.2/§8.3):
 * "newc" (`070701`) entries with lowercase hex fields, names `./path`, 4-byte padding relative
 * to the archive start, no 512-byte block padding after `TRAILER!!!`; or rpm's stripped
 * `07070X` entries (file index only) when the header uses LONGFILESIZES. The archive is produced
 * as a stream of chunks so multi-gigabyte files never sit in memory.
 */
import { bytesSource, readAll, type ContentSource } from './content-source.js';

export interface CpioWriteEntry {
  /** Index of the file in the header arrays (used by the stripped format). */
  fileIndex: number;
  /** Path without the leading `.` (`/usr/bin/foo`). */
  path: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Uint8Array | ContentSource;
}

const encoder = new TextEncoder();

function hex8(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`cpio field out of range: ${value}`);
  return value.toString(16).padStart(8, '0');
}

function source(data: Uint8Array | ContentSource): ContentSource {
  return data instanceof Uint8Array ? bytesSource(data) : data;
}

const ZEROS = new Uint8Array(4);

/** Tracks the stream offset so padding is relative to the archive start. */
class Position {
  at = 0;
  take(chunk: Uint8Array): Uint8Array {
    this.at += chunk.length;
    return chunk;
  }
  pad(): Uint8Array {
    const n = (4 - (this.at % 4)) % 4;
    this.at += n;
    return ZEROS.subarray(0, n);
  }
}

function newcHeader(e: { ino: number; mode: number; uid: number; gid: number; nlink: number; mtime: number; size: number; rdevMajor: number; rdevMinor: number }, name: Uint8Array): Uint8Array {
  const fields = [e.ino, e.mode, e.uid, e.gid, e.nlink, e.mtime, e.size, 0, 0, e.rdevMajor, e.rdevMinor, name.length + 1, 0];
  const head = encoder.encode(`070701${fields.map(hex8).join('')}`);
  const out = new Uint8Array(head.length + name.length + 1);
  out.set(head, 0);
  out.set(name, head.length);
  return out;
}

function* trailer(pos: Position): Generator<Uint8Array> {
  yield pos.take(newcHeader({ ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0, rdevMajor: 0, rdevMinor: 0 }, encoder.encode('TRAILER!!!')));
  yield pos.pad();
}

/** A newc archive of `entries` (in the given order) plus the trailer, as chunks. */
export function* cpioNewcChunks(entries: Iterable<CpioWriteEntry>): Generator<Uint8Array> {
  const pos = new Position();
  for (const entry of entries) {
    const data = source(entry.data);
    yield pos.take(newcHeader({ ...entry, size: data.size }, encoder.encode(`.${entry.path}`)));
    yield pos.pad();
    for (const chunk of data.chunks()) yield pos.take(chunk);
    yield pos.pad();
  }
  yield* trailer(pos);
}

/** rpm's stripped archive (`07070X` + file index), terminated by an ordinary newc trailer, as chunks. */
export function* cpioStrippedChunks(entries: Iterable<CpioWriteEntry>): Generator<Uint8Array> {
  const pos = new Position();
  for (const entry of entries) {
    yield pos.take(encoder.encode(`07070X${hex8(entry.fileIndex)}`));
    yield pos.pad();
    for (const chunk of source(entry.data).chunks()) yield pos.take(chunk);
    yield pos.pad();
  }
  yield* trailer(pos);
}

function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const chunk of chunks) if (chunk.length > 0) parts.push(chunk.slice());
  return readAll({ size: parts.reduce((n, p) => n + p.length, 0), chunks: () => parts });
}

/** The newc archive in one buffer (small archives, tests). */
export function writeCpioNewc(entries: Iterable<CpioWriteEntry>): Uint8Array {
  return concat(cpioNewcChunks(entries));
}

/** The stripped archive in one buffer (small archives, tests). */
export function writeCpioStripped(entries: Iterable<CpioWriteEntry>): Uint8Array {
  return concat(cpioStrippedChunks(entries));
}
