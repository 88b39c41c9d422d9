/**
 * cpio writer for RPM payloads, exactly as rpm 4.18 writes them (rpm-format.md §8.2/§8.3):
 * "newc" (`070701`) entries with lowercase hex fields, names `./path`, 4-byte padding relative
 * to the archive start, no 512-byte block padding after `TRAILER!!!`; or rpm's stripped
 * `07070X` entries (file index only) when the header uses LONGFILESIZES.
 */

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
  data: Uint8Array;
}

const encoder = new TextEncoder();

function hex8(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`cpio field out of range: ${value}`);
  return value.toString(16).padStart(8, '0');
}

function padTo4(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** Accumulates the archive; offsets for padding are relative to the start of the stream. */
class ArchiveBuffer {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  pad(): void {
    const n = padTo4(this.length);
    if (n > 0) this.push(new Uint8Array(n));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

function newcHeader(e: { ino: number; mode: number; uid: number; gid: number; nlink: number; mtime: number; size: number; rdevMajor: number; rdevMinor: number }, name: Uint8Array): Uint8Array {
  const fields = [e.ino, e.mode, e.uid, e.gid, e.nlink, e.mtime, e.size, 0, 0, e.rdevMajor, e.rdevMinor, name.length + 1, 0];
  return encoder.encode(`070701${fields.map(hex8).join('')}`);
}

function pushTrailer(out: ArchiveBuffer): void {
  const name = encoder.encode('TRAILER!!!');
  out.push(newcHeader({ ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0, rdevMajor: 0, rdevMinor: 0 }, name));
  out.push(name);
  out.push(new Uint8Array(1));
  out.pad();
}

/** A newc archive of `entries` (in the given order) plus the trailer. */
export function writeCpioNewc(entries: readonly CpioWriteEntry[]): Uint8Array {
  const out = new ArchiveBuffer();
  for (const entry of entries) {
    const name = encoder.encode(`.${entry.path}`);
    out.push(newcHeader({ ...entry, size: entry.data.length }, name));
    out.push(name);
    out.push(new Uint8Array(1));
    out.pad();
    out.push(entry.data);
    out.pad();
  }
  pushTrailer(out);
  return out.concat();
}

/** rpm's stripped archive (`07070X` + file index), terminated by an ordinary newc trailer. */
export function writeCpioStripped(entries: readonly CpioWriteEntry[]): Uint8Array {
  const out = new ArchiveBuffer();
  for (const entry of entries) {
    out.push(encoder.encode(`07070X${hex8(entry.fileIndex)}`));
    out.pad();
    out.push(entry.data);
    out.pad();
  }
  pushTrailer(out);
  return out.concat();
}
