// Importing RPMs into the package cache (one commit per package, paths translated).
export { importPackage, cachedImport, importRef, headerDigest, UNPACK_VERSION } from './import-package.js';
export { importPackages } from './import-pool.js';
export type { ImportBatchPackage, ImportBatchOptions } from './import-pool.js';
export type { ImportResult, ImportOptions } from './import-package.js';
export { translatePath, pkgcacheRef, quoteRefComponent } from './translate-path.js';
export type { Translation } from './translate-path.js';
