import { DEPENDENCY_KINDS, type Dependency } from '../rpm/index.js';
import type { RepoFileEntry, RepoPackage } from './types.js';

/**
 * Compact binary form of parsed primary data, so a warm start does not re-parse XML.
 * Pure codec (bytes in, values out). Layout, all integers little-endian u32:
 *
 *   "ATRPMMD\x01" | u32 metaLen | meta JSON | pad to 4 | u32 nStrings | u32 utf16Len |
 *   u32 lengths[nStrings] | u32 utf8Len | utf8 of all strings concatenated | pad to 4 |
 *   u32 nInts | u32 ints[nInts]
 *
 * Strings are deduplicated (dependency names repeat across thousands of packages) and decoded
 * with one TextDecoder call, then sliced. Each package is a fixed sequence in `ints`
 * (string indexes, numbers as hi/lo pairs, dependency and file lists with counts).
 */
const MAGIC = Buffer.from('ATRPMMD\x01', 'latin1');
const FILE_TYPES = ['file', 'dir', 'ghost'] as const;

export interface PrimaryCacheMeta {
  /** Checksum of the primary file this was parsed from (the cache key). */
  primaryChecksum: string;
  count: number;
}

export function encodePrimaryCache(meta: PrimaryCacheMeta, packages: readonly RepoPackage[]): Buffer {
  const index = new Map<string, number>();
  const strings: string[] = [];
  const str = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  let ints = new Uint32Array(1 << 16);
  let n = 0;
  const push = (v: number): void => {
    if (n === ints.length) {
      const bigger = new Uint32Array(ints.length * 2);
      bigger.set(ints);
      ints = bigger;
    }
    ints[n++] = v;
  };
  const num = (v: number): void => {
    push(Math.floor(v / 0x1_0000_0000));
    push(v >>> 0);
  };
  const optStr = (s: string | null): void => push(s === null ? 0 : str(s) + 1);
  for (const p of packages) {
    push(str(p.name));
    push(p.epoch === null ? 0 : p.epoch + 1);
    push(str(p.version));
    push(str(p.release));
    push(str(p.arch));
    push(str(p.summary));
    push(str(p.description));
    push(str(p.license));
    push(str(p.url));
    push(str(p.vendor));
    push(str(p.packager));
    push(str(p.group));
    push(str(p.buildhost));
    optStr(p.sourcerpm);
    num(p.buildtime);
    num(p.installedSize);
    num(p.fileTime);
    num(p.packageSize);
    num(p.archiveSize);
    num(p.headerStart);
    num(p.headerEnd);
    push(str(p.pkgid));
    push(str(p.checksumType));
    push(str(p.locationHref));
    optStr(p.locationBase);
    for (const kind of DEPENDENCY_KINDS) {
      const deps = p[kind];
      push(deps.length);
      for (const d of deps) {
        push(str(d.name));
        push(d.flags >>> 0);
        push(str(d.evr));
      }
    }
    push(p.files.length);
    for (const f of p.files) {
      push(str(f.path));
      push(FILE_TYPES.indexOf(f.type));
    }
  }
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
  const joined = strings.join('');
  const utf8 = Buffer.from(joined, 'utf8');
  const lengths = Uint32Array.from(strings, (s) => s.length);
  const pad = (len: number): number => (4 - (len % 4)) % 4;
  const parts: Buffer[] = [];
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  parts.push(MAGIC, u32(metaBytes.length), metaBytes, Buffer.alloc(pad(metaBytes.length)));
  parts.push(u32(strings.length), u32(joined.length), Buffer.from(lengths.buffer, 0, lengths.byteLength));
  parts.push(u32(utf8.length), utf8, Buffer.alloc(pad(utf8.length)));
  parts.push(u32(n), Buffer.from(ints.buffer, 0, n * 4));
  return Buffer.concat(parts);
}

/** Thrown as a plain Error: a cache that does not decode is simply not used. */
export class CacheFormatError extends Error {}

export function decodePrimaryCacheMeta(data: Uint8Array): PrimaryCacheMeta {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new CacheFormatError('not a primary cache file');
  const metaLen = buf.readUInt32LE(8);
  return JSON.parse(buf.toString('utf8', 12, 12 + metaLen)) as PrimaryCacheMeta;
}

export function decodePrimaryCache(data: Uint8Array): { meta: PrimaryCacheMeta; packages: RepoPackage[] } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const meta = decodePrimaryCacheMeta(buf);
  let pos = 12 + buf.readUInt32LE(8);
  pos += (4 - (pos % 4)) % 4;
  const need = (bytes: number): void => {
    if (pos + bytes > buf.length) throw new CacheFormatError('primary cache file is truncated');
  };
  need(8);
  const nStrings = buf.readUInt32LE(pos);
  const utf16Len = buf.readUInt32LE(pos + 4);
  pos += 8;
  need(nStrings * 4);
  const lengths = new Uint32Array(buf.buffer.slice(buf.byteOffset + pos, buf.byteOffset + pos + nStrings * 4));
  pos += nStrings * 4;
  need(4);
  const utf8Len = buf.readUInt32LE(pos);
  pos += 4;
  need(utf8Len);
  const joined = buf.toString('utf8', pos, pos + utf8Len);
  if (joined.length !== utf16Len) throw new CacheFormatError('primary cache string table is corrupt');
  pos += utf8Len;
  pos += (4 - (pos % 4)) % 4;
  const strings = new Array<string>(nStrings);
  let offset = 0;
  for (let i = 0; i < nStrings; i++) {
    const len = lengths[i] as number;
    strings[i] = joined.slice(offset, offset + len);
    offset += len;
  }
  need(4);
  const nInts = buf.readUInt32LE(pos);
  pos += 4;
  need(nInts * 4);
  const ints = new Uint32Array(buf.buffer.slice(buf.byteOffset + pos, buf.byteOffset + pos + nInts * 4));
  let i = 0;
  const s = (): string => {
    const v = strings[ints[i++] as number];
    if (v === undefined) throw new CacheFormatError('primary cache string index out of range');
    return v;
  };
  const opt = (): string | null => {
    const v = ints[i++] as number;
    return v === 0 ? null : (strings[v - 1] as string);
  };
  const num = (): number => {
    const hi = ints[i++] as number;
    const lo = ints[i++] as number;
    return hi * 0x1_0000_0000 + lo;
  };
  const deps = (): Dependency[] => {
    const count = ints[i++] as number;
    const out = new Array<Dependency>(count);
    for (let k = 0; k < count; k++) out[k] = { name: s(), flags: ints[i++] as number, evr: s() };
    return out;
  };
  const packages: RepoPackage[] = new Array(meta.count);
  for (let k = 0; k < meta.count; k++) {
    if (i >= nInts) throw new CacheFormatError('primary cache package table is truncated');
    const name = s();
    const epochPlus = ints[i++] as number;
    const version = s();
    const release = s();
    const arch = s();
    const summary = s();
    const description = s();
    const license = s();
    const url = s();
    const vendor = s();
    const packager = s();
    const group = s();
    const buildhost = s();
    const sourcerpm = opt();
    const buildtime = num();
    const installedSize = num();
    const fileTime = num();
    const packageSize = num();
    const archiveSize = num();
    const headerStart = num();
    const headerEnd = num();
    const pkgid = s();
    const checksumType = s();
    const locationHref = s();
    const locationBase = opt();
    const provides = deps();
    const requires = deps();
    const conflicts = deps();
    const obsoletes = deps();
    const recommends = deps();
    const suggests = deps();
    const supplements = deps();
    const enhances = deps();
    const nFiles = ints[i++] as number;
    const files = new Array<RepoFileEntry>(nFiles);
    for (let f = 0; f < nFiles; f++) files[f] = { path: s(), type: FILE_TYPES[ints[i++] as number] ?? 'file' };
    packages[k] = {
      name, epoch: epochPlus === 0 ? null : epochPlus - 1, version, release, arch, summary, description, license, url, vendor, packager, group,
      buildtime, buildhost, installedSize, sourcerpm, provides, requires, conflicts, obsoletes, recommends, suggests, supplements, enhances,
      pkgid, checksumType, locationHref, locationBase, fileTime, packageSize, archiveSize, headerStart, headerEnd, files, filelistsLoaded: false,
    };
  }
  if (i !== nInts) throw new CacheFormatError('primary cache has trailing data');
  return { meta, packages };
}
