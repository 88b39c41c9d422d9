import { AtollError, addContext } from '../../errors/index.js';
import { ByteWriter, decodeGVariant, type GVariantValue } from '../../gvariant/index.js';
import { isSafeFilename } from '../../util/index.js';
import { assertChecksum, checksumFromBytes, metadataChecksum } from './checksum.js';

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

const utf8 = new TextEncoder();

function checkName(name: string, where: string): void {
  if (typeof name !== 'string' || !isSafeFilename(name)) {
    throw new AtollError('OSTREE_OBJECT_BAD_NAME', `invalid name '${String(name).slice(0, 80)}' in ${where}: empty, '.', '..' or containing '/' or NUL`, {
      data: { name: String(name).slice(0, 200) },
    });
  }
}

function duplicate(name: string): AtollError {
  return new AtollError('OSTREE_OBJECT_BAD_DIRTREE', `duplicate name '${name.slice(0, 80)}' in dirtree`, { data: { name } });
}

/** Sort key for one entry: UTF-8 bytes of the name (strcmp order ≠ JS string order). */
function sortedByNameBytes<T extends { readonly name: string }>(entries: readonly T[], where: string): Array<{ entry: T; bytes: Uint8Array }> {
  const keyed = entries.map((entry) => {
    checkName(entry.name, where);
    return { entry, bytes: utf8.encode(entry.name) };
  });
  keyed.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  for (let k = 1; k < keyed.length; k++) {
    if (Buffer.compare((keyed[k - 1] as { bytes: Uint8Array }).bytes, (keyed[k] as { bytes: Uint8Array }).bytes) === 0) {
      throw duplicate((keyed[k] as { entry: T }).entry.name);
    }
  }
  return keyed;
}

function writeHexChecksum(w: ByteWriter, checksum: string, what: string): void {
  assertChecksum(checksum, what);
  w.ensure(32);
  w.buf.set(Buffer.from(checksum, 'hex'), w.length);
  w.length += 32;
}

/**
 * Serialize a dirtree `(a(say)a(sayay))`. Entries are sorted by name bytes here (callers may pass
 * any order); names are validated (no '/', '.', '..', NUL, empty) and must be unique across
 * files and dirs. Written directly (not through the generic encoder) because commits of large
 * trees encode tens of thousands of entries.
 */
export function encodeDirTree(tree: DirTree): Uint8Array {
  const files = sortedByNameBytes(tree.files, 'dirtree files');
  const dirs = sortedByNameBytes(tree.dirs, 'dirtree dirs');
  checkDisjoint(files.map((f) => f.bytes), dirs.map((d) => d.bytes), files.map((f) => f.entry.name));
  const w = new ByteWriter(64 + files.length * 48 + dirs.length * 80);
  // files: a(say). Elements have alignment 1, so no padding anywhere.
  const filesEnds: number[] = new Array(files.length);
  for (let k = 0; k < files.length; k++) {
    const { entry, bytes } = files[k] as { entry: DirTreeFile; bytes: Uint8Array };
    const start = w.length;
    w.bytes(bytes);
    w.byte(0);
    const nameEnd = w.length - start;
    writeHexChecksum(w, entry.checksum, `checksum of file '${entry.name}'`);
    w.offsets(start, [nameEnd]);
    filesEnds[k] = w.length;
  }
  w.offsets(0, filesEnds);
  const filesEnd = w.length;
  // dirs: a(sayay), each element with two offsets in reverse order (end of tree ay, end of name).
  const dirsEnds: number[] = new Array(dirs.length);
  for (let k = 0; k < dirs.length; k++) {
    const { entry, bytes } = dirs[k] as { entry: DirTreeDir; bytes: Uint8Array };
    const start = w.length;
    w.bytes(bytes);
    w.byte(0);
    const nameEnd = w.length - start;
    writeHexChecksum(w, entry.treeChecksum, `dirtree checksum of '${entry.name}'`);
    const treeEnd = w.length - start;
    writeHexChecksum(w, entry.metaChecksum, `dirmeta checksum of '${entry.name}'`);
    w.offsets(start, [treeEnd, nameEnd]);
    dirsEnds[k] = w.length - filesEnd;
  }
  w.offsets(filesEnd, dirsEnds);
  // The top tuple records where the files array ends.
  w.offsets(0, [filesEnd]);
  return w.result();
}

function checkDisjoint(files: Uint8Array[], dirs: Uint8Array[], names: string[]): void {
  let i = 0;
  let j = 0;
  while (i < files.length && j < dirs.length) {
    const c = Buffer.compare(files[i] as Uint8Array, dirs[j] as Uint8Array);
    if (c === 0) throw duplicate(names[i] as string);
    if (c < 0) i++;
    else j++;
  }
}

/**
 * Parse and validate a dirtree: normal form, 32-byte checksums, safe names, each array strictly
 * sorted by name bytes and no name in both arrays. (ostree fsck accepts unsorted dirtrees but its
 * path lookups then fail; we refuse them so every tree we read can be binary-searched.)
 */
export function decodeDirTree(bytes: Uint8Array): DirTree {
  let value: GVariantValue[];
  try {
    value = decodeGVariant(DIRTREE_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw addContext('invalid dirtree object', error);
  }
  const rawFiles = value[0] as Array<[string, Uint8Array]>;
  const rawDirs = value[1] as Array<[string, Uint8Array, Uint8Array]>;
  const files: DirTreeFile[] = new Array(rawFiles.length);
  const fileKeys: Uint8Array[] = new Array(rawFiles.length);
  for (let k = 0; k < rawFiles.length; k++) {
    const [name, csum] = rawFiles[k] as [string, Uint8Array];
    checkName(name, 'dirtree');
    files[k] = { name, checksum: checksumFromBytes(csum, `checksum of file '${name}'`) };
    fileKeys[k] = utf8.encode(name);
    if (k > 0) checkOrder(fileKeys[k - 1] as Uint8Array, fileKeys[k] as Uint8Array, name);
  }
  const dirs: DirTreeDir[] = new Array(rawDirs.length);
  const dirKeys: Uint8Array[] = new Array(rawDirs.length);
  for (let k = 0; k < rawDirs.length; k++) {
    const [name, tree, meta] = rawDirs[k] as [string, Uint8Array, Uint8Array];
    checkName(name, 'dirtree');
    dirs[k] = { name, treeChecksum: checksumFromBytes(tree, `dirtree checksum of '${name}'`), metaChecksum: checksumFromBytes(meta, `dirmeta checksum of '${name}'`) };
    dirKeys[k] = utf8.encode(name);
    if (k > 0) checkOrder(dirKeys[k - 1] as Uint8Array, dirKeys[k] as Uint8Array, name);
  }
  checkDisjoint(fileKeys, dirKeys, files.map((f) => f.name));
  return { files, dirs };
}

function checkOrder(previous: Uint8Array, current: Uint8Array, name: string): void {
  const c = Buffer.compare(previous, current);
  if (c === 0) throw duplicate(name);
  if (c > 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_DIRTREE', `dirtree entries are not sorted by name: '${name.slice(0, 80)}' is out of order`, { data: { name } });
  }
}

/** The dirtree's checksum: SHA-256 of its serialized bytes. */
export function dirTreeChecksum(tree: DirTree): string {
  return metadataChecksum(encodeDirTree(tree));
}

/** The empty dirtree is the single byte 00 (§3.3). */
export const EMPTY_DIRTREE_CHECKSUM = '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d';
