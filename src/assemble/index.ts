// Layer 4: packages → tree (import into the package cache, union, scriptlets, rpmdb,
// postprocess), shared by compose and client-side layering.
export { assembleTree, scratchRoot } from './assemble-tree.js';
export type { AssembleRequest, AssembleOptions, AssemblePackage, AssembleResult, AssembledPackage } from './assemble-tree.js';
export * from './rpmdb/index.js';
export * from './import/index.js';
export * from './union/index.js';
export * from './scripts/index.js';
export * from './postprocess/index.js';
