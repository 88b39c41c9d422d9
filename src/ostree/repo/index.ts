// OSTree repositories: init/open, config, object paths, refs, transactions, content objects,
// reading commits and trees. Other folders import from here only.
export { Repo } from './repo.js';
export { type RepoMode, REPO_MODES, parseRepoMode, configModeString } from './repo-mode.js';
export { isValidRefName, validateRefName, isValidRemoteName, isValidChecksum, parseRefspec } from './ref-name.js';
export type { Refspec } from './ref-name.js';
export { readRef, writeRef, listRefs, listCollectionRefs, writeCollectionRef, isValidCollectionId, validateCollectionId, remoteCollectionIds, listRefAliases, writeRefAlias, aliasesOf } from './refs.js';
export type { RefEntry, CollectionRefEntry, RefAlias } from './refs.js';
export { Transaction, syncFilesystem } from './transaction.js';
export { writeContent, loadContent, OSTREEMETA_XATTR } from './content.js';
export type { LoadedContent, ContentData } from './content.js';
export { loadCommit, loadDirTree, loadDirMeta, loadDetachedMetadata, resolveRev, resolvePath } from './read.js';
export type { TreeEntry } from './read.js';
export { readXattrs, writeXattrs, xattrsAvailable, readXattrsSync, writeXattrsSync, removeXattrSync } from './xattrs.js';
export type { Xattrs } from './xattrs.js';
export { DevinoCache } from './devino-cache.js';
export * from './codec.js';
export { listTree, formatCommit, formatLog, formatCommitDate, printMetadataKey, normalizePath } from './inspect.js';
export type { LsOptions } from './inspect.js';
export { printGVariant, printVariant } from '../../gvariant/index.js';
export { fsckRepo, bindingError } from './fsck.js';
export type { FsckReport, FsckProblem, FsckOptions } from './fsck.js';
export { pruneRepo, pruneCommits } from './prune.js';
export type { PruneOptions, PruneResult } from './prune.js';
export { diffCommits, formatDiff } from './diff.js';
export type { DiffResult, DiffSide, DiffOptions } from './diff.js';
export { checksumPath } from './checksum-path.js';
export type { ChecksumPathOptions, PathChecksum } from './checksum-path.js';
export { wrapIoError } from './io-error.js';
