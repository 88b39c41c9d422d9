// GVariant normal-form codec (docs/formats/gvariant.md): type strings, encode, decode with
// normal-form validation. Pure: bytes in, values out. Other layers import from here only.
export { parseType, isValidType, offsetSizeFor, pickOffsetSize, isBasicCode, MAX_DEPTH } from './type.js';
export type { GVariantType } from './type.js';
export { variant } from './value.js';
export type { GVariantValue, Variant, VarDict } from './value.js';
export { encodeGVariant, encodeVariant, encodeInto, ByteWriter } from './encode.js';
export { decodeGVariant, decodeVariant, isNormalForm, isObjectPath, isSignature } from './decode.js';
export { bswap16, bswap32, bswap64, byteswapGVariant } from './byte-order.js';
export { printGVariant, printVariant } from './print.js';
export { parseGVariantText } from './parse-text.js';
