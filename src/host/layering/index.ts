// Client-side package layering and base overrides (rpm-ostree install/uninstall/override).
export { hostLayering, buildForSpec, baseCommitOf, syncBaseRefs, applyChange, layeringCacheDir } from './host-layering.js';
export type { LayeringChange, LayeringOptions, LayeringResult } from './host-layering.js';
export { deriveCommit } from './derive-commit.js';
export type { DeriveOptions, DeriveResult, RepoSpec } from './derive-commit.js';
export { readSpec, writeSpec, emptySpec, isEmptySpec, baseRefspecOf } from './layering-spec.js';
export type { LayeringSpec } from './layering-spec.js';
