// The RPM writer: declarative package descriptions → .rpm files that rpm 4.18 accepts.
export { buildRpm, buildRpmDetailed, rpmFileName, EMULATED_RPM_VERSION } from './build-rpm.js';
export type { BuiltRpm } from './build-rpm.js';
export { writeRpm } from './write-rpm.js';
export { parsePackageDescriptions } from './parse-description.js';
export { normalizePackage, parseDependency, sortDependencies, isaSuffix, DEFAULT_BUILDTIME } from './normalize.js';
export type { NormalizedPackage, NormalizedFile, NormalizeOptions } from './normalize.js';
export { writeCpioNewc, writeCpioStripped, cpioNewcChunks, cpioStrippedChunks } from './cpio-writer.js';
export { bytesSource, fillSource, readAll } from './content-source.js';
export type { ContentSource } from './content-source.js';
export type { CpioWriteEntry } from './cpio-writer.js';
export { PAYLOAD_COMPRESSORS, compressorSpec } from './payload-compressor.js';
export type * from './description.js';
export { featureMatrix, fixturePackageSet, writeFixturePackages, COMPRESSORS } from './fixtures.js';
export type { MatrixCase, PackageSetOptions } from './fixtures.js';
