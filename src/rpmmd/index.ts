// rpm-md package repositories: .repo files, repomd/primary/filelists/other metadata, a
// verified cache and downloads, and (create.ts) writing repodata. Other layers import from here.
export type { RepoPackage, RepoFileEntry, Repomd, RepomdRecord, ChangelogEntry } from './types.js';
export { parseRepomd, findRecord } from './repomd.js';
export { parsePrimary, emptyRepoPackage } from './primary.js';
export { parseFilelists, parseOther } from './filelists.js';
export type { FilelistsPackage, OtherPackage, PackageRef } from './filelists.js';
export { readDecompressed, detectCompression, compressionFromMagic, compressionFromName } from './decompress.js';
export type { Compression } from './decompress.js';
export { parseRepoFile, parseIni, parseBool, parseList, parseSeconds, defaultRepoConfig, packageFilter, DEFAULT_METADATA_EXPIRE } from './repo-file.js';
export type { RepoConfig } from './repo-file.js';
export { substituteVars, buildVars, baseArch, hostArch } from './vars.js';
export type { RepoVars } from './vars.js';
export { parseMirrorlist, parseMetalink, normalizeBaseUrl } from './mirrors.js';
export type { Metalink } from './mirrors.js';
export { Transport } from './transport.js';
export { fetchVerified, resolveHref } from './fetch-verified.js';
export { openRepo, repoCacheDir, RpmmdRepo } from './repo.js';
export type { RepoSource, OpenRepoOptions } from './repo.js';
export { downloadPackages } from './download.js';
export type { DownloadOptions, DownloadResult } from './download.js';
export { parseCapability, packageProvides, isPrimaryPath } from './capability.js';
export { whatProvides } from './query.js';
export { encodePrimaryCache, decodePrimaryCache, PrimaryCacheWriter, openPrimaryCache, primaryCacheIdentities, primaryCachePackages } from './primary-cache-codec.js';
export type { PrimaryCacheView } from './primary-cache-codec.js';
export { createRepo, createrepoRequires, createrepoChangelogs } from './create.js';
export type { CreateRepoOptions, CreateRepoResult } from './create.js';
export { primaryHeader, primaryPackage, PRIMARY_FOOTER, filelistsHeader, filelistsPackage, FILELISTS_FOOTER, otherHeader, otherPackage, OTHER_FOOTER, repomdXml } from './write-xml.js';
export type { RepomdDataOut } from './write-xml.js';
