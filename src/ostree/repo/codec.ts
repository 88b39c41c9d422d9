/**
 * The object model the store works with, and the adapter onto the shared object codecs.
 * Checksums are lowercase hex strings here; xattrs are sorted `[name, value]` pairs (name
 * without its trailing NUL). Integers are plain numbers in host terms: the codecs do the
 * big-endian swaps ostree stores.
 */
import { AtollError } from '../../errors/index.js';
import { encodeGVariant, decodeGVariant, bswap32, bswap64, type GVariantValue, type Variant, type VarDict } from '../../gvariant/index.js';
import type { Xattrs } from './xattrs.js';
import { isSafeFilename } from '../../util/index.js';

export type { VarDict, Variant };

export interface DirMeta {
  uid: number;
  gid: number;
  mode: number;
  xattrs: Xattrs;
}

export interface FileHeader {
  uid: number;
  gid: number;
  mode: number;
  rdev: number;
  symlinkTarget: string;
  xattrs: Xattrs;
}

export interface DirTreeFile {
  name: string;
  checksum: string;
}

export interface DirTreeDir {
  name: string;
  treeChecksum: string;
  metaChecksum: string;
}

export interface DirTree {
  files: DirTreeFile[];
  dirs: DirTreeDir[];
}

export interface CommitObject {
  metadata: VarDict;
  parent: string | undefined;
  related: Array<[string, string]>;
  subject: string;
  body: string;
  /** Seconds since the epoch. */
  timestamp: number;
  rootTree: string;
  rootMeta: string;
}

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const raw = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

function xattrsToValue(xattrs: Xattrs): GVariantValue {
  return xattrs.map(([name, value]) => [Uint8Array.from([...utf8.encode(name), 0]), value]);
}

function xattrsFromValue(value: GVariantValue, what: string): Xattrs {
  return (value as Array<[Uint8Array, Uint8Array]>).map(([name, v]) => {
    if (name.length === 0 || name[name.length - 1] !== 0) {
      throw new AtollError('OSTREE_OBJECT_INVALID', `${what}: xattr name is not NUL-terminated`);
    }
    return [utf8d.decode(name.subarray(0, name.length - 1)), v];
  });
}

function decode(type: string, bytes: Uint8Array, what: string): GVariantValue {
  try {
    return decodeGVariant(type, bytes);
  } catch (error) {
    throw new AtollError('OSTREE_OBJECT_INVALID', `${what}: not a normal-form ${type}: ${(error as Error).message}`, { cause: error });
  }
}

function checksumFrom(bytes: Uint8Array, what: string): string {
  if (bytes.length !== 32) throw new AtollError('OSTREE_OBJECT_INVALID', `${what}: checksum is ${bytes.length} bytes, not 32`);
  return hex(bytes);
}

export function encodeDirMeta(meta: DirMeta): Uint8Array {
  return encodeGVariant('(uuua(ayay))', [bswap32(meta.uid), bswap32(meta.gid), bswap32(meta.mode), xattrsToValue(meta.xattrs)]);
}

export function decodeDirMeta(bytes: Uint8Array): DirMeta {
  const [uid, gid, mode, xattrs] = decode('(uuua(ayay))', bytes, 'dirmeta') as [number, number, number, GVariantValue];
  const meta = { uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode), xattrs: xattrsFromValue(xattrs, 'dirmeta') };
  if ((meta.mode & S_IFMT) !== S_IFDIR || (meta.mode & ~(S_IFMT | 0o7777)) !== 0) {
    throw new AtollError('OSTREE_OBJECT_INVALID', `invalid directory metadata mode ${meta.mode}; not a directory`);
  }
  return meta;
}

export function encodeDirTree(tree: DirTree): Uint8Array {
  return encodeGVariant('(a(say)a(sayay))', [
    tree.files.map((f) => [f.name, raw(f.checksum)]),
    tree.dirs.map((d) => [d.name, raw(d.treeChecksum), raw(d.metaChecksum)]),
  ]);
}

/** Decode and validate names (no `/`, `.`, `..`, empty) and strcmp order of both arrays. */
export function decodeDirTree(bytes: Uint8Array): DirTree {
  const [files, dirs] = decode('(a(say)a(sayay))', bytes, 'dirtree') as [Array<[string, Uint8Array]>, Array<[string, Uint8Array, Uint8Array]>];
  const tree: DirTree = {
    files: files.map(([name, c]) => ({ name, checksum: checksumFrom(c, `dirtree file '${name}'`) })),
    dirs: dirs.map(([name, t, m]) => ({ name, treeChecksum: checksumFrom(t, `dirtree dir '${name}'`), metaChecksum: checksumFrom(m, `dirtree dir '${name}'`) })),
  };
  validateDirTree(tree);
  return tree;
}

export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function validateDirTree(tree: DirTree): void {
  for (const list of [tree.files, tree.dirs]) {
    let prev: string | undefined;
    for (const { name } of list) {
      if (!isSafeFilename(name)) {
        throw new AtollError('OSTREE_DIRTREE_BAD_NAME', `invalid filename in dirtree: '${name.replace(/\0/g, '\\0')}'`, { data: { name } });
      }
      if (prev !== undefined && compareNames(prev, name) >= 0) {
        throw new AtollError('OSTREE_DIRTREE_UNSORTED', `dirtree entries are not sorted: '${name}' after '${prev}'`, { data: { name, previous: prev } });
      }
      prev = name;
    }
  }
  const fileNames = new Set(tree.files.map((f) => f.name));
  for (const { name } of tree.dirs) {
    if (fileNames.has(name)) {
      throw new AtollError('OSTREE_DIRTREE_BAD_NAME', `dirtree has '${name}' as both a file and a directory`, { data: { name } });
    }
  }
}

export function encodeFileHeader(h: FileHeader): Uint8Array {
  return encodeGVariant('(uuuusa(ayay))', [bswap32(h.uid), bswap32(h.gid), bswap32(h.mode), bswap32(h.rdev), h.symlinkTarget, xattrsToValue(h.xattrs)]);
}

function validateFileMode(h: FileHeader, what: string): FileHeader {
  const type = h.mode & S_IFMT;
  if ((type !== S_IFREG && type !== S_IFLNK) || (h.mode & ~(S_IFMT | 0o7777)) !== 0) {
    throw new AtollError('OSTREE_OBJECT_INVALID', `${what}: invalid mode ${h.mode.toString(8)}`);
  }
  if (h.rdev !== 0) throw new AtollError('OSTREE_OBJECT_INVALID', `${what}: corrupted file object; invalid rdev ${h.rdev}`);
  if (type === S_IFLNK && h.symlinkTarget === '') throw new AtollError('OSTREE_OBJECT_INVALID', `${what}: symlink with an empty target`);
  return h;
}

export function decodeFileHeader(bytes: Uint8Array): FileHeader {
  const [uid, gid, mode, rdev, target, xattrs] = decode('(uuuusa(ayay))', bytes, 'file header') as [number, number, number, number, string, GVariantValue];
  return validateFileMode(
    { uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode), rdev: bswap32(rdev), symlinkTarget: target, xattrs: xattrsFromValue(xattrs, 'file header') },
    'file header',
  );
}

export function encodeArchiveHeader(size: number, h: FileHeader): Uint8Array {
  return encodeGVariant('(tuuuusa(ayay))', [
    bswap64(BigInt(size)),
    bswap32(h.uid),
    bswap32(h.gid),
    bswap32(h.mode),
    bswap32(h.rdev),
    h.symlinkTarget,
    xattrsToValue(h.xattrs),
  ]);
}

export function decodeArchiveHeader(bytes: Uint8Array): { size: number; header: FileHeader } {
  const [size, uid, gid, mode, rdev, target, xattrs] = decode('(tuuuusa(ayay))', bytes, 'archive header') as [bigint, number, number, number, number, string, GVariantValue];
  const header = validateFileMode(
    { uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode), rdev: bswap32(rdev), symlinkTarget: target, xattrs: xattrsFromValue(xattrs, 'archive header') },
    'archive header',
  );
  return { size: Number(bswap64(BigInt(size))), header };
}

/** `BE32 len(H) ‖ 0000 ‖ H`: the prefix of a content stream (what is hashed before the data). */
export function contentStreamPrefix(headerBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + headerBytes.length);
  new DataView(out.buffer).setUint32(0, headerBytes.length, false);
  out.set(headerBytes, 8);
  return out;
}

export function encodeCommit(c: CommitObject): Uint8Array {
  return encodeGVariant('(a{sv}aya(say)sstayay)', [
    c.metadata,
    c.parent === undefined ? new Uint8Array(0) : raw(c.parent),
    c.related.map(([name, sum]) => [name, raw(sum)]),
    c.subject,
    c.body,
    bswap64(BigInt(c.timestamp)),
    raw(c.rootTree),
    raw(c.rootMeta),
  ]);
}

export function decodeCommit(bytes: Uint8Array): CommitObject {
  const [metadata, parent, related, subject, body, ts, tree, meta] = decode('(a{sv}aya(say)sstayay)', bytes, 'commit') as [
    Array<[string, Variant]>,
    Uint8Array,
    Array<[string, Uint8Array]>,
    string,
    string,
    bigint,
    Uint8Array,
    Uint8Array,
  ];
  if (parent.length !== 0 && parent.length !== 32) throw new AtollError('OSTREE_OBJECT_INVALID', `commit: parent checksum is ${parent.length} bytes`);
  return {
    metadata: new Map(metadata),
    parent: parent.length === 0 ? undefined : hex(parent),
    related: related.map(([n, c]) => [n, hex(c)]),
    subject,
    body,
    timestamp: Number(BigInt.asIntN(64, bswap64(BigInt(ts)))),
    rootTree: checksumFrom(tree, 'commit root dirtree'),
    rootMeta: checksumFrom(meta, 'commit root dirmeta'),
  };
}

export function encodeVarDict(dict: VarDict): Uint8Array {
  return encodeGVariant('a{sv}', dict);
}

export function decodeVarDict(bytes: Uint8Array, what: string): VarDict {
  return new Map(decode('a{sv}', bytes, what) as Array<[string, Variant]>);
}

/** `(uuua(ayay))` without the directory-mode check: bare-user's `user.ostreemeta`. */
export function decodeGenericMeta(bytes: Uint8Array): { uid: number; gid: number; mode: number; xattrs: Xattrs } {
  const [uid, gid, mode, xattrs] = decode('(uuua(ayay))', bytes, 'user.ostreemeta') as [number, number, number, GVariantValue];
  return { uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode), xattrs: xattrsFromValue(xattrs, 'user.ostreemeta') };
}
