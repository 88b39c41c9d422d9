import { AtollError } from '../../errors/index.js';
import { RPM_TYPE, TYPE_ALIGN, TYPE_SIZE, isStringType, mainTagInfo } from './tags.js';

/**
 * The low-level header structure codec (rpm-format.md §3–4): intro, index entries, data store,
 * region entry and trailer. Validation mirrors rpm 4.18's hdrblobVerifyRegion/hdrblobVerifyInfo
 * so that atoll rejects exactly what rpm rejects (and nothing rpm accepts). Pure: bytes in,
 * values out.
 */

export const HEADER_MAGIC = Uint8Array.of(0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0);

/** Which header is being read: selects the region tag, the size limits and the error code. */
export type HeaderKind = 'signature' | 'main';

export interface IndexEntry {
  tag: number;
  type: number;
  /** Offset into the data store. */
  offset: number;
  count: number;
  /** Length in bytes of the entry's data (computed during validation). */
  length: number;
}

export interface HeaderBlob {
  kind: HeaderKind;
  /** Number of index entries and data-store bytes. */
  il: number;
  dl: number;
  /** Entries in index order, region entry first. */
  entries: IndexEntry[];
  /** The data store (a view into the input, not a copy). */
  store: Uint8Array;
  /** The header bytes with magic, exactly as stored (`[start, start + byteLength)` of the input). */
  bytes: Uint8Array;
  byteLength: number;
  regionTag: number;
  /** 62/63, or 0 for a legacy header without region. */
  /** Entries and data bytes covered by the region (= il/dl for package files; 0 without region). */
  ril: number;
  rdl: number;
}

export interface HeaderReadOptions {
  /**
   * Require the region to cover the whole header. Default: yes for the main header, no for the
   * signature header (rpm 4.18 reads the signature with exact_size=0: entries appended after the
   * region, e.g. by IMA signing tools, are accepted). rpmdb blobs: pass false.
   */
  exactRegion?: boolean;
  /** The input lacks the 8 magic bytes (rpmdb blobs start at `il`). */
  noMagic?: boolean;
}

const LIMITS: Record<HeaderKind, { il: number; dl: number; region: number }> = {
  signature: { il: 32, dl: 64 * 1024 * 1024, region: 62 },
  main: { il: 0xffff, dl: 0x0fffffff, region: 63 },
};

/** Largest element count rpm accepts for a non-BIN entry. */
const MAX_ARRAY_COUNT = 0xfffff;

function bad(kind: HeaderKind, message: string, data?: Record<string, unknown>): AtollError {
  return kind === 'signature'
    ? new AtollError('RPM_SIG_HEADER_BAD', `signature header: ${message}`, { data })
    : new AtollError('RPM_HEADER_BAD', `main header: ${message}`, { data });
}

function u32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

function i32(b: Uint8Array, off: number): number {
  return (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
}

/**
 * Bytes used by `count` elements of `type` at `offset`, or -1 when they do not fit before `end`
 * (rpm's dataLength with a bound).
 */
function dataLength(store: Uint8Array, type: number, offset: number, count: number, end: number): number {
  if (isStringType(type)) {
    if (type === RPM_TYPE.STRING && count !== 1) return -1;
    let pos = offset;
    for (let i = 0; i < count; i++) {
      const nul = store.indexOf(0, pos);
      if (nul < 0 || nul >= end) return -1;
      pos = nul + 1;
    }
    return pos - offset;
  }
  const len = TYPE_SIZE[type]! * count;
  return offset + len > end ? -1 : len;
}

/**
 * Parse and validate a header structure at `start` of `input`. Throws RPM_SIG_HEADER_BAD or
 * RPM_HEADER_BAD (by kind) or RPM_TAG_TYPE for a known main-header tag of the wrong type.
 */
export function readHeaderBlob(input: Uint8Array, start: number, kind: HeaderKind, options: HeaderReadOptions = {}): HeaderBlob {
  const limits = LIMITS[kind];
  const magicLength = options.noMagic ? 0 : 8;
  if (input.length < start + magicLength + 8) throw bad(kind, `truncated at offset ${start}: intro needs ${magicLength + 8} bytes`);
  if (!options.noMagic) {
    for (let i = 0; i < 8; i++) {
      if (input[start + i] !== HEADER_MAGIC[i]) throw bad(kind, `bad magic at offset ${start}`);
    }
  }
  const il = u32(input, start + magicLength);
  const dl = u32(input, start + magicLength + 4);
  if (il > limits.il || dl > limits.dl) throw bad(kind, `too large: ${il} entries, ${dl} data bytes`, { il, dl });
  if (8 + 16 * il + dl >= 256 * 1024 * 1024) throw bad(kind, `too large: ${il} entries, ${dl} data bytes`, { il, dl });
  const indexStart = start + magicLength + 8;
  const storeStart = indexStart + 16 * il;
  const end = storeStart + dl;
  if (end > input.length) throw bad(kind, `truncated: needs ${end - start} bytes at offset ${start}, file has ${input.length - start}`);
  const store = input.subarray(storeStart, end);

  const entries: IndexEntry[] = [];
  for (let i = 0; i < il; i++) {
    const at = indexStart + 16 * i;
    entries.push({ tag: u32(input, at), type: u32(input, at + 4), offset: i32(input, at + 8), count: u32(input, at + 12), length: 0 });
  }

  // Region (hdrblobVerifyRegion). A header whose first tag is not the region tag is a legacy
  // (pre-rpm-4) header: rpm 4.18 still reads it, without region checks and without type checks.
  if (il < 1) throw bad(kind, 'region: no tags');
  const region = entries[0]!;
  let regionTag = 0;
  let ril = 0;
  let rdl = 0;
  if (region.tag === limits.region) {
    regionTag = limits.region;
    if (region.type !== RPM_TYPE.BIN || region.count !== 16) throw bad(kind, `invalid region tag: type ${region.type} count ${region.count}`);
    if (region.offset < 0 || region.offset + 16 > dl) throw bad(kind, `region trailer offset ${region.offset} outside the data store (${dl} bytes)`);
    let trailerTag = u32(store, region.offset);
    const trailerType = u32(store, region.offset + 4);
    const trailerOffset = -i32(store, region.offset + 8);
    const trailerCount = u32(store, region.offset + 12);
    // Some old packages carry HEADERIMAGE (61) in the signature region trailer; rpm accepts it.
    if (kind === 'signature' && trailerTag === 61) trailerTag = 62;
    if (trailerTag !== limits.region || trailerType !== RPM_TYPE.BIN || trailerCount !== 16) {
      throw bad(kind, `invalid region trailer (tag ${trailerTag}, type ${trailerType}, count ${trailerCount})`);
    }
    rdl = region.offset + 16;
    ril = trailerOffset / 16;
    if (trailerOffset < 0 || trailerOffset % 16 !== 0 || ril > il || rdl > dl) {
      throw bad(kind, `invalid region size: ril ${ril}, il ${il}, rdl ${rdl}, dl ${dl}`);
    }
    if ((options.exactRegion ?? kind === 'main') && (ril !== il || rdl !== dl)) {
      throw bad(kind, `region does not cover the header: ril ${ril}, il ${il}, rdl ${rdl}, dl ${dl}`);
    }
    region.length = 16;
  }

  // Entries (hdrblobVerifyInfo).
  let previousEnd = 0;
  for (let i = regionTag ? 1 : 0; i < il; i++) {
    const e = entries[i]!;
    const where = `entry ${i} (tag ${e.tag})`;
    if (previousEnd > e.offset) throw bad(kind, `${where}: data overlaps the previous entry`, { tag: e.tag });
    if (e.tag < 100) throw bad(kind, `${where}: tag below 100`, { tag: e.tag });
    if (e.type < RPM_TYPE.CHAR || e.type > RPM_TYPE.I18NSTRING) throw bad(kind, `${where}: invalid type ${e.type}`, { tag: e.tag });
    if (e.count < 1 || e.count > dl || (e.type !== RPM_TYPE.BIN && e.count > MAX_ARRAY_COUNT)) {
      throw bad(kind, `${where}: invalid count ${e.count}`, { tag: e.tag });
    }
    if (e.offset < 0 || e.offset % TYPE_ALIGN[e.type]! !== 0) throw bad(kind, `${where}: misaligned offset ${e.offset}`, { tag: e.tag });
    if (e.offset > dl) throw bad(kind, `${where}: offset ${e.offset} past the data store (${dl} bytes)`, { tag: e.tag });
    if (kind === 'main' && regionTag !== 0) {
      const known = mainTagInfo(e.tag);
      if (known && known.type !== e.type && !(isStringType(known.type) && isStringType(e.type))) {
        throw new AtollError('RPM_TAG_TYPE', `main header: tag ${known.name} (${e.tag}) has type ${e.type}, expected ${known.type}`, {
          data: { tag: e.tag, type: e.type, expected: known.type },
        });
      }
    }
    const len = dataLength(store, e.type, e.offset, e.count, dl);
    if (len <= 0) throw bad(kind, `${where}: data runs past the data store`, { tag: e.tag });
    e.length = len;
    previousEnd = e.offset + len;
    if (regionTag !== 0 && previousEnd > rdl - 16 && e.offset < rdl) throw bad(kind, `${where}: data overlaps the region trailer`, { tag: e.tag });
  }

  return {
    kind,
    il,
    dl,
    entries,
    store,
    bytes: input.subarray(start, end),
    byteLength: end - start,
    regionTag,
    ril,
    rdl,
  };
}

/**
 * The bytes rpm's header digests and signatures cover (rpm-format.md §4.4): magic, `ril`, `rdl`,
 * the region's index entries and data. For a package file that is the header as stored; for an
 * rpmdb blob with dribbles it is rebuilt, which is how installed headers are re-verified.
 */
export function immutableRegionBytes(blob: HeaderBlob): Uint8Array {
  if (blob.regionTag === 0) throw new AtollError('RPM_HEADER_BAD', `${blob.kind} header: no immutable region to digest`);
  if (blob.ril === blob.il && blob.rdl === blob.dl && blob.bytes.length === 16 + 16 * blob.il + blob.dl) return blob.bytes;
  const out = new Uint8Array(16 + 16 * blob.ril + blob.rdl);
  const view = new DataView(out.buffer);
  out.set(HEADER_MAGIC, 0);
  view.setUint32(8, blob.ril);
  view.setUint32(12, blob.rdl);
  const indexStart = blob.bytes.length - blob.dl - 16 * blob.il;
  out.set(blob.bytes.subarray(indexStart, indexStart + 16 * blob.ril), 16);
  out.set(blob.store.subarray(0, blob.rdl), 16 + 16 * blob.ril);
  return out;
}

/** Decoded tag values, keyed by tag number. */
export type TagValue = string | string[] | number[] | bigint[] | Uint8Array;

/**
 * Strings are decoded as UTF-8 with U+FFFD for invalid bytes (old packages carry Latin-1 text).
 * Buffer's native utf8 slice is several times faster than TextDecoder on the short strings
 * headers are made of (a 15,000-file package has ~200,000 of them).
 */
function readStrings(store: Buffer, offset: number, count: number): string[] {
  const out = new Array<string>(count);
  let pos = offset;
  for (let i = 0; i < count; i++) {
    const nul = store.indexOf(0, pos);
    out[i] = nul === pos ? '' : store.toString('utf8', pos, nul);
    pos = nul + 1;
  }
  return out;
}

/** A validated header with typed accessors. Accessors accept any string class for string tags. */
export class Header {
  private readonly byTag = new Map<number, IndexEntry>();
  private readonly storeBuffer: Buffer;

  constructor(readonly blob: HeaderBlob) {
    this.storeBuffer = Buffer.from(blob.store.buffer, blob.store.byteOffset, blob.store.byteLength);
    for (const e of blob.entries) if (!this.byTag.has(e.tag)) this.byTag.set(e.tag, e);
  }

  has(tag: number): boolean {
    return this.byTag.has(tag);
  }

  entry(tag: number): IndexEntry | undefined {
    return this.byTag.get(tag);
  }

  /** Tags in index order (region tag excluded). */
  tags(): number[] {
    return this.blob.entries.slice(this.blob.regionTag ? 1 : 0).map((e) => e.tag);
  }

  /** Raw data bytes of an entry. */
  raw(tag: number): Uint8Array | undefined {
    const e = this.byTag.get(tag);
    return e ? this.blob.store.subarray(e.offset, e.offset + e.length) : undefined;
  }

  /** All strings of a string-class tag (first locale only for I18NSTRING is `string()`). */
  strings(tag: number): string[] | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    if (!isStringType(e.type)) throw this.typeError(e, 'a string');
    return readStrings(this.storeBuffer, e.offset, e.count);
  }

  /** A single string: STRING, the first element of a STRING_ARRAY, or locale `C` of an I18NSTRING. */
  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  /** Integer array of any integer class (CHAR/INT8/INT16/INT32 as unsigned numbers; INT64 checked ≤ 2^53). */
  numbers(tag: number): number[] | undefined {
    const e = this.byTag.get(tag);
    if (!e) return undefined;
    const s = this.blob.store;
    const out = new Array<number>(e.count);
    switch (e.type) {
      case RPM_TYPE.CHAR:
      case RPM_TYPE.INT8:
        for (let i = 0; i < e.count; i++) out[i] = s[e.offset + i]!;
        return out;
      case RPM_TYPE.INT16:
        for (let i = 0; i < e.count; i++) out[i] = (s[e.offset + 2 * i]! << 8) | s[e.offset + 2 * i + 1]!;
        return out;
      case RPM_TYPE.INT32:
        for (let i = 0; i < e.count; i++) out[i] = u32(s, e.offset + 4 * i);
        return out;
      case RPM_TYPE.INT64:
        for (let i = 0; i < e.count; i++) {
          const hi = u32(s, e.offset + 8 * i);
          const lo = u32(s, e.offset + 8 * i + 4);
          if (hi >= 0x200000) {
            throw new AtollError('RPM_HEADER_BAD', `main header: tag ${e.tag} holds a 64-bit value beyond 2^53`, { data: { tag: e.tag } });
          }
          out[i] = hi * 0x100000000 + lo;
        }
        return out;
      default:
        throw this.typeError(e, 'an integer');
    }
  }

  number(tag: number): number | undefined {
    return this.numbers(tag)?.[0];
  }

  /** BIN data (or the raw bytes of any entry). */
  bin(tag: number): Uint8Array | undefined {
    return this.raw(tag);
  }

  private typeError(e: IndexEntry, wanted: string): AtollError {
    return new AtollError('RPM_TAG_TYPE', `tag ${e.tag} has type ${e.type}, expected ${wanted}`, {
      data: { tag: e.tag, type: e.type },
    });
  }
}
