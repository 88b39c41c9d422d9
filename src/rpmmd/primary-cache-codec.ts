import { DEPENDENCY_KINDS, type Dependency, type Nevra } from '../rpm/index.js';
import type { RepoFileEntry, RepoPackage } from './types.js';

/**
 * Compact binary form of parsed primary data, so a warm start does not re-parse XML.
 * Pure codec (bytes in, values out). Layout, all integers little-endian u32:
 *
 *   "ATRPMMD\x02" | u32 metaLen | meta JSON | pad to 4 | u32 nStrings | u32 ends[nStrings] |
 *   u32 blobLen | UTF-8 of all strings concatenated | pad to 4 | u32 nInts | u32 ints[nInts]
 *
 * `ends[i]` is the byte offset where string i ends in the blob; bit 31 marks a string that is
 * not pure ASCII. The blob is read as latin1 in one call and ASCII strings are sliced from it
 * (only the others need a UTF-8 decode). Repeated strings (dependency names, EVRs, arches,
 * licenses, paths) are stored once; per-package unique ones (description, pkgid) are appended
 * without a lookup. Each package is a fixed head of FIXED ints (NEVRA first, so a listing can
 * read five ints and skip the rest), then eight dependency lists and the file list, each as a
 * count followed by its entries.
 *
 * The writer is incremental (PrimaryCacheWriter.add per package): a cold parse streams packages
 * into it without keeping them, so memory holds the compact form, not the package objects.
 */
const MAGIC = Buffer.from('ATRPMMD\x02', 'latin1');
const FILE_TYPES = ['file', 'dir', 'ghost'] as const;
const NON_ASCII = 0x8000_0000;
/** Ints in a package head: 13 strings and epoch, 7 numbers as hi/lo, 4 strings. */
const FIXED = 14 + 14 + 4;

export interface PrimaryCacheMeta {
  /** Checksum of the primary file this was parsed from (the cache key). */
  primaryChecksum: string;
  count: number;
}

/** The decoded layout: what a cache file holds, without package objects. */
export interface PrimaryCacheView {
  meta: PrimaryCacheMeta;
  ends: Uint32Array;
  blob: Buffer;
  ints: Uint32Array;
}

/** Thrown as a plain Error: a cache that does not decode is simply not used. */
export class CacheFormatError extends Error {}

/**
 * A copy of `s` that does not keep its parent alive. The parser's strings are slices of the
 * decoded chunk they came from; a slice kept as a map key would keep the whole chunk (and so
 * the whole document) in memory. Concatenation then slicing makes V8 flatten into a new string
 * of just this length (strings under 13 characters are copied by slice anyway).
 */
function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * Dependencies of one package already in the writer's terms: per kind (DEPENDENCY_KINDS
 * order) triples of name index, flags, EVR index (indices from `PrimaryCacheWriter.sharedIndex`).
 * The byte-level primary reader fills it instead of making Dependency objects.
 */
export class DependencyInts {
  readonly lists: Uint32Array[] = DEPENDENCY_KINDS.map(() => new Uint32Array(96));
  readonly lengths: number[] = DEPENDENCY_KINDS.map(() => 0);

  push(kind: number, name: number, flags: number, evr: number): void {
    let list = this.lists[kind] as Uint32Array;
    const n = this.lengths[kind] as number;
    if (n + 3 > list.length) {
      const bigger = new Uint32Array(list.length * 2);
      bigger.set(list);
      this.lists[kind] = list = bigger;
    }
    list[n] = name;
    list[n + 1] = flags >>> 0;
    list[n + 2] = evr;
    this.lengths[kind] = n + 3;
  }

  reset(): void {
    this.lengths.fill(0);
  }
}

/** Builds a cache one package at a time. */
export class PrimaryCacheWriter {
  private readonly index = new Map<string, number>();
  private ends = new Uint32Array(1 << 14);
  private nStrings = 0;
  private blob = Buffer.allocUnsafe(1 << 20);
  private blobLen = 0;
  private ints = new Uint32Array(1 << 16);
  private n = 0;
  private emptyIndex = -1;
  private lastShared = '';
  private lastSharedIndex = -1;
  count = 0;

  /**
   * `freshStrings`: the caller's strings are not slices of larger ones (the byte-level
   * reader makes each with its own storage), so they are kept as map keys as they are, and a
   * string seen again is found by identity.
   */
  constructor(private readonly freshStrings = false) {}

  /** Append a string to the table; returns its index. */
  private append(s: string): number {
    if (this.blobLen + s.length * 3 > this.blob.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.blob.length * 2, this.blobLen + s.length * 3));
      this.blob.copy(bigger, 0, 0, this.blobLen);
      this.blob = bigger;
    }
    const written = s.length === 0 ? 0 : this.blob.write(s, this.blobLen, 'utf8');
    this.blobLen += written;
    if (this.nStrings === this.ends.length) {
      const bigger = new Uint32Array(this.ends.length * 2);
      bigger.set(this.ends);
      this.ends = bigger;
    }
    this.ends[this.nStrings] = this.blobLen | (written !== s.length ? NON_ASCII : 0);
    return this.nStrings++;
  }

  /**
   * Index of a new entry for `s`, not looked up nor remembered in the map: for a caller that
   * keeps its own index of what it has stored (the byte-level reader, by interned value).
   */
  appendShared(s: string): number {
    return this.append(s);
  }

  /** Per package field, the last string stored and its index (see sharedField). */
  private readonly fieldLast: string[] = [];
  private readonly fieldIndex: number[] = [];

  /**
   * shared() for a package field whose value often repeats from one package to the next
   * (vendor, packager, group, buildhost, license, arch): answered without the map then.
   */
  private sharedField(s: string, field: number): number {
    if (this.fieldLast[field] === s) return this.fieldIndex[field] as number;
    const i = this.shared(s);
    this.fieldLast[field] = s;
    this.fieldIndex[field] = i;
    return i;
  }

  /** Index of a repeated string (stored once). */
  sharedIndex(s: string): number {
    return this.shared(s);
  }

  /** A repeated string: stored once. */
  private shared(s: string): number {
    // Most dependencies are unversioned, and neighbours share EVR strings (the parser reuses
    // them): both are answered without hashing.
    if (s.length === 0) return this.emptyIndex >= 0 ? this.emptyIndex : (this.emptyIndex = this.append(''));
    if (s === this.lastShared) return this.lastSharedIndex;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.append(s);
      this.index.set(this.freshStrings ? s : detach(s), i);
    }
    this.lastShared = s;
    this.lastSharedIndex = i;
    return i;
  }

  private push(v: number): void {
    if (this.n === this.ints.length) {
      const bigger = new Uint32Array(this.ints.length * 2);
      bigger.set(this.ints);
      this.ints = bigger;
    }
    this.ints[this.n++] = v;
  }

  private num(v: number): void {
    this.push(Math.floor(v / 0x1_0000_0000));
    this.push(v >>> 0);
  }

  private optShared(s: string | null): void {
    this.push(s === null ? 0 : this.shared(s) + 1);
  }

  /** Add a package; with `deps`, its dependencies come from there (p's lists are ignored). */
  add(p: RepoPackage, deps?: DependencyInts): void {
    this.count++;
    this.push(this.shared(p.name));
    this.push(p.epoch === null ? 0 : p.epoch + 1);
    this.push(this.sharedField(p.version, 8));
    this.push(this.sharedField(p.release, 7));
    this.push(this.sharedField(p.arch, 0));
    this.push(this.shared(p.summary));
    this.push(this.append(p.description));
    this.push(this.sharedField(p.license, 1));
    this.push(this.shared(p.url));
    this.push(this.sharedField(p.vendor, 2));
    this.push(this.sharedField(p.packager, 3));
    this.push(this.sharedField(p.group, 4));
    this.push(this.sharedField(p.buildhost, 5));
    this.optShared(p.sourcerpm);
    this.num(p.buildtime);
    this.num(p.installedSize);
    this.num(p.fileTime);
    this.num(p.packageSize);
    this.num(p.archiveSize);
    this.num(p.headerStart);
    this.num(p.headerEnd);
    this.push(this.append(p.pkgid));
    this.push(this.sharedField(p.checksumType, 6));
    this.push(this.append(p.locationHref));
    this.optShared(p.locationBase);
    if (deps !== undefined) {
      for (let k = 0; k < DEPENDENCY_KINDS.length; k++) {
        const n = deps.lengths[k] as number;
        this.push(n / 3);
        const list = deps.lists[k] as Uint32Array;
        for (let i = 0; i < n; i++) this.push(list[i] as number);
      }
    } else {
      for (const kind of DEPENDENCY_KINDS) {
        const list = p[kind];
        this.push(list.length);
        for (const d of list) {
          this.push(this.shared(d.name));
          this.push(d.flags >>> 0);
          this.push(this.shared(d.evr));
        }
      }
    }
    this.push(p.files.length);
    for (const f of p.files) {
      this.push(this.shared(f.path));
      this.push(FILE_TYPES.indexOf(f.type));
    }
  }

  /** The finished cache (the writer must not be used afterwards). */
  finish(primaryChecksum: string): PrimaryCacheView {
    this.index.clear();
    return {
      meta: { primaryChecksum, count: this.count },
      ends: this.ends.subarray(0, this.nStrings),
      blob: this.blob.subarray(0, this.blobLen),
      ints: this.ints.subarray(0, this.n),
    };
  }
}

const pad = (len: number): Buffer => Buffer.alloc((4 - (len % 4)) % 4);
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const bytesOf = (a: Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The file content as a list of buffers (written in sequence; no concatenated copy). */
export function serializePrimaryCache(view: PrimaryCacheView): Buffer[] {
  const metaBytes = Buffer.from(JSON.stringify(view.meta), 'utf8');
  return [
    MAGIC, u32(metaBytes.length), metaBytes, pad(metaBytes.length),
    u32(view.ends.length), bytesOf(view.ends),
    u32(view.blob.length), view.blob, pad(view.blob.length),
    u32(view.ints.length), bytesOf(view.ints),
  ];
}

export function encodePrimaryCache(meta: PrimaryCacheMeta, packages: readonly RepoPackage[]): Buffer {
  const writer = new PrimaryCacheWriter();
  for (const p of packages) writer.add(p);
  const view = writer.finish(meta.primaryChecksum);
  return Buffer.concat(serializePrimaryCache({ ...view, meta: { ...meta, count: view.meta.count } }));
}

export function decodePrimaryCacheMeta(data: Uint8Array): PrimaryCacheMeta {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new CacheFormatError('not a primary cache file');
  const metaLen = buf.readUInt32LE(8);
  if (12 + metaLen > buf.length) throw new CacheFormatError('primary cache file is truncated');
  return JSON.parse(buf.toString('utf8', 12, 12 + metaLen)) as PrimaryCacheMeta;
}

/** u32s at `pos` without copying when aligned (files read whole are), else copied. */
function u32Array(buf: Buffer, pos: number, count: number): Uint32Array {
  const offset = buf.byteOffset + pos;
  if (offset % 4 === 0) return new Uint32Array(buf.buffer, offset, count);
  return new Uint32Array(buf.buffer.slice(offset, offset + count * 4));
}

/** Check the layout of a cache file and return views into it (no package objects yet). */
export function openPrimaryCache(data: Uint8Array): PrimaryCacheView {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const meta = decodePrimaryCacheMeta(buf);
  let pos = 12 + buf.readUInt32LE(8);
  pos += (4 - (pos % 4)) % 4;
  const need = (bytes: number): void => {
    if (pos + bytes > buf.length) throw new CacheFormatError('primary cache file is truncated');
  };
  need(4);
  const nStrings = buf.readUInt32LE(pos);
  pos += 4;
  need(nStrings * 4);
  const ends = u32Array(buf, pos, nStrings);
  pos += nStrings * 4;
  need(4);
  const blobLen = buf.readUInt32LE(pos);
  pos += 4;
  need(blobLen);
  const blob = buf.subarray(pos, pos + blobLen);
  pos += blobLen;
  pos += (4 - (pos % 4)) % 4;
  need(4);
  const nInts = buf.readUInt32LE(pos);
  pos += 4;
  need(nInts * 4);
  const ints = u32Array(buf, pos, nInts);
  if (pos + nInts * 4 !== buf.length) throw new CacheFormatError('primary cache has trailing data');
  let last = 0;
  for (let i = 0; i < nStrings; i++) {
    const end = (ends[i] as number) & ~NON_ASCII;
    if (end < last || end > blobLen) throw new CacheFormatError('primary cache string table is corrupt');
    last = end;
  }
  return { meta, ends, blob, ints };
}

/**
 * Strings of a view by index, each made once, on first use. `all`: most strings will be used,
 * so the blob is decoded as latin1 in one call and ASCII strings are slices of it; otherwise
 * each string is decoded on its own (a listing needs a few per package out of many).
 */
function stringTable(view: PrimaryCacheView, all: boolean): (i: number) => string {
  const { ends, blob } = view;
  const made = new Array<string | undefined>(ends.length);
  const latin1 = all ? blob.toString('latin1') : null;
  return (i) => {
    let s = made[i];
    if (s !== undefined) return s;
    const raw = ends[i];
    if (raw === undefined) throw new CacheFormatError('primary cache string index out of range');
    const start = i === 0 ? 0 : (ends[i - 1] as number) & ~NON_ASCII;
    const end = raw & ~NON_ASCII;
    s = (raw & NON_ASCII) !== 0 ? blob.toString('utf8', start, end) : latin1 !== null ? latin1.slice(start, end) : blob.toString('latin1', start, end);
    made[i] = s;
    return s;
  };
}

/** Name, epoch, version, release and arch of every package, without the rest. */
export function primaryCacheIdentities(view: PrimaryCacheView): Nevra[] {
  const { ints, meta } = view;
  const str = stringTable(view, false);
  const out = new Array<Nevra>(meta.count);
  let i = 0;
  for (let k = 0; k < meta.count; k++) {
    if (i + FIXED > ints.length) throw new CacheFormatError('primary cache package table is truncated');
    const epochPlus = ints[i + 1] as number;
    out[k] = { name: str(ints[i] as number), epoch: epochPlus === 0 ? null : epochPlus - 1, version: str(ints[i + 2] as number), release: str(ints[i + 3] as number), arch: str(ints[i + 4] as number) };
    i += FIXED;
    for (let d = 0; d < DEPENDENCY_KINDS.length; d++) i += 1 + 3 * (ints[i] as number);
    i += 1 + 2 * (ints[i] as number);
  }
  if (i !== ints.length) throw new CacheFormatError('primary cache has trailing data');
  return out;
}

/** Every package of a view, as full RepoPackage values. */
export function primaryCachePackages(view: PrimaryCacheView): RepoPackage[] {
  const { ints, meta } = view;
  const nInts = ints.length;
  const str = stringTable(view, true);
  let i = 0;
  const s = (): string => str(ints[i++] as number);
  const opt = (): string | null => {
    const v = ints[i++] as number;
    return v === 0 ? null : str(v - 1);
  };
  const num = (): number => {
    const hi = ints[i++] as number;
    const lo = ints[i++] as number;
    return hi * 0x1_0000_0000 + lo;
  };
  const deps = (): Dependency[] => {
    const count = ints[i++] as number;
    if (i + count * 3 > nInts) throw new CacheFormatError('primary cache package table is truncated');
    const out = new Array<Dependency>(count);
    for (let k = 0; k < count; k++) out[k] = { name: s(), flags: ints[i++] as number, evr: s() };
    return out;
  };
  const packages: RepoPackage[] = new Array(meta.count);
  for (let k = 0; k < meta.count; k++) {
    if (i + FIXED > nInts) throw new CacheFormatError('primary cache package table is truncated');
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
    if (i + nFiles * 2 > nInts) throw new CacheFormatError('primary cache package table is truncated');
    const files = new Array<RepoFileEntry>(nFiles);
    for (let f = 0; f < nFiles; f++) files[f] = { path: s(), type: FILE_TYPES[ints[i++] as number] ?? 'file' };
    packages[k] = {
      name, epoch: epochPlus === 0 ? null : epochPlus - 1, version, release, arch, summary, description, license, url, vendor, packager, group,
      buildtime, buildhost, installedSize, sourcerpm, provides, requires, conflicts, obsoletes, recommends, suggests, supplements, enhances,
      pkgid, checksumType, locationHref, locationBase, fileTime, packageSize, archiveSize, headerStart, headerEnd, files, filelistsLoaded: false,
    };
  }
  if (i !== nInts) throw new CacheFormatError('primary cache has trailing data');
  return packages;
}

export function decodePrimaryCache(data: Uint8Array): { meta: PrimaryCacheMeta; packages: RepoPackage[] } {
  const view = openPrimaryCache(data);
  return { meta: view.meta, packages: primaryCachePackages(view) };
}
