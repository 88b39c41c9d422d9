import { AtollError } from '../../errors/index.js';
import { bswap32, bswap64, decodeGVariant, encodeGVariant, type GVariantValue, type Variant, type VarDict } from '../../gvariant/index.js';
import { COMMIT_GVARIANT_TYPE, checksumFromBytes, checksumToBytes, decodeCommit, isChecksum, sha256Hex, type Commit } from '../objects/index.js';

/**
 * Static-delta codecs (ostree-repo-static-delta-private.h, 2022.7): delta names and paths
 * (modified base64), the superblock, part headers, fallback entries, part payloads and the
 * varint opcode stream. Pure: bytes in, values out.
 *
 * Byte order: the superblock's part sizes, versions and fallback sizes are in the order its
 * `ostree.endianness` metadata names ('l' little, 'B' big; `--swap-endianness` writes the
 * other one), guessed as ostree does for deltas older than that key. The timestamp is always
 * big-endian; part payloads (modes) are always big-endian.
 */

export const SUPERBLOCK_GVARIANT_TYPE = `(a{sv}tayay${COMMIT_GVARIANT_TYPE}aya(uayttay)a(yaytt))`;
export const PART_PAYLOAD_GVARIANT_TYPE = '(a(uuu)aa(ayay)ayay)';
/** The only part version ostree writes and reads. */
export const DELTAPART_VERSION = 0;

export const DeltaOp = {
  OpenSpliceAndClose: 0x53, // 'S'
  Open: 0x6f, // 'o'
  Write: 0x77, // 'w'
  SetReadSource: 0x72, // 'r'
  UnsetReadSource: 0x52, // 'R'
  Close: 0x63, // 'c'
  Bspatch: 0x42, // 'B'
} as const;

/** ostree_checksum_b64_from_bytes: base64 without padding, '/' → '_'. */
export function checksumToModifiedBase64(checksum: string): string {
  return Buffer.from(checksum, 'hex').toString('base64').replace(/=+$/, '').replace(/\//g, '_');
}

export function modifiedBase64ToChecksum(text: string): string | undefined {
  if (!/^[A-Za-z0-9+_]{43}$/.test(text)) return undefined;
  const bytes = Buffer.from(text.replace(/_/g, '/') + '=', 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}

/** `deltas/XX/REST` (from scratch) or `deltas/XX/REST-TO` (from FROM), plus `/target`. */
export function deltaRelativePath(from: string | undefined, to: string, target?: string): string {
  const t = checksumToModifiedBase64(to);
  let dir: string;
  if (from !== undefined) {
    const f = checksumToModifiedBase64(from);
    dir = `deltas/${f.slice(0, 2)}/${f.slice(2)}-${t}`;
  } else {
    dir = `deltas/${t.slice(0, 2)}/${t.slice(2)}`;
  }
  return target === undefined ? dir : `${dir}/${target}`;
}

export function deltaPartPath(from: string | undefined, to: string, index: number): string {
  return deltaRelativePath(from, to, String(index));
}

/** `delta-indexes/XX/REST.index` for deltas ending at `to`. */
export function deltaIndexPath(to: string): string {
  const t = checksumToModifiedBase64(to);
  return `delta-indexes/${t.slice(0, 2)}/${t.slice(2)}.index`;
}

/** `FROM-TO` or `TO` (hex), as `static-delta list` prints and the summary keys deltas. */
export function deltaName(from: string | undefined, to: string): string {
  return from === undefined ? to : `${from}-${to}`;
}

/** _ostree_parse_delta_name, with ostree's wording for a bad checksum. */
export function parseDeltaName(name: string): { from: string | undefined; to: string } {
  const dash = name.indexOf('-');
  const first = dash < 0 ? name : name.slice(0, dash);
  const second = dash < 0 ? undefined : name.slice(dash + 1);
  if (!isChecksum(first)) throw new AtollError('DELTA_BAD_NAME', `Invalid rev ${first}`, { data: { name } });
  if (second !== undefined && !isChecksum(second)) throw new AtollError('DELTA_BAD_NAME', `Invalid rev ${second}`, { data: { name } });
  return second === undefined ? { from: undefined, to: first } : { from: first, to: second };
}

/** A name under deltas/ (`XX` + `REST[-TO]`, both modified base64) back to hex; undefined if not one. */
export function deltaNameFromDirs(prefix: string, rest: string): string | undefined {
  const whole = prefix + rest;
  const dash = whole.indexOf('-');
  const from = modifiedBase64ToChecksum(dash < 0 ? whole : whole.slice(0, dash));
  if (from === undefined) return undefined;
  if (dash < 0) return from;
  const to = modifiedBase64ToChecksum(whole.slice(dash + 1));
  return to === undefined ? undefined : `${from}-${to}`;
}

// --- varints (_ostree_read_varuint64 / _ostree_write_varuint64: LEB128) ---

export function writeVarUint(out: number[], value: number): void {
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
}

/** Reads one varint at `pos`; undefined when the stream ends inside it (or it exceeds 2^53). */
export function readVarUint(bytes: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let k = pos; k < bytes.length && k - pos < 10; k++) {
    const byte = bytes[k] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return Number.isSafeInteger(value) ? { value, next: k + 1 } : undefined;
  }
  return undefined;
}

// --- superblock ---

export interface DeltaPartHeader {
  version: number;
  /** sha256 of the part file (compression byte included). */
  checksum: string;
  /** Size of the part file. */
  size: number;
  /** Sum of the sizes of the objects it writes (ostree's accounting). */
  usize: number;
  objects: Array<{ type: number; checksum: string }>;
}

export interface DeltaFallback {
  type: number;
  checksum: string;
  size: number;
  usize: number;
}

export interface Superblock {
  metadata: VarDict;
  /** Seconds since the epoch (host value). */
  timestamp: bigint;
  from: string | undefined;
  to: string;
  commit: Commit;
  commitBytes: Uint8Array;
  parts: DeltaPartHeader[];
  fallbacks: DeltaFallback[];
  /** The order the sizes were stored in, and whether that was guessed. */
  endianness: 'little' | 'big';
  heuristic: boolean;
  /** Signatures of a signed superblock file (`--sign`), by `ostree.sign.TYPE`; undefined when unsigned. */
  signatures: Map<string, Uint8Array[]> | undefined;
  /** The superblock bytes the signatures cover (signed files only). */
  signedBytes: Uint8Array | undefined;
}

function corrupt(what: string, cause?: unknown): AtollError {
  return new AtollError('DELTA_CORRUPT', `invalid static delta superblock: ${what}`, cause !== undefined ? { cause } : {});
}

function packedObjects(bytes: Uint8Array, where: string): Array<{ type: number; checksum: string }> {
  if (bytes.length % 33 !== 0) throw corrupt(`${where}: object list of ${bytes.length} bytes is not a multiple of 33`);
  const out: Array<{ type: number; checksum: string }> = [];
  for (let k = 0; k < bytes.length; k += 33) {
    const type = bytes[k] as number;
    if (type < 1 || type > 6) throw corrupt(`${where}: invalid object type ${type}`);
    out.push({ type, checksum: Buffer.from(bytes.subarray(k + 1, k + 33)).toString('hex') });
  }
  return out;
}

/** Decode (and structurally validate) a superblock; the commit must hash to its `to`. */
export function decodeSuperblock(file: Uint8Array): Superblock {
  const signed = unwrapSignedSuperblock(file);
  const bytes = signed ? signed.superblock : file;
  let value: GVariantValue[];
  try {
    value = decodeGVariant(SUPERBLOCK_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw corrupt((error as Error).message, error);
  }
  const [metaRaw, tsRaw, fromRaw, toRaw, commitRaw, , headersRaw, fallbacksRaw] = value as [
    Array<[string, Variant]>, bigint, Uint8Array, Uint8Array, GVariantValue, Uint8Array, Array<[number, Uint8Array, bigint, bigint, Uint8Array]>, Array<[number, Uint8Array, bigint, bigint]>,
  ];
  const metadata: VarDict = new Map(metaRaw);
  const to = checksumOrThrow(toRaw, 'to checksum');
  const from = fromRaw.length === 0 ? undefined : checksumOrThrow(fromRaw, 'from checksum');
  const commitBytes = encodeGVariant(COMMIT_GVARIANT_TYPE, commitRaw);
  if (sha256Hex(commitBytes) !== to) throw corrupt(`the commit object does not hash to ${to}`);
  const commit = decodeCommit(commitBytes);
  // Endianness: the metadata key, else ostree's heuristic (_ostree_delta_get_endianness).
  let endianness: 'little' | 'big' = 'little';
  let heuristic = false;
  const key = metadata.get('ostree.endianness');
  if (key !== undefined) {
    if (key.type !== 'y' || (key.value !== 0x6c && key.value !== 0x42)) throw corrupt('invalid ostree.endianness');
    endianness = key.value === 0x42 ? 'big' : 'little';
  } else {
    heuristic = true;
    let swapped = false;
    let totalSize = 0n;
    let totalObjects = 0;
    for (const [, , size, usize, objects] of headersRaw) {
      totalObjects += Math.floor(objects.length / 33);
      totalSize += size;
      if (size > usize && Number(size) / Number(usize) > 1.2) {
        swapped = true;
        break;
      }
    }
    if (!swapped && totalObjects > 0 && totalSize / BigInt(totalObjects) > 0xffffffffn) swapped = true;
    endianness = swapped ? 'big' : 'little';
  }
  const swap = endianness === 'big';
  const u64 = (v: bigint): number => Number(swap ? bswap64(v) : v);
  const parts = headersRaw.map(([version, csum, size, usize, objects], k): DeltaPartHeader => ({
    version: swap ? bswap32(version) : version,
    checksum: checksumOrThrow(csum, `checksum of part ${k}`),
    size: u64(size),
    usize: u64(usize),
    objects: packedObjects(objects, `part ${k}`),
  }));
  const fallbacks = fallbacksRaw.map(([type, csum, size, usize], k): DeltaFallback => {
    if (type < 1 || type > 6) throw corrupt(`fallback ${k}: invalid object type ${type}`);
    return { type, checksum: checksumOrThrow(csum, `fallback ${k}`), size: u64(size), usize: u64(usize) };
  });
  return { metadata, timestamp: bswap64(tsRaw), from, to, commit, commitBytes, parts, fallbacks, endianness, heuristic, signatures: signed?.signatures, signedBytes: signed?.superblock };
}

function checksumOrThrow(bytes: Uint8Array, where: string): string {
  try {
    return checksumFromBytes(bytes, where);
  } catch (error) {
    throw corrupt(`${where}: ${(error as Error).message}`, error);
  }
}

export interface SuperblockInput {
  metadata: VarDict;
  timestamp: bigint;
  from: string | undefined;
  to: string;
  commitBytes: Uint8Array;
  parts: readonly DeltaPartHeader[];
  fallbacks: readonly DeltaFallback[];
  /** Store sizes big-endian (`--swap-endianness` on a little-endian host). */
  bigEndian?: boolean;
}

export function encodeSuperblock(input: SuperblockInput): Uint8Array {
  const swap = input.bigEndian === true;
  const u64 = (n: number): bigint => (swap ? bswap64(BigInt(n)) : BigInt(n));
  const commitValue = decodeGVariant(COMMIT_GVARIANT_TYPE, input.commitBytes);
  return encodeGVariant(SUPERBLOCK_GVARIANT_TYPE, [
    [...input.metadata],
    bswap64(input.timestamp),
    input.from === undefined ? new Uint8Array(0) : checksumToBytes(input.from),
    checksumToBytes(input.to),
    commitValue,
    new Uint8Array(0),
    input.parts.map((p) => [
      swap ? bswap32(p.version) : p.version,
      checksumToBytes(p.checksum),
      u64(p.size),
      u64(p.usize),
      Buffer.concat(p.objects.map((o) => Buffer.concat([Buffer.from([o.type]), Buffer.from(o.checksum, 'hex')]))),
    ]),
    input.fallbacks.map((f) => [f.type, checksumToBytes(f.checksum), u64(f.size), u64(f.usize)]),
  ]);
}

// --- part payloads ---

export interface PartPayload {
  /** (uid, gid, mode), host values (stored big-endian). */
  modes: Array<{ uid: number; gid: number; mode: number }>;
  /** Each entry is an `a(ayay)` xattr list. */
  xattrs: Array<Array<[Uint8Array, Uint8Array]>>;
  blob: Uint8Array;
  ops: Uint8Array;
}

export function decodePartPayload(bytes: Uint8Array, where: string): PartPayload {
  let value: GVariantValue[];
  try {
    value = decodeGVariant(PART_PAYLOAD_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw new AtollError('DELTA_CORRUPT', `invalid static delta ${where}: ${(error as Error).message}`, { cause: error });
  }
  const [modes, xattrs, blob, ops] = value as [Array<[number, number, number]>, Array<Array<[Uint8Array, Uint8Array]>>, Uint8Array, Uint8Array];
  return { modes: modes.map(([uid, gid, mode]) => ({ uid: bswap32(uid), gid: bswap32(gid), mode: bswap32(mode) })), xattrs, blob, ops };
}

export function encodePartPayload(payload: PartPayload): Uint8Array {
  return encodeGVariant(PART_PAYLOAD_GVARIANT_TYPE, [
    payload.modes.map((m) => [bswap32(m.uid), bswap32(m.gid), bswap32(m.mode)]),
    payload.xattrs,
    payload.blob,
    payload.ops,
  ]);
}

/** `a{sv}` with `ostree.static-deltas`: delta name → superblock sha256 (`ay`), for indexes and the summary. */
export function staticDeltasVariant(entries: ReadonlyArray<readonly [string, string]>): Variant {
  return { type: 'a{sv}', value: entries.map(([name, digest]) => [name, { type: 'ay', value: Buffer.from(digest, 'hex') }]) };
}

export function encodeDeltaIndex(entries: ReadonlyArray<readonly [string, string]>): Uint8Array {
  return encodeGVariant('a{sv}', [['ostree.static-deltas', staticDeltasVariant(entries)]]);
}

/** The delta name → superblock digest map of an index file (or a summary's `ostree.static-deltas`). */
export function staticDeltasFromVariant(value: Variant | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined || value.type !== 'a{sv}') return out;
  for (const [name, v] of value.value as Array<[string, Variant]>) {
    if (v.type === 'ay' && (v.value as Uint8Array).length === 32) out.set(name, Buffer.from(v.value as Uint8Array).toString('hex'));
  }
  return out;
}

export function decodeDeltaIndex(bytes: Uint8Array): Map<string, string> {
  let value: Array<[string, Variant]>;
  try {
    value = decodeGVariant('a{sv}', bytes) as Array<[string, Variant]>;
  } catch (error) {
    throw new AtollError('DELTA_CORRUPT', `invalid static delta index: ${(error as Error).message}`, { cause: error });
  }
  return staticDeltasFromVariant(new Map(value).get('ostree.static-deltas'));
}

// --- signed superblocks (OSTREE_STATIC_DELTA_SIGNED_FORMAT "(taya{sv})") ---

/** The first 8 bytes of a signed superblock file: "OSTSGNDT" (the magic, stored big-endian). */
const SIGNED_MAGIC = Buffer.from('OSTSGNDT', 'latin1');

export interface SignedSuperblock {
  /** The superblock bytes the signatures cover. */
  superblock: Uint8Array;
  /** `ostree.sign.TYPE` → signatures (`aay`). */
  signatures: Map<string, Uint8Array[]>;
}

/** The signed wrapper of a superblock file, or undefined for a plain superblock. */
export function unwrapSignedSuperblock(bytes: Uint8Array): SignedSuperblock | undefined {
  if (bytes.length < 8 || Buffer.compare(Buffer.from(bytes.subarray(0, 8)), SIGNED_MAGIC) !== 0) return undefined;
  let value: GVariantValue[];
  try {
    value = decodeGVariant('(taya{sv})', bytes) as GVariantValue[];
  } catch (error) {
    throw corrupt(`signed superblock: ${(error as Error).message}`, error);
  }
  const signatures = new Map<string, Uint8Array[]>();
  for (const [key, v] of value[2] as Array<[string, Variant]>) {
    if (v.type === 'aay') signatures.set(key, [...(v.value as Uint8Array[])]);
  }
  return { superblock: value[1] as Uint8Array, signatures };
}

export function wrapSignedSuperblock(superblock: Uint8Array, signatures: ReadonlyMap<string, readonly Uint8Array[]>): Uint8Array {
  return encodeGVariant('(taya{sv})', [
    SIGNED_MAGIC.readBigUInt64LE(0),
    superblock,
    [...signatures].map(([key, sigs]) => [key, { type: 'aay', value: [...sigs] }]),
  ]);
}
