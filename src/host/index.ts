// rpm-ostree's client verbs on a sysroot (status, upgrade, deploy, rebase, rollback, cleanup,
// kargs) and its package views (db diff/list/version).
export { hostStatus, formatHostStatus, rollbackTarget } from './status.js';
export type { HostStatus, HostDeployment, CachedUpdate } from './status.js';
export { rollback } from './rollback.js';
export { hostCleanup } from './cleanup.js';
export type { HostCleanupOptions } from './cleanup.js';
export { currentKargs, editKargs, applyKargsEdit } from './kargs.js';
export type { KargsEdit } from './kargs.js';
export { hostUpgrade, hostDeploy, hostRebase, pullRefspec, parseRevision, combineRefspec, commitDiff } from './upgrade.js';
export type { HostTransactionResult, HostUpgradeOptions, HostRebaseOptions } from './upgrade.js';
export { commitPackages, formatEvr, formatNevra, PKGLIST_KEY } from './package-list.js';
export type { Package, CommitPackages } from './package-list.js';
export { diffPackages, formatDiffBlock, formatDiffLines, formatDiffSummary, diffJson, isEmptyDiff } from './package-diff.js';
export type { PackageDiff } from './package-diff.js';
export { dbDiff, dbList, dbVersion } from './db.js';
export type { DbDiffResult, DbListResult, DbSide } from './db.js';
export { hostLayering, buildForSpec, baseCommitOf, syncBaseRefs, readSpec, writeSpec, baseRefspecOf, deriveCommit } from './layering/index.js';
export type { LayeringChange, LayeringOptions, LayeringResult, LayeringSpec, RepoSpec } from './layering/index.js';
