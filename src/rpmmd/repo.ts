import { mkdir, readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { createHash } from 'node:crypto';
import { AtollError } from '../errors/index.js';
import { debug, info, phase, nullReporter, type Reporter } from '../report/index.js';
import { writeFileAtomic, isSafeFilename } from '../util/index.js';
import type { RepoConfig } from './repo-file.js';
import { DEFAULT_METADATA_EXPIRE } from './repo-file.js';
import type { Repomd, RepomdRecord, RepoPackage } from './types.js';
import { parseRepomd, findRecord } from './repomd.js';
import { parsePrimary } from './primary.js';
import { readPrimaryIntoCache, PrimaryBytesUnsupported } from './primary-bytes.js';
import { parseFilelists, parseOther, type OtherPackage } from './filelists.js';
import { detectCompression, readDecompressed } from './decompress.js';
import { Transport, AttemptError, downloadFailed } from './transport.js';
import { fetchVerified } from './fetch-verified.js';
import { parseMetalink, parseMirrorlist, normalizeBaseUrl } from './mirrors.js';
import { checksumHex } from './checksum.js';
import {
  PrimaryCacheWriter,
  openPrimaryCache,
  primaryCacheIdentities,
  primaryCachePackages,
  serializePrimaryCache,
  CacheFormatError,
  type PrimaryCacheView,
} from './primary-cache-codec.js';
import type { Nevra } from '../rpm/index.js';

/** Where a repository comes from: a RepoConfig or just an id and base URLs (`--repofrompath`). */
export type RepoSource = Pick<RepoConfig, 'id' | 'baseurls' | 'mirrorlist' | 'metalink'> & Partial<Pick<RepoConfig, 'metadataExpire'>>;

export interface OpenRepoOptions {
  /** Cache root (the CLI's `--cachedir`); the repo gets `<root>/rpmmd/<id>-<hash>/`. */
  cacheRoot: string;
  reporter?: Reporter;
  /** Ignore metadata_expire and re-check repomd.xml now. */
  refresh?: boolean;
  /** Use the cache only (no network); fails when nothing is cached. */
  cacheOnly?: boolean;
  transport?: Transport;
  retries?: number;
  backoffMs?: number;
  /** Also verify open-checksum (digest of the decompressed XML); costs a pass of hashing. */
  verifyOpenChecksum?: boolean;
  /** Clock for metadata_expire (tests). */
  now?: () => number;
}

const CACHE_FORMAT = 'primary-v2';

/** Stable per-repo cache directory name: id plus a hash of where its metadata comes from. */
export function repoCacheDir(cacheRoot: string, source: RepoSource): string {
  if (!isSafeFilename(source.id)) throw new AtollError('RPMMD_REPO_ID_INVALID', `bad repository id '${source.id}'`, { data: { id: source.id } });
  const key = JSON.stringify([source.baseurls.map(normalizeBaseUrl), source.mirrorlist ?? null, source.metalink ?? null]);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(cacheRoot, 'rpmmd', `${source.id}-${hash}`);
}

function metadataFileName(record: RepomdRecord): string {
  const name = basename(record.locationHref);
  if (!isSafeFilename(name)) {
    throw new AtollError('RPMMD_HREF_UNSAFE', `refusing metadata location '${record.locationHref}'`, { data: { href: record.locationHref } });
  }
  return name;
}

/**
 * An opened rpm-md repository: verified repomd.xml, parsed primary, mirrors to download
 * from. filelists and other are read only when asked for.
 */
export class RpmmdRepo {
  private filelistsPromise: Promise<void> | null = null;
  private decoded: RepoPackage[] | null;
  private view: PrimaryCacheView | null;

  constructor(
    readonly id: string,
    readonly cacheDir: string,
    readonly mirrors: string[],
    readonly repomd: Repomd,
    readonly repomdChecksum: string,
    /** The packages, or their compact cache form (decoded on first use of `packages`). */
    primary: RepoPackage[] | PrimaryCacheView,
    private readonly options: OpenRepoOptions,
    /** True when primary came from the binary cache (no XML parsed). */
    readonly fromCache: boolean,
  ) {
    this.decoded = Array.isArray(primary) ? primary : null;
    this.view = Array.isArray(primary) ? null : primary;
  }

  /** Every package of primary, in document order (made from the compact form on first use). */
  get packages(): RepoPackage[] {
    if (this.decoded === null) {
      this.decoded = primaryCachePackages(this.view as PrimaryCacheView);
      this.view = null;
    }
    return this.decoded;
  }

  /**
   * Name, epoch, version, release and arch of every package, in document order: what a
   * listing needs, read straight from the compact form while `packages` is not needed.
   */
  identities(): Nevra[] {
    if (this.view !== null) return primaryCacheIdentities(this.view);
    return this.packages;
  }

  get reporter(): Reporter {
    return this.options.reporter ?? nullReporter;
  }

  /**
   * Download (or reuse) one metadata file named by repomd, verified; returns its local path.
   * Uses the caller's transport, else one made (and closed) for this call.
   */
  async metadataFile(type: string, transport?: Transport): Promise<{ path: string; record: RepomdRecord } | null> {
    const record = findRecord(this.repomd, type);
    if (record === undefined) return null;
    const own = transport ?? this.options.transport ?? new Transport();
    try {
      return await this.fetchMetadata(type, record, own);
    } finally {
      if (own !== transport && own !== this.options.transport) await own.close();
    }
  }

  private async fetchMetadata(type: string, record: RepomdRecord, transport: Transport): Promise<{ path: string; record: RepomdRecord }> {
    const dest = join(this.cacheDir, 'repodata', metadataFileName(record));
    await mkdir(join(this.cacheDir, 'repodata'), { recursive: true });
    await fetchVerified(
      transport,
      this.mirrors,
      { what: `${this.id} ${type}`, kind: 'metadata', href: record.locationHref, base: record.locationBase, dest, expected: { size: record.size, checksum: record.checksum } },
      { retries: this.options.retries, backoffMs: this.options.backoffMs, reporter: this.reporter },
    );
    return { path: dest, record };
  }

  get filelistsLoaded(): boolean {
    return this.packages.every((p) => p.filelistsLoaded);
  }

  /**
   * Replace each package's primary file list by the complete one from filelists.xml (joined
   * by pkgid, with name/arch/version checked). Done once; concurrent callers share the work.
   */
  async loadFilelists(): Promise<void> {
    this.filelistsPromise ??= this.readFilelists().catch((error: unknown) => {
      this.filelistsPromise = null;
      throw error;
    });
    await this.filelistsPromise;
  }

  private async readFilelists(): Promise<void> {
    const file = await this.metadataFile('filelists');
    if (file === null) {
      throw new AtollError('RPMMD_METADATA_MISSING', `repository ${this.id} has no filelists metadata`, { data: { repo: this.id, type: 'filelists' } });
    }
    const byId = new Map<string, RepoPackage[]>();
    for (const p of this.packages) {
      const list = byId.get(p.pkgid);
      if (list) list.push(p);
      else byId.set(p.pkgid, [p]);
    }
    const name = basename(file.path);
    const kind = await detectCompression(file.path, name);
    await phase(this.reporter, `${this.id}: reading filelists`, async () => {
      const result = await parseFilelists(readDecompressed(file.path, name, kind), name, (entry) => {
        for (const p of byId.get(entry.pkgid) ?? []) {
          if (p.name === entry.name && p.arch === entry.arch && p.version === entry.version && p.release === entry.release) {
            p.files = entry.files;
            p.filelistsLoaded = true;
          }
        }
      }, this.openChecksumOption(file.record));
      this.checkOpen(file.record, result, name);
    });
    for (const p of this.packages) p.filelistsLoaded = true;
  }

  /** Read other.xml (changelogs), streaming, one callback per package. */
  async readOther(onPackage: (pkg: OtherPackage) => void): Promise<void> {
    const file = await this.metadataFile('other');
    if (file === null) throw new AtollError('RPMMD_METADATA_MISSING', `repository ${this.id} has no other metadata`, { data: { repo: this.id, type: 'other' } });
    const name = basename(file.path);
    const kind = await detectCompression(file.path, name);
    const result = await parseOther(readDecompressed(file.path, name, kind), name, onPackage, this.openChecksumOption(file.record));
    this.checkOpen(file.record, result, name);
  }

  private openChecksumOption(record: RepomdRecord): { openChecksumType?: string } {
    return this.options.verifyOpenChecksum && record.openChecksum ? { openChecksumType: record.openChecksum.type } : {};
  }

  private checkOpen(record: RepomdRecord, result: { bytes: number; digest: string | null }, name: string): void {
    if (record.openSize !== null && result.bytes !== record.openSize) {
      throw new AtollError('RPMMD_METADATA_CHECKSUM_MISMATCH', `${name}: decompressed size ${result.bytes} does not match open-size ${record.openSize} in repomd.xml`, {
        data: { file: name },
      });
    }
    if (result.digest !== null && record.openChecksum !== null && result.digest !== record.openChecksum.value) {
      throw new AtollError('RPMMD_METADATA_CHECKSUM_MISMATCH', `${name}: decompressed content does not match open-checksum in repomd.xml`, {
        data: { file: name },
      });
    }
  }
}

async function resolveMirrors(source: RepoSource, transport: Transport, reporter: Reporter): Promise<{ mirrors: string[]; repomdHashes: Array<{ type: string; value: string }> | null }> {
  const mirrors: string[] = [];
  let repomdHashes: Array<{ type: string; value: string }> | null = null;
  const metalinkUrl = source.metalink ?? (source.mirrorlist?.includes('metalink') ? source.mirrorlist : null);
  if (metalinkUrl) {
    try {
      const metalink = await parseMetalink(await transport.fetchBytes(metalinkUrl), metalinkUrl);
      mirrors.push(...metalink.mirrors);
      repomdHashes = metalink.hashes.length > 0 ? metalink.hashes : null;
    } catch (error) {
      if (!(error instanceof AttemptError)) throw error;
      debug(reporter, `metalink ${metalinkUrl}: ${error.message}`);
    }
  } else if (source.mirrorlist) {
    try {
      mirrors.push(...parseMirrorlist((await transport.fetchBytes(source.mirrorlist)).toString('utf8')));
    } catch (error) {
      if (!(error instanceof AttemptError)) throw error;
      debug(reporter, `mirrorlist ${source.mirrorlist}: ${error.message}`);
    }
  }
  mirrors.push(...source.baseurls.map(normalizeBaseUrl));
  return { mirrors, repomdHashes };
}

/** Fetch repomd.xml from the first mirror that serves one matching the metalink (if any). */
async function fetchRepomd(
  source: RepoSource,
  mirrors: string[],
  hashes: Array<{ type: string; value: string }> | null,
  transport: Transport,
  options: OpenRepoOptions,
): Promise<{ bytes: Buffer; mirrors: string[] }> {
  const attempts: string[] = [];
  const retries = options.retries ?? 3;
  for (let m = 0; m < mirrors.length; m++) {
    const base = mirrors[m] as string;
    const url = new URL('repodata/repomd.xml', base.endsWith('/') ? base : `${base}/`).toString();
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const bytes = await transport.fetchBytes(url);
        if (hashes !== null && !hashes.some((h) => checksumHex(h.type, bytes) === h.value)) {
          attempts.push(`${url}: repomd.xml does not match the metalink (stale mirror)`);
          break;
        }
        // The mirror that answered goes first for the files that follow.
        return { bytes, mirrors: [base, ...mirrors.slice(m + 1), ...mirrors.slice(0, m)] };
      } catch (error) {
        if (!(error instanceof AttemptError)) throw error;
        attempts.push(error.message);
        if (error.retryable && attempt < retries) {
          await new Promise((resolve) => setTimeout(resolve, (options.backoffMs ?? 200) * 2 ** attempt));
          continue;
        }
        break;
      }
    }
  }
  if (mirrors.length === 0) attempts.push('no baseurl, mirrorlist or metalink');
  throw downloadFailed(`repomd.xml of repository ${source.id}`, attempts);
}

/** Delete cached metadata files (and their partial downloads) that the new repomd.xml no longer names. */
async function pruneMetadata(cacheDir: string, repomd: Repomd, reporter: Reporter): Promise<void> {
  const keep = new Set(repomd.records.map((r) => basename(r.locationHref)));
  const dir = join(cacheDir, 'repodata');
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (keep.has(name.replace(/\.part$/, ''))) continue;
    await rm(join(dir, name), { force: true });
    debug(reporter, `removed stale metadata ${name}`);
  }
}

/**
 * Open a repository: reuse the cached repomd.xml while it is younger than metadata_expire
 * (else fetch it; unchanged bytes keep every cached file), verify and parse primary (or load
 * the binary cache made from exactly that primary), and return the packages.
 */
export async function openRepo(source: RepoSource, options: OpenRepoOptions): Promise<RpmmdRepo> {
  const reporter = options.reporter ?? nullReporter;
  const transport = options.transport ?? new Transport();
  try {
    return await openRepoWith(source, options, transport, reporter);
  } finally {
    if (transport !== options.transport) await transport.close();
  }
}

async function openRepoWith(source: RepoSource, options: OpenRepoOptions, transport: Transport, reporter: Reporter): Promise<RpmmdRepo> {
  const cacheDir = repoCacheDir(options.cacheRoot, source);
  const repomdPath = join(cacheDir, 'repomd.xml');
  const mirrorsPath = join(cacheDir, 'mirrors.json');
  const now = options.now?.() ?? Date.now();
  const expire = source.metadataExpire ?? DEFAULT_METADATA_EXPIRE;

  let repomdBytes: Buffer | null = null;
  let mirrors: string[] | null = null;
  const cachedStat = await stat(repomdPath).catch(() => null);
  const fresh = cachedStat !== null && !options.refresh && (expire < 0 || now - cachedStat.mtimeMs < expire * 1000);
  if (cachedStat !== null && (fresh || options.cacheOnly)) {
    repomdBytes = await readFile(repomdPath);
    mirrors = await readFile(mirrorsPath, 'utf8').then((t) => JSON.parse(t) as string[], () => null);
    debug(reporter, `${source.id}: using cached repomd.xml`);
  }
  if (repomdBytes === null || mirrors === null) {
    if (options.cacheOnly) {
      throw new AtollError('RPMMD_CACHE_MISSING', `repository ${source.id} has no cached metadata in ${cacheDir}`, { data: { repo: source.id, cacheDir } });
    }
    const resolved = await resolveMirrors(source, transport, reporter);
    const fetched = await fetchRepomd(source, resolved.mirrors, resolved.repomdHashes, transport, options);
    await mkdir(cacheDir, { recursive: true });
    const old = cachedStat !== null ? await readFile(repomdPath).catch(() => null) : null;
    if (old !== null && old.equals(fetched.bytes)) {
      // Unchanged: keep everything, restart the expiry clock.
      const t = new Date(now);
      await utimes(repomdPath, t, t);
    } else {
      await writeFileAtomic(repomdPath, fetched.bytes);
      if (options.now) {
        const t = new Date(now);
        await utimes(repomdPath, t, t);
      }
      await pruneMetadata(cacheDir, await parseRepomd(fetched.bytes, `${source.id}/repodata/repomd.xml`), reporter);
    }
    await writeFileAtomic(mirrorsPath, JSON.stringify(fetched.mirrors));
    repomdBytes = fetched.bytes;
    mirrors = fetched.mirrors;
  }
  const repomd = await parseRepomd(repomdBytes, `${source.id}/repodata/repomd.xml`);
  const repomdChecksum = checksumHex('sha256', repomdBytes);
  const primaryRecord = findRecord(repomd, 'primary');
  if (primaryRecord === undefined) {
    throw new AtollError('RPMMD_METADATA_MISSING', `repository ${source.id} has no primary metadata`, { data: { repo: source.id, type: 'primary' } });
  }
  if (primaryRecord.checksum === null) {
    throw new AtollError('RPMMD_REPOMD_INVALID', `${source.id}/repodata/repomd.xml: the primary record has no checksum`, { data: { repo: source.id } });
  }
  const cacheKey = `${CACHE_FORMAT}:${primaryRecord.checksum.type}:${primaryRecord.checksum.value}`;
  const binPath = join(cacheDir, 'primary.bin');
  const cached = await readFile(binPath).catch(() => null);
  if (cached !== null) {
    try {
      const view = openPrimaryCache(cached);
      if (view.meta.primaryChecksum === cacheKey) {
        debug(reporter, `${source.id}: ${view.meta.count} packages from the primary cache`);
        return new RpmmdRepo(source.id, cacheDir, mirrors, repomd, repomdChecksum, view, options, true);
      }
    } catch (error) {
      if (!(error instanceof CacheFormatError)) throw error;
      debug(reporter, `${source.id}: ignoring unreadable primary cache: ${error.message}`);
    }
  }
  const fetcher = new RpmmdRepo(source.id, cacheDir, mirrors, repomd, repomdChecksum, [], options, false);
  const file = await phase(reporter, `${source.id}: downloading primary`, () => fetcher.metadataFile('primary', transport));
  if (file === null) throw new TypeError('primary record vanished');
  const name = basename(file.path);
  const kind = await detectCompression(file.path, name);
  // Packages go straight into the compact cache form as they are parsed (none is kept as an
  // object): memory holds one package at a time plus the cache, and the repository reads its
  // packages back from that form only if a caller asks for them.
  let writer = new PrimaryCacheWriter(true);
  const openChecksum = options.verifyOpenChecksum && file.record.openChecksum ? { openChecksumType: file.record.openChecksum.type } : {};
  await phase(reporter, `${source.id}: reading primary`, async (tick) => {
    const progress = (count: number): void => {
      if (count % 2000 === 0) tick(count);
    };
    let result: { bytes: number; digest: string | null };
    try {
      // The byte-level reader first; anything outside its subset of XML is read again by the
      // maintained tokenizer, whose result (or coded error) is the answer.
      result = await readPrimaryIntoCache(readDecompressed(file.path, name, kind), name, writer, { ...openChecksum, onPackage: progress });
    } catch (error) {
      if (!(error instanceof PrimaryBytesUnsupported)) throw error;
      debug(reporter, `${source.id}: ${name}: ${error.message}; reading it again with the XML tokenizer`);
      writer = new PrimaryCacheWriter();
      result = await parsePrimary(readDecompressed(file.path, name, kind), name, (p) => {
        writer.add(p);
        progress(writer.count);
      }, openChecksum);
    }
    if (file.record.openSize !== null && result.bytes !== file.record.openSize) {
      throw new AtollError('RPMMD_METADATA_CHECKSUM_MISMATCH', `${name}: decompressed size ${result.bytes} does not match open-size ${file.record.openSize} in repomd.xml`, { data: { file: name } });
    }
    if (result.digest !== null && file.record.openChecksum !== null && result.digest !== file.record.openChecksum.value) {
      throw new AtollError('RPMMD_METADATA_CHECKSUM_MISMATCH', `${name}: decompressed content does not match open-checksum in repomd.xml`, { data: { file: name } });
    }
  });
  const view = writer.finish(cacheKey);
  try {
    await writeFileAtomic(binPath, serializePrimaryCache(view));
  } catch (error) {
    info(reporter, `${source.id}: cannot write the primary cache: ${(error as Error).message}`);
  }
  return new RpmmdRepo(source.id, cacheDir, mirrors, repomd, repomdChecksum, view, options, false);
}
