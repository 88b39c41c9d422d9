// Importing RPMs into the package cache (one commit per package, paths translated).
export { importPackage, headerDigest, UNPACK_VERSION } from './import-package.js';
export type { ImportResult, ImportOptions } from './import-package.js';
export { translatePath, pkgcacheRef, quoteRefComponent } from './translate-path.js';
export type { Translation } from './translate-path.js';
