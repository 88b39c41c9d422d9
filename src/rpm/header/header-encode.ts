import { RPM_TYPE, TYPE_ALIGN } from './tags.js';
import { HEADER_MAGIC } from './header-blob.js';

/**
 * The header structure writer: lays out a header exactly as rpm does (§3.3): index entries
 * sorted by tag with the region entry first, data items in index order each aligned for its
 * type (zero-filled gaps), the region trailer last. Used by the RPM writer (rpm/build) and by
 * tests that craft hostile headers.
 */

export type EncodableValue =
  | { type: typeof RPM_TYPE.CHAR | typeof RPM_TYPE.INT8 | typeof RPM_TYPE.BIN; value: Uint8Array }
  | { type: typeof RPM_TYPE.INT16 | typeof RPM_TYPE.INT32; value: readonly number[] }
  | { type: typeof RPM_TYPE.INT64; value: readonly (number | bigint)[] }
  | { type: typeof RPM_TYPE.STRING; value: string }
  | { type: typeof RPM_TYPE.STRING_ARRAY | typeof RPM_TYPE.I18NSTRING; value: readonly string[] };

export type HeaderEntryInput = EncodableValue & { tag: number };

const encoder = new TextEncoder();

function encodeData(entry: HeaderEntryInput): { bytes: Uint8Array; count: number } {
  switch (entry.type) {
    case RPM_TYPE.CHAR:
    case RPM_TYPE.INT8:
    case RPM_TYPE.BIN:
      return { bytes: entry.value, count: entry.value.length };
    case RPM_TYPE.INT16: {
      const b = new Uint8Array(2 * entry.value.length);
      const v = new DataView(b.buffer);
      entry.value.forEach((n, i) => v.setUint16(2 * i, n));
      return { bytes: b, count: entry.value.length };
    }
    case RPM_TYPE.INT32: {
      const b = new Uint8Array(4 * entry.value.length);
      const v = new DataView(b.buffer);
      entry.value.forEach((n, i) => v.setUint32(4 * i, n >>> 0));
      return { bytes: b, count: entry.value.length };
    }
    case RPM_TYPE.INT64: {
      const b = new Uint8Array(8 * entry.value.length);
      const v = new DataView(b.buffer);
      entry.value.forEach((n, i) => v.setBigUint64(8 * i, BigInt(n)));
      return { bytes: b, count: entry.value.length };
    }
    case RPM_TYPE.STRING:
      return { bytes: encoder.encode(`${entry.value}\0`), count: 1 };
    case RPM_TYPE.STRING_ARRAY:
    case RPM_TYPE.I18NSTRING:
      return { bytes: encoder.encode(entry.value.map((s) => `${s}\0`).join('')), count: entry.value.length };
  }
}

/**
 * Encode a header sealed with `regionTag` (62 signature, 63 main). Entries are sorted by tag;
 * duplicate tags are a programmer error. Returns the bytes with the 8-byte magic.
 */
export function encodeHeader(entries: readonly HeaderEntryInput[], regionTag: 62 | 63): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.tag === sorted[i - 1]!.tag) throw new TypeError(`duplicate header tag ${sorted[i]!.tag}`);
  }
  if (sorted.some((e) => e.tag < 100)) throw new TypeError('header tags below 100 are reserved');
  const parts: { tag: number; type: number; offset: number; count: number; bytes: Uint8Array }[] = [];
  let dl = 0;
  for (const e of sorted) {
    const { bytes, count } = encodeData(e);
    const align = TYPE_ALIGN[e.type]!;
    dl = Math.ceil(dl / align) * align;
    parts.push({ tag: e.tag, type: e.type, offset: dl, count, bytes });
    dl += bytes.length;
  }
  const trailerOffset = dl;
  dl += 16;
  const il = parts.length + 1;
  const out = new Uint8Array(16 + 16 * il + dl);
  const view = new DataView(out.buffer);
  out.set(HEADER_MAGIC, 0);
  view.setUint32(8, il);
  view.setUint32(12, dl);
  const writeEntry = (at: number, tag: number, type: number, offset: number, count: number): void => {
    view.setUint32(at, tag);
    view.setUint32(at + 4, type);
    view.setInt32(at + 8, offset);
    view.setUint32(at + 12, count);
  };
  writeEntry(16, regionTag, RPM_TYPE.BIN, trailerOffset, 16);
  const storeStart = 16 + 16 * il;
  parts.forEach((p, i) => {
    writeEntry(16 + 16 * (i + 1), p.tag, p.type, p.offset, p.count);
    out.set(p.bytes, storeStart + p.offset);
  });
  writeEntry(storeStart + trailerOffset, regionTag, RPM_TYPE.BIN, -(il * 16), 16);
  return out;
}

/** Zero bytes needed after a signature header of `length` bytes so the main header is 8-aligned. */
export function signaturePadding(length: number): number {
  return (8 - (length % 8)) % 8;
}
