// The rpm codec: package model, header reader, payload, version comparison, writer.
// Other layers import from here only.
export * from './package/index.js';
export * from './header/index.js';
export * from './payload/index.js';
export * from './unpack/index.js';
// build/ re-exports names header/ also defines (RPMFILE, SCRIPT_KINDS, ScriptKind,
// ChangelogEntry): header's win, the rest of build/ is listed explicitly.
export {
  buildRpm, buildRpmDetailed, rpmFileName, EMULATED_RPM_VERSION, writeRpm, parsePackageDescriptions, normalizePackage, parseDependency,
  sortDependencies, isaSuffix, DEFAULT_BUILDTIME, writeCpioNewc, writeCpioStripped, PAYLOAD_COMPRESSORS, compressorSpec, featureMatrix,
  fixturePackageSet, writeFixturePackages, seededRandom, COMPRESSORS,
} from './build/index.js';
export type { BuiltRpm, NormalizedPackage, NormalizedFile, CpioEntry, MatrixCase, PackageSetOptions } from './build/index.js';
export type { PackageDescription, PayloadCompressor, FileInput, DependencyInput } from './build/description.js';
