import { CPIO_TRAILER, hexField, newcEntry, payloadBad, type CpioEntry, type StrippedSize } from './cpio-reader.js';

/**
 * A synchronous, push-driven cpio reader (the same formats and checks as readCpio in
 * cpio-reader.ts: `newc` 070701/070702 and rpm's stripped 07070X entries, trailer, only zero
 * bytes after it). The caller pushes chunks as it reads them (a blocking read loop on a pipe,
 * or an async stream) and gets callbacks; entry data is passed on as zero-copy views of the
 * pushed chunk, so a loop that reads 64 KiB from a pipe writes 64 KiB to a file without copying
 * or awaiting anything. Only entry headers (≤ 4 KiB names) are copied, into one reused buffer.
 */

export interface CpioPushHandler {
  /** A new entry; its data (entry.size bytes) follows through `data`, then `end`. */
  entry(entry: CpioEntry): void;
  data(bytes: Uint8Array): void;
  end(): void;
}

const MAX_NAME = 4096;
const NEWC_HEAD = 110;
const STRIPPED_HEAD = 16;

const enum State {
  Head,
  Data,
  Pad,
  Tail,
}

export class CpioPushParser {
  private state = State.Head;
  /** Header bytes collected so far (magic, fields, name, name padding). */
  private readonly head = new Uint8Array(NEWC_HEAD + MAX_NAME + 4);
  private headHave = 0;
  /** Header bytes needed: 6 for the magic, then 16 or 110, then with the name and its padding. */
  private headNeed = 6;
  private dataLeft = 0;
  private padLeft = 0;
  private entryOffset = 0;
  /** Bytes consumed so far (the stream offset). */
  offset = 0;
  /** True once the trailer was read. */
  trailer = false;

  constructor(
    private readonly handler: CpioPushHandler,
    private readonly strippedSize?: StrippedSize,
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    const length = chunk.length;
    while (at < length) {
      switch (this.state) {
        case State.Data: {
          const take = Math.min(this.dataLeft, length - at);
          this.handler.data(take === length ? chunk : chunk.subarray(at, at + take));
          at += take;
          this.offset += take;
          this.dataLeft -= take;
          if (this.dataLeft === 0) this.endEntry();
          break;
        }
        case State.Pad: {
          const take = Math.min(this.padLeft, length - at);
          at += take;
          this.offset += take;
          this.padLeft -= take;
          if (this.padLeft === 0) this.state = State.Head;
          break;
        }
        case State.Tail: {
          for (; at < length; at++, this.offset++) {
            if (this.padLeft > 0) {
              this.padLeft--; // the trailer's own padding
              continue;
            }
            if (chunk[at] !== 0) throw payloadBad(`data after the cpio trailer at offset ${this.offset}`);
          }
          break;
        }
        case State.Head: {
          const take = Math.min(this.headNeed - this.headHave, length - at);
          this.head.set(take === length ? chunk : chunk.subarray(at, at + take), this.headHave);
          this.headHave += take;
          at += take;
          this.offset += take;
          if (this.headHave === this.headNeed) this.headStep();
          break;
        }
      }
    }
  }

  /** The stream ended: it must have ended after the trailer. */
  finish(): void {
    if (this.state === State.Tail) return;
    const offset = this.entryOffset;
    if (this.state === State.Head && this.headHave === 0) throw payloadBad(`archive ends without a trailer at offset ${this.offset}`, { offset: this.offset });
    if (this.state === State.Head) {
      if (this.headHave < 6) throw payloadBad(`archive ends without a trailer at offset ${offset}`, { offset });
      if (this.head[5] === 0x58) throw payloadBad(`truncated stripped entry at offset ${offset}`, { offset });
      if (this.headNeed === NEWC_HEAD) throw payloadBad(`truncated cpio header at offset ${offset}`, { offset });
      throw payloadBad(`truncated cpio name at offset ${offset}`, { offset });
    }
    if (this.state === State.Data) throw payloadBad(`truncated data for entry at offset ${offset}`, { offset });
    throw payloadBad(`truncated padding after entry at offset ${offset}`, { offset });
  }

  private hexField(at: number): number {
    return hexField(this.head, at, this.entryOffset);
  }

  private headStep(): void {
    const h = this.head;
    const offset = this.offset - this.headHave;
    this.entryOffset = offset;
    if (this.headNeed === 6) {
      if (h[0] !== 0x30 || h[1] !== 0x37 || h[2] !== 0x30 || h[3] !== 0x37 || h[4] !== 0x30) throw payloadBad(`bad cpio magic at offset ${offset}`, { offset });
      if (h[5] === 0x58 /* X */) this.headNeed = STRIPPED_HEAD;
      else if (h[5] === 0x31 || h[5] === 0x32) this.headNeed = NEWC_HEAD;
      else throw payloadBad(`bad cpio magic at offset ${offset}`, { offset });
      return;
    }
    let entry: CpioEntry;
    if (h[5] === 0x58) {
      const fileIndex = this.hexField(6);
      if (fileIndex === 0xffffffff) {
        // rpm's alternative end marker: no trailer padding of its own
        this.startTail(0);
        return;
      }
      if (!this.strippedSize) throw payloadBad(`stripped cpio entry at offset ${offset} without a header to size it`, { offset });
      const size = this.strippedSize(fileIndex);
      entry = { kind: 'stripped', name: '', fileIndex, ino: 0, mode: 0, uid: 0, gid: 0, nlink: 0, mtime: 0, size, rdevMajor: 0, rdevMinor: 0, offset };
    } else {
      const namesize = this.hexField(6 + 8 * 11);
      if (this.headNeed === NEWC_HEAD) {
        if (namesize === 0 || namesize > MAX_NAME) throw payloadBad(`cpio name size ${namesize} at offset ${offset}`, { offset });
        // The name and its padding to a multiple of 4 (counting the 110-byte header).
        this.headNeed = (NEWC_HEAD + namesize + 3) & ~3;
        return;
      }
      if (h[NEWC_HEAD + namesize - 1] !== 0 || h.subarray(NEWC_HEAD, NEWC_HEAD + namesize).indexOf(0) !== namesize - 1) {
        throw payloadBad(`cpio name at offset ${offset} is not NUL-terminated exactly once`, { offset });
      }
      const name = Buffer.from(h.buffer, h.byteOffset + NEWC_HEAD, namesize - 1).toString('utf8');
      entry = newcEntry(h, 6, name, offset);
      if (name === CPIO_TRAILER) {
        // The header length is already padded to 4; after it, only zeros.
        this.startTail(0);
        return;
      }
    }
    this.headHave = 0;
    this.headNeed = 6;
    this.handler.entry(entry);
    this.dataLeft = entry.size;
    if (this.dataLeft === 0) this.endEntry();
    else this.state = State.Data;
  }

  private endEntry(): void {
    this.handler.end();
    this.padLeft = (4 - (this.offset % 4)) % 4;
    this.state = this.padLeft === 0 ? State.Head : State.Pad;
  }

  private startTail(pad: number): void {
    this.trailer = true;
    this.state = State.Tail;
    this.padLeft = pad;
  }
}
