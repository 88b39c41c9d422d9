import { AtollError } from '../../errors/index.js';
import { assertChecksum } from './checksum.js';

/** OSTree object types, numbered as libostree's OstreeObjectType (used in deltas and `ostree.sizes`). */
export enum ObjectType {
  File = 1,
  DirTree = 2,
  DirMeta = 3,
  Commit = 4,
  TombstoneCommit = 5,
  CommitMeta = 6,
  PayloadLink = 7,
  FileXattrs = 8,
  FileXattrsLink = 9,
}

const EXTENSIONS: Record<ObjectType, string> = {
  [ObjectType.File]: 'file',
  [ObjectType.DirTree]: 'dirtree',
  [ObjectType.DirMeta]: 'dirmeta',
  [ObjectType.Commit]: 'commit',
  // Real ostree 2022.7 writes '.tombstone-commit' (the shared spec §2.3 says 'commit-tombstone').
  [ObjectType.TombstoneCommit]: 'tombstone-commit',
  [ObjectType.CommitMeta]: 'commitmeta',
  [ObjectType.PayloadLink]: 'payload-link',
  [ObjectType.FileXattrs]: 'file-xattrs',
  [ObjectType.FileXattrsLink]: 'file-xattrs-link',
};

/** Metadata objects are GVariants hashed over their exact bytes (dirtree, dirmeta, commit...). */
export function isMetadataObject(type: ObjectType): boolean {
  return type !== ObjectType.File;
}

/**
 * File extension of an object in the store (no dot). Content objects are `.filez` in archive
 * repos (`archive: true`) and `.file` otherwise; other types do not depend on the mode.
 */
export function objectExtension(type: ObjectType, archive = false): string {
  if (type === ObjectType.File && archive) return 'filez';
  const ext = EXTENSIONS[type];
  if (ext === undefined) throw new TypeError(`unknown object type ${String(type)}`);
  return ext;
}

/** The type for an extension (`file` and `filez` are both File). */
export function objectTypeFromExtension(ext: string): ObjectType {
  const bare = ext.startsWith('.') ? ext.slice(1) : ext;
  if (bare === 'filez') return ObjectType.File;
  for (const [type, name] of Object.entries(EXTENSIONS)) if (name === bare) return Number(type) as ObjectType;
  throw new AtollError('OSTREE_OBJECT_BAD_TYPE', `unknown object extension '${bare.slice(0, 40)}'`, { data: { extension: bare } });
}

/** `objects/ab/cdef….ext`: the object's path relative to the repository root. */
export function objectRelativePath(checksum: string, type: ObjectType, archive = false): string {
  assertChecksum(checksum);
  return `objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${objectExtension(type, archive)}`;
}

/** A (checksum, type) pair names an object; ostree prints it as `checksum.ext`. */
export interface ObjectName {
  readonly checksum: string;
  readonly type: ObjectType;
}

export function formatObjectName(name: ObjectName): string {
  return `${name.checksum}.${objectExtension(name.type)}`;
}

/** Parse `checksum.ext` (as ostree prints object names). */
export function parseObjectName(text: string): ObjectName {
  const dot = text.indexOf('.');
  if (dot < 0) throw new AtollError('OSTREE_OBJECT_BAD_TYPE', `object name '${text.slice(0, 80)}' has no type extension`, { data: { name: text } });
  const checksum = text.slice(0, dot);
  assertChecksum(checksum);
  return { checksum, type: objectTypeFromExtension(text.slice(dot + 1)) };
}
