import { isUtf8 } from 'node:buffer';
import type { Hash } from 'node:crypto';
import { AtollError, addContext } from '../../errors/index.js';
import { bswap32, bswap64, decodeGVariant, encodeGVariant, offsetSizeFor, pickOffsetSize, type GVariantValue } from '../../gvariant/index.js';
import { newSha256 } from './checksum.js';
import { S_IFLNK, S_IFMT, S_IFREG } from './dirmeta.js';
import { xattrsFromGVariant, xattrsToGVariant, type Xattr } from './xattrs.js';

/** GVariant type of the content-object file header (what content checksums cover). */
export const FILE_HEADER_GVARIANT_TYPE = '(uuuusa(ayay))';
/** GVariant type of the archive (`.filez`) header: the file header with the size in front. */
export const ARCHIVE_HEADER_GVARIANT_TYPE = '(tuuuusa(ayay))';

/**
 * Metadata of a content object (regular file or symlink). The content checksum covers exactly
 * these fields plus the file bytes; timestamps are never part of it.
 */
export interface FileHeader {
  readonly uid: number;
  readonly gid: number;
  /** st_mode with file type bits: 0o100644 for a regular file, 0o120777 for a symlink. */
  readonly mode: number;
  /** Always 0 (device nodes are not supported); may be omitted. */
  readonly rdev?: number;
  /** The link target for symlinks; '' (or omitted) for regular files. */
  readonly symlinkTarget?: string;
  readonly xattrs: readonly Xattr[];
}

export function isSymlinkMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFLNK;
}

export function isRegularMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}

/** ostree's rules: a regular file or symlink, permission bits within 07777, rdev 0, a target only for symlinks. */
export function validateFileHeader(header: FileHeader): void {
  const { mode } = header;
  if (!Number.isInteger(mode) || !(isRegularMode(mode) || isSymlinkMode(mode)) || (mode & ~(S_IFMT | 0o7777)) !== 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_MODE', `invalid file mode 0${Number(mode).toString(8)}: content objects are regular files or symlinks`, { data: { mode } });
  }
  if ((header.rdev ?? 0) !== 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_RDEV', `invalid file header: rdev is ${header.rdev}, must be 0`, { data: { rdev: header.rdev } });
  }
  const target = header.symlinkTarget ?? '';
  if (isSymlinkMode(mode) && target.length === 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_SYMLINK', 'invalid file header: symlink with an empty target', {});
  }
  if (!isSymlinkMode(mode) && target.length !== 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_SYMLINK', `invalid file header: regular file with symlink target '${target.slice(0, 80)}'`, { data: { target } });
  }
}

function headerMembers(header: FileHeader): GVariantValue[] {
  validateFileHeader(header);
  for (const [id, what] of [[header.uid, 'uid'], [header.gid, 'gid']] as const) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new TypeError(`${what} ${id} is not a uint32`);
  }
  // uid, gid, mode, rdev are stored big-endian (ostree swaps them before serializing).
  return [bswap32(header.uid), bswap32(header.gid), bswap32(header.mode), 0, header.symlinkTarget ?? '', xattrsToGVariant(header.xattrs)];
}

/** Serialize the file header `(uuuusa(ayay))` (H in §3.4). */
export function encodeFileHeader(header: FileHeader): Uint8Array {
  return serializeHeader(header, undefined, false);
}

/** The same bytes through the generic GVariant encoder: the reference the fast path is tested against. */
export function encodeFileHeaderGeneric(header: FileHeader, size?: number): Uint8Array {
  return size === undefined
    ? encodeGVariant(FILE_HEADER_GVARIANT_TYPE, headerMembers(header))
    : encodeGVariant(ARCHIVE_HEADER_GVARIANT_TYPE, [bswap64(BigInt(size)), ...headerMembers(header)]);
}

const EMPTY = Buffer.alloc(0);

function width(body: number, count: number): number {
  return pickOffsetSize(body, count);
}

function putOffset(buf: Buffer, at: number, value: number, w: number): void {
  if (w === 1) buf[at] = value;
  else if (w === 2) buf.writeUInt16LE(value, at);
  else if (w === 4) buf.writeUInt32LE(value, at);
  else buf.writeBigUInt64LE(BigInt(value), at);
}

/**
 * Hand-written serializer for `(uuuusa(ayay))` / `(tuuuusa(ayay))`, optionally with the 8-byte
 * `BE32(len) ‖ 0000` frame in front, in one allocation. Every committed file goes through here,
 * so it avoids the generic encoder's per-value dispatch; tests compare it with that encoder and
 * with GLib. Integers are written big-endian directly (= ostree's byte-swapped `u`/`t`).
 * The result can be a view into Node's shared buffer pool: respect byteOffset/byteLength.
 */
function serializeHeader(header: FileHeader, size: number | undefined, framed: boolean): Uint8Array {
  validateFileHeader(header);
  for (const [id, what] of [[header.uid, 'uid'], [header.gid, 'gid']] as const) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new TypeError(`${what} ${id} is not a uint32`);
  }
  const targetText = header.symlinkTarget ?? '';
  if (targetText.includes('\0') || !(targetText as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new AtollError('OSTREE_OBJECT_BAD_SYMLINK', `invalid symlink target '${targetText.slice(0, 80)}': contains NUL or is not valid UTF-8`, {});
  }
  const target = targetText.length === 0 ? EMPTY : Buffer.from(targetText, 'utf8');
  const xattrs = header.xattrs.length === 0 ? [] : xattrsToGVariant(header.xattrs);
  let arrayBody = 0;
  const elementEnds = new Array<number>(xattrs.length);
  const elementWidths = new Array<number>(xattrs.length);
  for (let k = 0; k < xattrs.length; k++) {
    const [name, value] = xattrs[k] as [Uint8Array, Uint8Array];
    const w = width(name.length + value.length, 1);
    elementWidths[k] = w;
    arrayBody += name.length + value.length + w;
    elementEnds[k] = arrayBody;
  }
  const arrayWidth = xattrs.length === 0 ? 0 : width(arrayBody, xattrs.length);
  const fixed = size === undefined ? 16 : 24;
  const body = fixed + target.length + 1 + arrayBody + arrayWidth * xattrs.length;
  const tupleWidth = width(body, 1);
  const total = body + tupleWidth;
  const base = framed ? 8 : 0;
  // allocUnsafe draws small buffers from Node's pool (one allocation per header was the top GC
  // cost); every byte is written below, zeros included.
  const out = Buffer.allocUnsafe(base + total);
  if (framed) {
    out.writeUInt32BE(total, 0);
    out.writeUInt32BE(0, 4);
  }
  let p = base;
  if (size !== undefined) {
    out.writeBigUInt64BE(BigInt(size), p);
    p += 8;
  }
  out.writeUInt32BE(header.uid, p);
  out.writeUInt32BE(header.gid, p + 4);
  out.writeUInt32BE(header.mode, p + 8);
  out.writeUInt32BE(0, p + 12); // rdev is always 0
  p += 16;
  p += target.copy(out, p);
  out[p++] = 0;
  const stringEnd = p - base;
  for (let k = 0; k < xattrs.length; k++) {
    const [name, value] = xattrs[k] as [Uint8Array, Uint8Array];
    out.set(name, p);
    out.set(value, p + name.length);
    p += name.length + value.length;
    putOffset(out, p, name.length, elementWidths[k] as number);
    p += elementWidths[k] as number;
  }
  for (let k = 0; k < xattrs.length; k++) {
    putOffset(out, p, elementEnds[k] as number, arrayWidth);
    p += arrayWidth;
  }
  putOffset(out, p, stringEnd, tupleWidth);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

class NotFast extends Error {}
const notFast = new NotFast('nf');

function offsetAt(buf: Buffer, at: number, w: number): number {
  if (w === 1) return buf[at] as number;
  if (w === 2) return buf.readUInt16LE(at);
  if (w === 4) return buf.readUInt32LE(at);
  throw notFast;
}

/** A NUL-terminated UTF-8 string in [start, end) with no NUL inside, or NotFast. */
function fastString(buf: Buffer, start: number, end: number): string {
  if (end <= start || buf[end - 1] !== 0) throw notFast;
  let ascii = true;
  for (let p = start; p < end - 1; p++) {
    const b = buf[p] as number;
    if (b === 0) throw notFast;
    if (b >= 0x80) ascii = false;
  }
  if (ascii) return buf.toString('latin1', start, end - 1);
  if (!isUtf8(buf.subarray(start, end - 1))) throw notFast;
  return buf.toString('utf8', start, end - 1);
}

/**
 * Members of `(uuuusa(ayay))` (or with a leading `t`) in the generic decoder's shape, read
 * directly; throws NotFast on anything unusual so the generic decoder can report it exactly.
 */
function fastHeaderMembers(bytes: Uint8Array, withSize: boolean): GVariantValue[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = buf.length;
  const fixed = withSize ? 24 : 16;
  if (size <= fixed) throw notFast;
  const w = offsetSizeFor(size);
  const dataEnd = size - w;
  const stringEnd = offsetAt(buf, dataEnd, w);
  if (pickOffsetSize(dataEnd, 1) !== w || stringEnd <= fixed || stringEnd > dataEnd) throw notFast;
  const members: GVariantValue[] = [];
  let p = 0;
  if (withSize) {
    members.push(0n); // placeholder: decodeArchiveHeader reads the size from the bytes
    p = 8;
  }
  members.push(buf.readUInt32LE(p), buf.readUInt32LE(p + 4), buf.readUInt32LE(p + 8), buf.readUInt32LE(p + 12));
  members.push(fastString(buf, fixed, stringEnd));
  // xattrs a(ayay): alignment 1, so it starts right after the string.
  const xattrs: Array<[Uint8Array, Uint8Array]> = [];
  const arraySize = dataEnd - stringEnd;
  if (arraySize > 0) {
    const aw = offsetSizeFor(arraySize);
    const table = offsetAt(buf, dataEnd - aw, aw);
    const tableSize = arraySize - table;
    if (table > arraySize || tableSize === 0 || tableSize % aw !== 0) throw notFast;
    const count = tableSize / aw;
    if (pickOffsetSize(table, count) !== aw) throw notFast;
    let prev = 0;
    for (let k = 0; k < count; k++) {
      const elemEnd = offsetAt(buf, stringEnd + table + k * aw, aw);
      if (elemEnd < prev || elemEnd > table) throw notFast;
      const start = stringEnd + prev;
      const end = stringEnd + elemEnd;
      const elemSize = end - start;
      if (elemSize === 0) throw notFast;
      const ew = offsetSizeFor(elemSize);
      const nameEnd = offsetAt(buf, end - ew, ew);
      if (pickOffsetSize(elemSize - ew, 1) !== ew || nameEnd > elemSize - ew) throw notFast;
      xattrs.push([bytes.slice(start, start + nameEnd), bytes.slice(start + nameEnd, end - ew)]);
      prev = elemEnd;
    }
  }
  members.push(xattrs);
  return members;
}

function headerMembersOf(bytes: Uint8Array, withSize: boolean): GVariantValue[] {
  try {
    return fastHeaderMembers(bytes, withSize);
  } catch (error) {
    if (error !== notFast) throw error;
  }
  return decodeGVariant(withSize ? ARCHIVE_HEADER_GVARIANT_TYPE : FILE_HEADER_GVARIANT_TYPE, bytes) as GVariantValue[];
}

function headerFromMembers(value: GVariantValue[], offset: number, what: string): FileHeader {
  const header: FileHeader = {
    uid: bswap32(value[offset] as number),
    gid: bswap32(value[offset + 1] as number),
    mode: bswap32(value[offset + 2] as number),
    rdev: bswap32(value[offset + 3] as number),
    symlinkTarget: value[offset + 4] as string,
    xattrs: xattrsFromGVariant(value[offset + 5] as GVariantValue, what),
  };
  validateFileHeader(header);
  return header;
}

/** The generic-decoder path, exported for tests that compare it with the fast path. */
export function decodeFileHeaderGeneric(bytes: Uint8Array): FileHeader {
  let value: GVariantValue[];
  try {
    value = decodeGVariant(FILE_HEADER_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw addContext('invalid file header', error);
  }
  return headerFromMembers(value, 0, 'file header');
}

/** Parse and validate a bare file header `(uuuusa(ayay))`. */
export function decodeFileHeader(bytes: Uint8Array): FileHeader {
  let value: GVariantValue[];
  try {
    value = headerMembersOf(bytes, false);
  } catch (error) {
    throw addContext('invalid file header', error);
  }
  return headerFromMembers(value, 0, 'file header');
}

/**
 * The bytes a content checksum starts with: `BE32(len(H)) ‖ 00 00 00 00 ‖ H`. The checksum is
 * SHA-256 over this prefix followed by the file content (nothing for symlinks). This is also
 * libostree's "content stream" header.
 */
export function encodeContentStreamHeader(header: FileHeader): Uint8Array {
  return serializeHeader(header, undefined, true);
}

/** Where the file header ends: `{ header, contentOffset }` for a content stream. */
export function decodeContentStreamHeader(bytes: Uint8Array): { header: FileHeader; contentOffset: number } {
  const length = readFrame(bytes, 'content stream');
  return { header: decodeFileHeader(bytes.subarray(8, 8 + length)), contentOffset: 8 + length };
}

function readFrame(bytes: Uint8Array, what: string): number {
  if (bytes.length < 4) {
    throw new AtollError('OSTREE_OBJECT_BAD_FILE_HEADER', `invalid ${what}: ${bytes.length} bytes is too short for the header size prefix`, { data: { size: bytes.length } });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, false);
  if (bytes.length < 8 || length > bytes.length - 8) {
    // libostree's wording (ostree fsck prints it; its test suite greps fsck output).
    throw new AtollError('OSTREE_OBJECT_BAD_FILE_HEADER', `File header size ${length} exceeds size ${bytes.length}`, { data: { length } });
  }
  if (view.getUint32(4, false) !== 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_FILE_HEADER', `invalid ${what}: padding after the header size is not zero`, {});
  }
  if (length > bytes.length - 8) {
    throw new AtollError('OSTREE_OBJECT_BAD_FILE_HEADER', `invalid ${what}: header size ${length} exceeds the ${bytes.length - 8} bytes available`, { data: { length } });
  }
  return length;
}

/**
 * The `.filez` header of an archive repo: `BE32(N) ‖ 00000000 ‖ (tuuuusa(ayay))` with the
 * uncompressed size big-endian in front of the file-header fields. For regular files a raw
 * DEFLATE stream of the content follows; symlinks have nothing after the header.
 */
export function encodeArchiveHeader(header: FileHeader, size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError(`content size ${size} is not a non-negative integer`);
  if (isSymlinkMode(header.mode) && size !== 0) throw new TypeError('a symlink has content size 0');
  return serializeHeader(header, size, true);
}

/** A parsed `.filez` header: the file header, the uncompressed size and where the deflate payload starts. */
export interface ArchiveHeader {
  readonly header: FileHeader;
  readonly size: number;
  readonly payloadOffset: number;
}

/** Parse the header of a `.filez` object (the bytes may include the payload after it). */
export function decodeArchiveHeader(bytes: Uint8Array): ArchiveHeader {
  const length = readFrame(bytes, 'archive file header');
  let value: GVariantValue[];
  try {
    value = headerMembersOf(bytes.subarray(8, 8 + length), true);
  } catch (error) {
    throw addContext('invalid archive file header', error);
  }
  // The big-endian `t` is the first 8 bytes of the (normal-form) variant; read it without BigInt.
  const view = new DataView(bytes.buffer, bytes.byteOffset + 8, 8);
  const high = view.getUint32(0, false);
  if (high >= 0x200000) {
    const big = (BigInt(high) << 32n) | BigInt(view.getUint32(4, false));
    throw new AtollError('OSTREE_OBJECT_BAD_FILE_HEADER', `invalid archive file header: content size ${big} is too large`, { data: { size: String(big) } });
  }
  const size = high * 0x100000000 + view.getUint32(4, false);
  const header = headerFromMembers(value, 1, 'archive file header');
  if (isSymlinkMode(header.mode) && size !== 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_FILE_HEADER', `invalid archive file header: symlink with content size ${size}`, { data: { size: String(size) } });
  }
  return { header, size, payloadOffset: 8 + length };
}

/**
 * Incremental content checksum: construct with the header, feed the file bytes in chunks, then
 * `digest()`. With `expectedSize`, digest() refuses content of another length
 * (OSTREE_OBJECT_SIZE_MISMATCH), which catches truncated payloads.
 */
export class ContentHasher {
  private readonly hash: Hash;
  private received = 0;
  private done = false;
  private readonly symlink: boolean;

  constructor(header: FileHeader, private readonly expectedSize?: number) {
    this.hash = newSha256();
    this.hash.update(encodeContentStreamHeader(header));
    this.symlink = isSymlinkMode(header.mode);
  }

  update(chunk: Uint8Array): this {
    if (this.done) throw new TypeError('ContentHasher.update() after digest()');
    if (this.symlink && chunk.length > 0) throw new TypeError('a symlink content object has no content bytes');
    this.hash.update(chunk);
    this.received += chunk.length;
    return this;
  }

  /** Bytes of content fed so far. */
  get size(): number {
    return this.received;
  }

  /** The 64-hex content checksum. */
  digest(): string {
    if (this.done) throw new TypeError('ContentHasher.digest() called twice');
    this.done = true;
    if (this.expectedSize !== undefined && this.expectedSize !== this.received) {
      throw new AtollError('OSTREE_OBJECT_SIZE_MISMATCH', `content is ${this.received} bytes, the header says ${this.expectedSize}`, {
        data: { expected: this.expectedSize, actual: this.received },
      });
    }
    return this.hash.digest('hex');
  }
}

/** Content checksum of a regular file (header + bytes) or a symlink (header only). */
export function contentChecksum(header: FileHeader, content: Uint8Array = new Uint8Array(0)): string {
  return new ContentHasher(header).update(content).digest();
}
