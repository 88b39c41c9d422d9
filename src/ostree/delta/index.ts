// OSTree static deltas (ostree-repo-static-delta-*.c, 2022.7): the superblock/part codecs and
// delta names, bsdiff/bspatch, executing parts into a transaction or a pull target (every
// object verified before it is written), apply-offline, generate, and the deltas stored in a
// repository (list, show, delete, indexes, reindex). Other folders import from here only.
export {
  SUPERBLOCK_GVARIANT_TYPE,
  DeltaOp,
  checksumToModifiedBase64,
  deltaRelativePath,
  deltaPartPath,
  deltaIndexPath,
  deltaName,
  parseDeltaName,
  decodeSuperblock,
  encodeSuperblock,
  decodePartPayload,
  encodePartPayload,
  decodeDeltaIndex,
  staticDeltasVariant,
  staticDeltasFromVariant,
} from './delta-format.js';
export type { Superblock, DeltaPartHeader, DeltaFallback, PartPayload } from './delta-format.js';
export { bsdiff, bspatch } from './bsdiff.js';
export { openDeltaPart, executeDeltaPart } from './execute-part.js';
export type { DeltaObjectSink, PartStats } from './execute-part.js';
export { applyDeltaOffline, deltaCommitMeta, readSourceData } from './apply-offline.js';
export { generateDelta, deltaExists } from './generate.js';
export type { GenerateDeltaOptions, GenerateDeltaResult } from './generate.js';
export { listDeltas, listDeltaIndexes, deleteDelta, describeDelta, reindexDeltas, deltaDigests, readSuperblock, inlinePartBytes } from './delta-store.js';
export { signDelta, verifyDeltaSignatures } from './delta-sign.js';
export type { DeltaSigning } from './delta-sign.js';
export { pruneStaticDeltas } from './prune-deltas.js';
export { pruneRepository } from './prune-repository.js';
export type { PruneRepositoryOptions } from './prune-repository.js';
