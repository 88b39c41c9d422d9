export { unpackRpm } from './unpack.js';
export type { UnpackOptions, UnpackResult, UnpackedCapability } from './unpack.js';
export { fileCapsXattr, parseCapText, CAPABILITY_NAMES } from './file-caps.js';
