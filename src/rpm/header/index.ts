export * from './tags.js';
export { readHeaderBlob, Header, HEADER_MAGIC } from './header-blob.js';
export type { HeaderBlob, HeaderKind, IndexEntry, HeaderReadOptions, TagValue } from './header-blob.js';
export { encodeHeader, signaturePadding } from './header-encode.js';
export type { EncodableValue, HeaderEntryInput } from './header-encode.js';
export { readLead, encodeLead, LEAD_SIZE, LEAD_MAGIC } from './lead.js';
export type { Lead } from './lead.js';
