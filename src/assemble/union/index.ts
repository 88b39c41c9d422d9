// Laying package commits out in one root, with rpm's file-conflict rules and header owners.
export { findFileConflicts, assertNoFileConflicts } from './file-conflicts.js';
export type { FileConflict } from './file-conflicts.js';
export { unionCheckout } from './union-checkout.js';
export type { UnionOptions } from './union-checkout.js';
export { copyUp, breakHardlinks, writeFileReplacing, OSTREEMETA_XATTR } from './copy-up.js';
export { applyOwners, readIdMaps } from './apply-owners.js';
