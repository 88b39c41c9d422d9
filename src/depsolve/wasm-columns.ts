import { PAGE, wasm, type WasmMemory } from '../util/index.js';

/**
 * Growable columns (i32 or byte arrays) in one WebAssembly memory: the pool keeps its typed
 * columns here so the solver's kernels read them in place (no copy into a fresh memory per
 * solve: copying ~3.5 MB of columns into fresh pages cost ~2 ms of the 60k-package bench).
 *
 * A column that outgrows its room gets at least twice the room: the last column of the memory
 * grows in place, any other moves to the end (its contents copied, unless the caller says they
 * are dead: a scratch column); the memory grows as needed. Either invalidates views: `version`
 * changes, and holders re-make their views (`view32`/`view8`) when it does. Room given up by a
 * move is not reused.
 */
export class WasmColumns {
  readonly mem: WasmMemory;
  private buf: ArrayBuffer;
  /** (the first 256 bytes: the header of the kernel running on the memory, see closure-kernel.ts) */
  private top = 256;
  private readonly off: number[] = [];
  private readonly room: number[] = [];
  /** Changes whenever a view may have become invalid (a move, a grown memory). */
  version = 0;

  constructor(bytes: number) {
    this.mem = new (wasm.Memory as unknown as new (d: { initial: number }) => WasmMemory)({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    this.buf = this.mem.buffer;
  }

  get buffer(): ArrayBuffer {
    return this.buf;
  }

  private alloc(bytes: number): number {
    const at = this.top;
    this.top += (bytes + 7) & ~7;
    if (this.top > this.buf.byteLength) {
      this.mem.grow(Math.ceil((this.top - this.buf.byteLength) / PAGE));
      this.buf = this.mem.buffer;
      this.version++;
    }
    return at;
  }

  /** A new column with room for `bytes` (zeroed). */
  column(bytes: number): number {
    const id = this.off.length;
    this.off.push(this.alloc(bytes));
    this.room.push((bytes + 7) & ~7);
    return id;
  }

  /**
   * Room for at least `bytes` in the column (its contents kept; new room zeroed or, after a
   * move, junk-free up to the old room). The last column of the memory grows in place (its
   * pages, touched already, stay in use: a scratch column used by one kernel after another).
   * `keep` false: the contents are dead (a scratch column just taken): a move copies nothing
   * (MBs for a kernel's scratch), growing in place leaves the old bytes as they are.
   */
  ensure(id: number, bytes: number, keep = true): void {
    const room = this.room[id]!;
    if (bytes <= room) return;
    const size = Math.max((bytes + 7) & ~7, 2 * room);
    if (this.off[id]! + room === this.top) {
      this.alloc(size - room);
      this.room[id] = size;
      this.version++;
      return;
    }
    const at = this.alloc(size);
    const from = this.off[id]!;
    if (keep) new Uint8Array(this.buf).copyWithin(at, from, from + room);
    this.off[id] = at;
    this.room[id] = size;
    this.version++;
  }

  /** Byte offset of a column in the memory. */
  offset(id: number): number {
    return this.off[id]!;
  }

  /** Bytes of room a column has. */
  roomOf(id: number): number {
    return this.room[id]!;
  }

  view32(id: number): Int32Array<ArrayBuffer> {
    return new Int32Array(this.buf, this.off[id]!, this.room[id]! >> 2);
  }

  view8(id: number): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.buf, this.off[id]!, this.room[id]!);
  }
}
