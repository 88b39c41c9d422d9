// OSTree object codecs (docs/formats/gvariant.md, shared spec ostree-format.md §3): object
// types and paths, checksums, dirmeta, dirtree, commit, commitmeta, content-object headers and
// checksums, summary, metadata keys. Pure: bytes in, values out.
export { ObjectType, objectExtension, objectTypeFromExtension, objectRelativePath, isMetadataObject, formatObjectName, parseObjectName } from './object-type.js';
export type { ObjectName } from './object-type.js';
export { isChecksum, assertChecksum, checksumToBytes, checksumFromBytes, sha256Hex, newSha256, metadataChecksum } from './checksum.js';
export { compareNameBytes, xattrsToGVariant, xattrsFromGVariant } from './xattrs.js';
export type { Xattr } from './xattrs.js';
export {
  DIRMETA_GVARIANT_TYPE, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK,
  encodeDirMeta, decodeDirMeta, dirMetaChecksum, validateDirMode, encodeOwnerModeXattrs, decodeOwnerModeXattrs,
} from './dirmeta.js';
export type { DirMeta } from './dirmeta.js';
export { DIRTREE_GVARIANT_TYPE, encodeDirTree, decodeDirTree, dirTreeChecksum, EMPTY_DIRTREE_CHECKSUM } from './dirtree.js';
export type { DirTree, DirTreeFile, DirTreeDir } from './dirtree.js';
export {
  FILE_HEADER_GVARIANT_TYPE, ARCHIVE_HEADER_GVARIANT_TYPE,
  encodeFileHeader, decodeFileHeader, validateFileHeader, isSymlinkMode, isRegularMode,
  encodeContentStreamHeader, decodeContentStreamHeader, encodeArchiveHeader, decodeArchiveHeader,
  ContentHasher, contentChecksum,
} from './file-header.js';
export type { FileHeader, ArchiveHeader } from './file-header.js';
export { COMMIT_GVARIANT_TYPE, encodeCommit, decodeCommit, commitChecksum, commitContentChecksum } from './commit.js';
export type { Commit, RelatedObject } from './commit.js';
export { COMMITMETA_GVARIANT_TYPE, encodeCommitMeta, decodeCommitMeta, encodeTombstone, decodeTombstone } from './commitmeta.js';
export { SUMMARY_GVARIANT_TYPE, encodeSummary, decodeSummary } from './summary.js';
export type { Summary, SummaryRef } from './summary.js';
export { varDictFromGVariant, varDictToGVariant, sortVarDict } from './vardict.js';
export {
  MetadataKey, metadataString, metadataBoolean, metadataStrings, metadataByteArrays, metadataBigEndianUint64,
  bigEndianUint64, stringVariant, booleanVariant, stringsVariant,
} from './metadata-keys.js';
export { encodeSizeEntry, decodeSizeEntry, sizesVariant, sizesFromVariant } from './sizes.js';
export type { ObjectSizeEntry } from './sizes.js';
