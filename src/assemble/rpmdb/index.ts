// rpm's sqlite rpmdb: writer (installed blobs + index rows), reader, and the pkglist metadata.
export { writeRpmdb, writeRpmdbDurable, rpmdbTimestamp, rpmdbSchema, installedBlob } from './write-rpmdb.js';
export type { RpmdbPackage, WriteRpmdbOptions, WriteRpmdbResult } from './write-rpmdb.js';
export { readRpmdbHeaders, readRpmdbPackages } from './read-rpmdb.js';
export type { InstalledHeader } from './read-rpmdb.js';
export { pkglistVariant, sortPkglist, comparePkglistEntries, parsePkglist } from './pkglist.js';
export type { PkglistEntry } from './pkglist.js';
export { indexRows, richDependencyKeys, isTransientRequire, INDEX_TABLES } from './index-rows.js';
export type { IndexRow } from './index-rows.js';
export { buildInstalledBlob, installDribbles } from './installed-blob.js';
