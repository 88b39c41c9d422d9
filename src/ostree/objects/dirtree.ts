import { isUtf8 } from 'node:buffer';
import { AtollError, addContext } from '../../errors/index.js';
import { decodeGVariant, offsetSizeFor, pickOffsetSize, type GVariantValue } from '../../gvariant/index.js';
import { isSafeFilename } from '../../util/index.js';
import { assertChecksum, checksumFromBytes, isChecksum, metadataChecksum } from './checksum.js';

/** GVariant type of a dirtree object. */
export const DIRTREE_GVARIANT_TYPE = '(a(say)a(sayay))';

/** A file (regular or symlink) in a directory: its name and content-object checksum. */
export interface DirTreeFile {
  readonly name: string;
  readonly checksum: string;
}

/** A subdirectory: its name, the dirtree checksum of its contents and its dirmeta checksum. */
export interface DirTreeDir {
  readonly name: string;
  readonly treeChecksum: string;
  readonly metaChecksum: string;
}

/** A directory listing. Both arrays are sorted by name bytes (strcmp) in the object. */
export interface DirTree {
  readonly files: readonly DirTreeFile[];
  readonly dirs: readonly DirTreeDir[];
}

function badName(name: string, where: string): AtollError {
  // OSTree's wording (ot_util_filename_validate), which its test suite greps.
  const shown = String(name).slice(0, 80);
  const why = shown.includes('/') ? `Invalid / in filename ${shown}` : `Invalid filename '${shown}'`;
  return new AtollError('OSTREE_OBJECT_BAD_NAME', `${why} in ${where}: empty, '.', '..' or containing '/' or NUL`, {
    data: { name: String(name).slice(0, 200) },
  });
}

function checkName(name: string, where: string): void {
  if (typeof name !== 'string' || !isSafeFilename(name)) throw badName(name, where);
}

function duplicate(name: string): AtollError {
  return new AtollError('OSTREE_OBJECT_BAD_DIRTREE', `duplicate name '${name.slice(0, 80)}' in dirtree`, { data: { name } });
}

function unsorted(name: string): AtollError {
  return new AtollError('OSTREE_OBJECT_BAD_DIRTREE', `dirtree entries are not sorted by name: '${name.slice(0, 80)}' is out of order`, { data: { name } });
}

/**
 * strcmp order of the UTF-8 encodings of two well-formed strings, without encoding them: UTF-16
 * code-unit order equals UTF-8 byte order except that surrogates (code points ≥ U+10000) sort
 * after U+E000–U+FFFF in UTF-8.
 */
export function compareUtf8(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        const xs = x <= 0xdfff;
        const ys = y <= 0xdfff;
        if (xs !== ys) return xs ? 1 : -1;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

function isWellFormed(name: string): boolean {
  return (name as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Entries sorted by name bytes (strcmp); names validated and unique. */
function sortedByName<T extends { readonly name: string }>(entries: readonly T[], where: string): readonly T[] {
  let sorted = true;
  for (let k = 0; k < entries.length; k++) {
    const name = (entries[k] as T).name;
    if (typeof name !== 'string' || !isSafeFilename(name) || !isWellFormed(name)) throw badName(name, where);
    if (k > 0 && sorted && compareUtf8((entries[k - 1] as T).name, name) >= 0) sorted = false;
  }
  if (sorted) return entries; // the common case: callers usually list in order already
  const copy = [...entries].sort((a, b) => compareUtf8(a.name, b.name));
  for (let k = 1; k < copy.length; k++) {
    if ((copy[k - 1] as T).name === (copy[k] as T).name) throw duplicate((copy[k] as T).name);
  }
  return copy;
}

/** Write one offset of width 1/2/4 (dirtrees never reach 4 GiB). */
function putOffset(buf: Buffer, at: number, value: number, width: number): void {
  if (width === 1) buf[at] = value;
  else if (width === 2) buf.writeUInt16LE(value, at);
  else buf.writeUInt32LE(value, at);
}

/**
 * Serialize a dirtree `(a(say)a(sayay))`. Entries are sorted by name bytes here (callers may pass
 * any order); names are validated (no '/', '.', '..', NUL, empty) and must be unique across
 * files and dirs. Written directly into one preallocated buffer (not through the generic
 * encoder) because commits of large trees encode tens of thousands of entries; tests check it
 * against the generic encoder and GLib.
 */
export function encodeDirTree(tree: DirTree): Uint8Array {
  const files = sortedByName(tree.files, 'dirtree files');
  const dirs = sortedByName(tree.dirs, 'dirtree dirs');
  checkDisjoint(files, dirs);
  // Upper bound: 3 UTF-8 bytes per UTF-16 unit, the widest offsets a dirtree below 4 GiB needs.
  let capacity = 16;
  for (const f of files) capacity += f.name.length * 3 + 1 + 32 + 4 + 4;
  for (const d of dirs) capacity += d.name.length * 3 + 1 + 64 + 8 + 4;
  const buf = Buffer.alloc(capacity);
  let pos = 0;
  // files: a(say); element alignment 1, so no padding anywhere.
  const filesEnds = new Array<number>(files.length);
  for (let k = 0; k < files.length; k++) {
    const entry = files[k] as DirTreeFile;
    const start = pos;
    pos += buf.write(entry.name, pos, 'utf8');
    buf[pos++] = 0;
    const nameEnd = pos - start;
    if (!isChecksum(entry.checksum)) assertChecksum(entry.checksum, `checksum of file '${entry.name}'`);
    pos += buf.write(entry.checksum, pos, 32, 'hex');
    const width = pickOffsetSize(pos - start, 1);
    putOffset(buf, pos, nameEnd, width);
    pos += width;
    filesEnds[k] = pos;
  }
  pos = putOffsets(buf, 0, pos, filesEnds);
  const filesEnd = pos;
  // dirs: a(sayay); each element has two offsets, in reverse order (end of tree ay, end of name).
  const dirsEnds = new Array<number>(dirs.length);
  for (let k = 0; k < dirs.length; k++) {
    const entry = dirs[k] as DirTreeDir;
    const start = pos;
    pos += buf.write(entry.name, pos, 'utf8');
    buf[pos++] = 0;
    const nameEnd = pos - start;
    assertChecksum(entry.treeChecksum, `dirtree checksum of '${entry.name}'`);
    assertChecksum(entry.metaChecksum, `dirmeta checksum of '${entry.name}'`);
    pos += buf.write(entry.treeChecksum, pos, 32, 'hex');
    const treeEnd = pos - start;
    pos += buf.write(entry.metaChecksum, pos, 32, 'hex');
    const width = pickOffsetSize(pos - start, 2);
    putOffset(buf, pos, treeEnd, width);
    putOffset(buf, pos + width, nameEnd, width);
    pos += 2 * width;
    dirsEnds[k] = pos - filesEnd;
  }
  pos = putOffsets(buf, filesEnd, pos, dirsEnds);
  // The top tuple records where the files array ends.
  pos = putOffsets(buf, 0, pos, [filesEnd]);
  return new Uint8Array(buf.buffer, buf.byteOffset, pos);
}

function putOffsets(buf: Buffer, start: number, pos: number, ends: readonly number[]): number {
  if (ends.length === 0) return pos;
  const width = pickOffsetSize(pos - start, ends.length);
  for (const end of ends) {
    putOffset(buf, pos, end, width);
    pos += width;
  }
  return pos;
}

function checkDisjoint(files: readonly { readonly name: string }[], dirs: readonly { readonly name: string }[]): void {
  let i = 0;
  let j = 0;
  while (i < files.length && j < dirs.length) {
    const name = (files[i] as { name: string }).name;
    const c = compareUtf8(name, (dirs[j] as { name: string }).name);
    if (c === 0) throw duplicate(name);
    if (c < 0) i++;
    else j++;
  }
}

/** Thrown by the fast decoder when the framing is unusual; the generic decoder then decides. */
class NotFast extends Error {}
const notFast = new NotFast();

function readOffset(buf: Buffer, at: number, width: number): number {
  if (width === 1) return buf[at] as number;
  if (width === 2) return buf.readUInt16LE(at);
  if (width === 4) return buf.readUInt32LE(at);
  throw notFast;
}

/** Locate the elements of a variable-element array in [start, end); returns [start, end) pairs. */
function arrayElements(buf: Buffer, start: number, end: number): number[] {
  const size = end - start;
  if (size === 0) return [];
  const width = offsetSizeFor(size);
  const table = readOffset(buf, end - width, width);
  const tableSize = size - table;
  if (table > size || tableSize === 0 || tableSize % width !== 0) throw notFast;
  const count = tableSize / width;
  if (pickOffsetSize(table, count) !== width) throw notFast;
  const out = new Array<number>(count * 2);
  let prev = 0;
  for (let k = 0; k < count; k++) {
    const elemEnd = readOffset(buf, start + table + k * width, width);
    if (elemEnd < prev || elemEnd > table) throw notFast;
    out[2 * k] = start + prev;
    out[2 * k + 1] = start + elemEnd;
    prev = elemEnd;
  }
  return out;
}

/** Name bytes [start, end - 1) followed by exactly one NUL; validated like isSafeFilename. */
function readName(buf: Buffer, start: number, end: number): string {
  // The string member must be NUL-terminated with no NUL inside (else: not normal form). One
  // pass also finds '/' and non-ASCII bytes, so ASCII names (nearly all) skip UTF-8 validation.
  if (end <= start || buf[end - 1] !== 0) throw notFast;
  let ascii = true;
  for (let p = start; p < end - 1; p++) {
    const b = buf[p] as number;
    if (b === 0) throw notFast;
    if (b === 0x2f) throw badName(buf.toString('utf8', start, end - 1), 'dirtree');
    if (b >= 0x80) ascii = false;
  }
  let name: string;
  if (ascii) name = buf.toString('latin1', start, end - 1);
  else {
    if (!isUtf8(buf.subarray(start, end - 1))) throw notFast;
    name = buf.toString('utf8', start, end - 1);
  }
  checkName(name, 'dirtree');
  return name;
}

function fastDecode(bytes: Uint8Array): DirTree {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = buf.length;
  if (size === 0) throw notFast; // GLib's zero-size quirk: let the generic decoder handle it
  const topWidth = offsetSizeFor(size);
  const dataEnd = size - topWidth;
  const filesEnd = readOffset(buf, dataEnd, topWidth);
  if (pickOffsetSize(dataEnd, 1) !== topWidth || filesEnd > dataEnd) throw notFast;
  const fileRanges = arrayElements(buf, 0, filesEnd);
  const files = new Array<DirTreeFile>(fileRanges.length / 2);
  for (let k = 0; k < files.length; k++) {
    const start = fileRanges[2 * k] as number;
    const end = fileRanges[2 * k + 1] as number;
    const size1 = end - start;
    if (size1 === 0) throw notFast;
    const w = offsetSizeFor(size1);
    const nameEnd = readOffset(buf, end - w, w);
    if (pickOffsetSize(size1 - w, 1) !== w || nameEnd > size1 - w) throw notFast;
    const name = readName(buf, start, start + nameEnd);
    if (size1 - w - nameEnd !== 32) throw notFast; // let the generic path report the checksum size
    if (k > 0) checkOrder(buf, fileRanges[2 * k - 2] as number, fileNameEnds[k - 1] as number, start, start + nameEnd, name);
    fileNameEnds[k] = start + nameEnd;
    files[k] = { name, checksum: buf.toString('hex', start + nameEnd, start + nameEnd + 32) };
  }
  const dirRanges = arrayElements(buf, filesEnd, dataEnd);
  const dirs = new Array<DirTreeDir>(dirRanges.length / 2);
  const dirNameEnds = new Array<number>(dirs.length);
  for (let k = 0; k < dirs.length; k++) {
    const start = dirRanges[2 * k] as number;
    const end = dirRanges[2 * k + 1] as number;
    const size1 = end - start;
    if (size1 === 0) throw notFast;
    const w = offsetSizeFor(size1);
    // Tuple offsets are stored last-member-first: the name's end sits at the very end.
    const nameEnd = readOffset(buf, end - w, w);
    const treeEnd = readOffset(buf, end - 2 * w, w);
    if (size1 < 2 * w || pickOffsetSize(size1 - 2 * w, 2) !== w || nameEnd > treeEnd || treeEnd > size1 - 2 * w) throw notFast;
    const name = readName(buf, start, start + nameEnd);
    if (treeEnd - nameEnd !== 32 || size1 - 2 * w - treeEnd !== 32) throw notFast;
    if (k > 0) checkOrder(buf, dirRanges[2 * k - 2] as number, dirNameEnds[k - 1] as number, start, start + nameEnd, name);
    dirNameEnds[k] = start + nameEnd;
    dirs[k] = {
      name,
      treeChecksum: buf.toString('hex', start + nameEnd, start + treeEnd),
      metaChecksum: buf.toString('hex', start + treeEnd, start + treeEnd + 32),
    };
  }
  // No name in both arrays: merge walk over the two sorted name lists.
  let i = 0;
  let j = 0;
  while (i < files.length && j < dirs.length) {
    const c = buf.compare(buf, dirRanges[2 * j] as number, dirNameEnds[j] as number, fileRanges[2 * i] as number, fileNameEnds[i] as number);
    if (c === 0) throw duplicate((files[i] as DirTreeFile).name);
    if (c < 0) i++;
    else j++;
  }
  fileNameEnds.length = 0;
  return { files, dirs };
}

// Scratch list of file-name end positions, reused to avoid an allocation per decode.
const fileNameEnds: number[] = [];

function checkOrder(buf: Buffer, prevStart: number, prevEnd: number, start: number, end: number, name: string): void {
  // Names include their NUL, so comparing the NUL-terminated ranges is strcmp. A plain loop:
  // names are short, and Buffer#compare's per-call cost is several times the comparison.
  const n = Math.min(end - start, prevEnd - prevStart);
  for (let i = 0; i < n; i++) {
    const a = buf[start + i] as number;
    const b = buf[prevStart + i] as number;
    if (a === b) continue;
    if (a < b) throw unsorted(name);
    return;
  }
  const c = end - start - (prevEnd - prevStart);
  if (c === 0) throw duplicate(name);
  if (c < 0) throw unsorted(name);
}

/**
 * Parse and validate a dirtree: normal form, 32-byte checksums, safe names, each array strictly
 * sorted by name bytes and no name in both arrays. (ostree fsck accepts unsorted dirtrees but its
 * path lookups then fail; we refuse them so every tree we read can be binary-searched.)
 */
export function decodeDirTree(bytes: Uint8Array): DirTree {
  try {
    return fastDecode(bytes);
  } catch (error) {
    fileNameEnds.length = 0;
    if (error !== notFast) throw error;
  }
  return decodeDirTreeGeneric(bytes);
}

/**
 * The generic path: exact GVARIANT_* errors for malformed framing, and GLib's edge cases. Exported
 * for tests, which check that the fast path agrees with it.
 */
export function decodeDirTreeGeneric(bytes: Uint8Array): DirTree {
  let value: GVariantValue[];
  try {
    value = decodeGVariant(DIRTREE_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw addContext('invalid dirtree object', error);
  }
  const rawFiles = value[0] as Array<[string, Uint8Array]>;
  const rawDirs = value[1] as Array<[string, Uint8Array, Uint8Array]>;
  const files: DirTreeFile[] = rawFiles.map(([name, csum]) => {
    checkName(name, 'dirtree');
    return { name, checksum: checksumFromBytes(csum, `checksum of file '${name}'`) };
  });
  const dirs: DirTreeDir[] = rawDirs.map(([name, tree, meta]) => {
    checkName(name, 'dirtree');
    return { name, treeChecksum: checksumFromBytes(tree, `dirtree checksum of '${name}'`), metaChecksum: checksumFromBytes(meta, `dirmeta checksum of '${name}'`) };
  });
  for (const list of [files, dirs] as Array<ReadonlyArray<{ name: string }>>) {
    for (let k = 1; k < list.length; k++) {
      const c = compareUtf8((list[k - 1] as { name: string }).name, (list[k] as { name: string }).name);
      if (c === 0) throw duplicate((list[k] as { name: string }).name);
      if (c > 0) throw unsorted((list[k] as { name: string }).name);
    }
  }
  checkDisjoint(files, dirs);
  return { files, dirs };
}

/** The dirtree's checksum: SHA-256 of its serialized bytes. */
export function dirTreeChecksum(tree: DirTree): string {
  return metadataChecksum(encodeDirTree(tree));
}

/** The empty dirtree is the single byte 00 (§3.3). */
export const EMPTY_DIRTREE_CHECKSUM = '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d';

