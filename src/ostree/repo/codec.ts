/**
 * The object codecs the store uses, re-exported from ostree/objects (the one place that knows
 * GVariant layouts), plus the few helpers the store adds.
 */
export {
  S_IFMT, S_IFDIR, S_IFREG, S_IFLNK,
  encodeDirMeta, decodeDirMeta, encodeOwnerModeXattrs, decodeOwnerModeXattrs,
  encodeDirTree, decodeDirTree,
  encodeFileHeader, decodeFileHeader, encodeContentStreamHeader, encodeArchiveHeader, decodeArchiveHeader,
  ContentHasher, contentChecksum, isSymlinkMode, isRegularMode,
  encodeCommit, decodeCommit, commitContentChecksum, COMMIT_GVARIANT_TYPE,
  encodeCommitMeta, decodeCommitMeta, encodeTombstone, decodeTombstone,
  encodeSummary, decodeSummary, SUMMARY_GVARIANT_TYPE,
  ObjectType, objectExtension, objectRelativePath, objectTypeFromExtension, isMetadataObject,
} from '../objects/index.js';
export type { DirMeta, DirTree, DirTreeFile, DirTreeDir, FileHeader, Commit, Xattr, Summary, SummaryRef } from '../objects/index.js';
export type { Variant, VarDict, GVariantValue } from '../../gvariant/index.js';

/** strcmp order of two names (UTF-8 bytes), as dirtrees and xattrs are sorted. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
