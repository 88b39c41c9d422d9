// The rpm codec: package model, header reader, payload, version comparison, writer.
// Other layers import from here only.
export * from './package/index.js';
export * from './header/index.js';
export * from './payload/index.js';
export * from './unpack/index.js';
export * from './build/index.js';
export * from './vercmp/index.js';
