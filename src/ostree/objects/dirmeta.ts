import { AtollError, addContext } from '../../errors/index.js';
import { bswap32, decodeGVariant, encodeGVariant, type GVariantValue } from '../../gvariant/index.js';
import { metadataChecksum } from './checksum.js';
import { xattrsFromGVariant, xattrsToGVariant, type Xattr } from './xattrs.js';

/** GVariant type of a dirmeta object (and of bare-user's `user.ostreemeta` xattr). */
export const DIRMETA_GVARIANT_TYPE = '(uuua(ayay))';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

/** Directory metadata: owner, full st_mode (with S_IFDIR) and xattrs. */
export interface DirMeta {
  readonly uid: number;
  readonly gid: number;
  /** st_mode including the file type bits, e.g. 0o040755. */
  readonly mode: number;
  readonly xattrs: readonly Xattr[];
}

/** Owner, mode and xattrs as stored in `(uuua(ayay))`; used for dirmeta and `user.ostreemeta`. */
export function encodeOwnerModeXattrs(meta: DirMeta): Uint8Array {
  checkId(meta.uid, 'uid');
  checkId(meta.gid, 'gid');
  // ostree byte-swaps uid/gid/mode to big-endian before serializing (a classic pitfall).
  return encodeGVariant(DIRMETA_GVARIANT_TYPE, [bswap32(meta.uid), bswap32(meta.gid), bswap32(meta.mode), xattrsToGVariant(meta.xattrs)]);
}

export function decodeOwnerModeXattrs(bytes: Uint8Array, what = 'dirmeta'): DirMeta {
  let value: GVariantValue[];
  try {
    value = decodeGVariant(DIRMETA_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw addContext(`invalid ${what} object`, error);
  }
  return {
    uid: bswap32(value[0] as number),
    gid: bswap32(value[1] as number),
    mode: bswap32(value[2] as number),
    xattrs: xattrsFromGVariant(value[3] as GVariantValue, what),
  };
}

function checkId(id: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new TypeError(`${what} ${id} is not a uint32`);
}

/** Refuse modes that are not directories or carry bits outside 07777|S_IFMT (as ostree fsck does). */
export function validateDirMode(mode: number): void {
  if ((mode & S_IFMT) !== S_IFDIR || (mode & ~(S_IFMT | 0o7777)) !== 0) {
    throw new AtollError('OSTREE_OBJECT_BAD_MODE', `invalid directory metadata mode 0${mode.toString(8)}: not a directory`, { data: { mode } });
  }
}

/** Serialize a dirmeta object `(uuua(ayay))`; uid/gid/mode big-endian, xattrs sorted. */
export function encodeDirMeta(meta: DirMeta): Uint8Array {
  validateDirMode(meta.mode);
  return encodeOwnerModeXattrs(meta);
}

/** Parse and validate a dirmeta object (normal form, directory mode). */
export function decodeDirMeta(bytes: Uint8Array): DirMeta {
  const meta = decodeOwnerModeXattrs(bytes, 'dirmeta');
  validateDirMode(meta.mode);
  return meta;
}

/** The dirmeta's checksum: SHA-256 of its serialized bytes. */
export function dirMetaChecksum(meta: DirMeta): string {
  return metadataChecksum(encodeDirMeta(meta));
}
