// The server side: treefile → depsolve → download → assemble → commit.
export * from './treefile/index.js';
export { composeTree } from './compose-tree.js';
export type { ComposeTreeOptions, ComposeTreeResult, ComposeTransactionEntry } from './compose-tree.js';
export { loadComposeRepos } from './compose-repos.js';
export type { ComposeRepo } from './compose-repos.js';
export { resolvePackages } from './resolve-packages.js';
export type { ResolvedPackage } from './resolve-packages.js';
export { installOrder } from './install-order.js';
export { computeInputHash, canonicalJson } from './input-hash.js';
export { nextVersion } from './next-version.js';
export { mutateOsRelease, postprocessForTreefile } from './treefile-postprocess.js';
export { checkPasswdGroups, parseIdTable } from './check-passwd.js';
