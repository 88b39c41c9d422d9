import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/index.js';
import { AtollError } from '../../errors/index.js';
import { type Reporter, nullReporter, info } from '../../report/index.js';
import { KeyFile } from '../../keyfile/index.js';
import { decodeArchiveHeader, decodeSummary, metadataStrings, isChecksum, type Summary, type FileHeader, type DirTree } from '../objects/index.js';
import { formatGSize, repoTestErrors } from '../repo/index.js';
import type { VarDict } from '../../gvariant/index.js';
import type { FileSource } from './source.js';
import type { PullTarget } from './target.js';
import { formatGlibCTime } from '../repo/index.js';
import { MAX_METADATA_SIZE, checkBareUserOnlyMode, verifyArchiveContent, verifyCommit, verifyContent, verifyDirMeta, verifyDirTree } from './verify.js';
import { type VerifyPolicy, verifyDetachedSignatures, decodeDetachedForVerify, requiresSignature } from './signatures.js';
import { type DeltaPolicy, type DeltaStats, emptyDeltaStats, chooseDelta, fetchSuperblock, accountDelta, applyDeltaPart, requiredDeltasError, deltaCommitMeta } from './delta-pull.js';

/**
 * The pull algorithm shared by `pull` (HTTP or file:// remote) and `pull-local`, following
 * ostree-repo-pull.c: summary (and its signature), refs, then per commit its detached metadata
 * and the commit, then the tree, fetching only objects the target lacks, each verified before
 * it is written. Refs are written only after every object is durable; a failure leaves refs
 * as they were.
 */

/** Where objects come from: an archive layout over a FileSource, or a local repo of any mode. */
export interface ObjectProvider {
  readonly files: FileSource;
  getMetadata(type: 'commit' | 'dirtree' | 'dirmeta' | 'commitmeta', checksum: string, maxSize: number): Promise<Uint8Array | undefined>;
  /** The raw `.filez` bytes, not yet verified (archive sources only). */
  getArchiveBytes?(checksum: string): Promise<Uint8Array | undefined>;
  /**
   * Local repositories: put the object into `target` as it is (a hardlink), verified first
   * unless the source is trusted. False when that cannot be done (modes differ, no such object).
   */
  link?(target: PullTarget, type: 'commit' | 'dirtree' | 'dirmeta' | 'commitmeta' | 'file', checksum: string): Promise<boolean>;
  /**
   * A verified content object; `archiveBytes` when it came as a `.filez`; `local` when it was
   * copied from a `--localcache-repo` (not counted as content written, as ostree's import).
   */
  getContent(checksum: string): Promise<{ header: FileHeader; data: Uint8Array; archiveBytes?: Uint8Array; local?: boolean } | undefined>;
}

export function objectPath(checksum: string, ext: string): string {
  return `objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${ext}`;
}

/** An archive repository reached through a FileSource (HTTP, file://, local archive repo). */
export class ArchiveProvider implements ObjectProvider {
  /** `trusted`: content objects are not re-hashed (a trusted local source). */
  constructor(
    readonly files: FileSource,
    private readonly trusted = false,
  ) {}
  getMetadata(type: string, checksum: string, maxSize: number): Promise<Uint8Array | undefined> {
    // As ostree: signatures (detached metadata) come from `url`, never from `contenturl`.
    return this.files.get(objectPath(checksum, type), { maxSize, contentUrl: type !== 'commitmeta' });
  }
  getArchiveBytes(checksum: string): Promise<Uint8Array | undefined> {
    return this.files.get(objectPath(checksum, 'filez'), { contentUrl: true });
  }
  async getContent(checksum: string): Promise<{ header: FileHeader; data: Uint8Array; archiveBytes: Uint8Array } | undefined> {
    const bytes = await this.files.get(objectPath(checksum, 'filez'), { contentUrl: true });
    if (bytes === undefined) return undefined;
    const { header, data } = await verifyArchiveContent(checksum, bytes, this.trusted);
    return { header, data, archiveBytes: bytes };
  }
}

/** Where a remote's summary is cached: DIR/summaries/REMOTE and REMOTE.sig. */
export interface SummaryCache {
  dir: string;
  remote: string;
}

async function readCachedSummary(cache: SummaryCache, signature: Uint8Array): Promise<Uint8Array | undefined> {
  const base = join(cache.dir, 'summaries', cache.remote);
  const [sig, summary] = await Promise.all([readFile(`${base}.sig`).catch(() => undefined), readFile(base).catch(() => undefined)]);
  return sig !== undefined && summary !== undefined && Buffer.compare(sig, Buffer.from(signature)) === 0 ? summary : undefined;
}

async function writeCachedSummary(cache: SummaryCache, summary: Uint8Array, signature: Uint8Array): Promise<void> {
  const dir = join(cache.dir, 'summaries');
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, cache.remote), summary);
  await writeFileAtomic(join(dir, `${cache.remote}.sig`), signature);
}

/**
 * The summary that goes with `signature` (summary.sig, fetched first): read from the summary
 * cache (libostree's tmp/cache/summaries/REMOTE{,.sig}) when the signature is unchanged, else
 * fetched; verified when `policy` requires a signature. A cached copy its unchanged signature
 * does not verify was cached wrongly once: ostree fetches it again (OSTREE_REPO_TEST_ERROR=
 * invalid-cache makes that an error). A fetched, signed summary is cached. Undefined: the
 * server has none (whether that is allowed is the caller's call).
 */
export async function fetchSummary(
  files: FileSource,
  signature: Uint8Array | undefined,
  options: { cache?: SummaryCache | undefined; policy?: VerifyPolicy | undefined; remote: string },
): Promise<Uint8Array | undefined> {
  const fetch = (): Promise<Uint8Array | undefined> => files.get('summary', { maxSize: 100 * MAX_METADATA_SIZE });
  const cached = options.cache && signature !== undefined ? await readCachedSummary(options.cache, signature) : undefined;
  let bytes = cached ?? (await fetch());
  if (bytes === undefined) return undefined;
  let fromCache = cached !== undefined;
  if (options.policy && requiresSignature(options.policy)) {
    try {
      await verifyDetachedSignatures('summary', bytes, decodeDetachedForVerify(signature, 'summary'), options.policy);
    } catch (error) {
      if (!fromCache) throw error;
      if (repoTestErrors().has('invalid-cache')) {
        throw new AtollError('PULL_SUMMARY_CACHE_INVALID', `Remote ${options.remote} cached summary invalid and OSTREE_REPO_TEST_ERROR_INVALID_CACHE specified`);
      }
      fromCache = false;
      bytes = await fetch();
      if (bytes === undefined) throw error;
      await verifyDetachedSignatures('summary', bytes, decodeDetachedForVerify(signature, 'summary'), options.policy);
    }
  }
  if (options.cache && !fromCache && signature !== undefined) await writeCachedSummary(options.cache, bytes, signature);
  return bytes;
}

export interface PullEngineOptions {
  /** Cache signed summaries here (unless OSTREE_SKIP_CACHE), as libostree does for remotes. */
  summaryCache?: SummaryCache | undefined;
  target: PullTarget;
  provider: ObjectProvider;
  /** Refs or commit checksums to pull; empty with `mirror` = every ref of the summary. */
  refs: readonly string[];
  /** Remote name: refs go to refs/remotes/REMOTE/ (unless mirror); undefined = refs/heads. */
  remote?: string | undefined;
  /** The remote's collection-id: commits must carry a matching ostree.collection-binding. */
  collectionId?: string | undefined;
  /** `--disable-verify-bindings`: skip the ref and collection binding checks. */
  disableVerifyBindings?: boolean;
  mirror?: boolean;
  /** Parent commits to fetch too: 0 (default) none, -1 all. */
  depth?: number;
  commitMetadataOnly?: boolean;
  /** `--subpath`: fetch only these paths of each commit's tree (the commits stay partial). */
  subpaths?: readonly string[];
  /** Requests in flight at once (default 8, as OSTree). */
  parallel?: number;
  policy?: VerifyPolicy;
  /** Also verify summary.sig (gpg-verify-summary / sign-verify-summary). */
  summaryPolicy?: VerifyPolicy | undefined;
  /** Check the remote's `config` mode when the summary exists (HTTP pulls, as ostree does). */
  checkRemoteMode?: boolean;
  /**
   * An HTTP pull (not ostree's local import path): a fetched commit drops its local tombstone,
   * and a parent missing on a remote that keeps tombstones has its tombstone requested.
   */
  tombstones?: boolean;
  /**
   * Metadata is not re-hashed (only decoded) and archive content is stored as read: a local
   * source the user trusts, as ostree's `pull-local` without `--untrusted`. Never for HTTP.
   */
  trusted?: boolean;
  /**
   * Request the detached metadata of commits already stored too (new signatures may have
   * appeared), as ostree's HTTP pull does; such a request, found or not, is counted in
   * `detachedMetadataRequests`.
   */
  refetchDetachedMetadata?: boolean;
  /**
   * `timestamp-check-from-rev` (what ostree's upgrader passes): each requested commit must not
   * be older than this local commit, checked before any of its tree is fetched or a ref moves.
   */
  timestampCheckFromRev?: string;
  /** `-T`: each requested ref's new commit must not be older than the commit the ref has now. */
  timestampCheck?: boolean;
  /** Refuse content objects a bare-user-only repository cannot hold (`--bareuseronly-files`). */
  bareUserOnlyFiles?: boolean;
  /** Skip the summary when every ref is REF@COMMIT (default true; pull-local with deltas needs it). */
  overridesSkipSummary?: boolean;
  /**
   * `--http-trusted`: archive content fetched into an archive repository is stored without
   * re-hashing (ostree's TRUSTED_HTTP); other modes still verify, since they unpack it anyway.
   */
  httpTrustedContent?: boolean;
  /**
   * Static deltas for the requested commits (default 'disabled'): 'allowed' uses one when the
   * remote has a suitable delta, 'required' fails when it has none.
   */
  deltas?: DeltaPolicy;
  /** With deltas required: only work out what the deltas would fetch (`result.delta`); nothing is written. */
  dryRun?: boolean;
  reporter?: Reporter;
}

export interface PullResult {
  /** What each requested ref (or checksum) resolved to. */
  refs: Array<{ ref: string | undefined; checksum: string }>;
  metadataFetched: number;
  contentFetched: number;
  /**
   * Requests for detached metadata (`.commitmeta`), answered or not. ostree's statistics line
   * counts each as a metadata object fetched (ostree-repo-pull.c counts every completed
   * metadata request, a 404 for commitmeta included), so `--print-stats` adds them.
   */
  detachedMetadataRequests: number;
  /**
   * Uncompressed bytes of the content objects written (ostree's "N bytes content written";
   * objects hardlinked from a local source count 0, as ostree reports).
   */
  contentBytesWritten: number;
  /** Objects already present locally and not fetched. */
  objectsSkipped: number;
  bytesTransferred: number;
  requests: number;
  seconds: number;
  /** Objects taken from a `--localcache-repo` (not counted as fetched). */
  localMetadata?: number;
  localContent?: number;
  /** Static-delta parts fetched and executed, and the delta sizes (what `--dry-run` reports). */
  deltaPartsFetched?: number;
  delta?: DeltaStats;
}

/** Bounded set of async tasks; tasks may add tasks; the first failure stops new work. */
class TaskPool {
  private active = 0;
  private readonly queue: Array<() => Promise<void>> = [];
  private failure: { error: unknown } | undefined;
  private waiters: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  add(task: () => Promise<void>): void {
    if (this.failure) return;
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limit && this.queue.length > 0 && !this.failure) {
      // LIFO: depth-first keeps the queue (and memory) small on wide trees.
      const task = this.queue.pop() as () => Promise<void>;
      this.active++;
      task()
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && (this.queue.length === 0 || this.failure)) for (const w of this.waiters.splice(0)) w();
        });
    }
  }

  async drain(): Promise<void> {
    if (this.active > 0 || (this.queue.length > 0 && !this.failure)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure.error;
  }
}

const REF_FRAGMENT = /^[A-Za-z0-9_][-._A-Za-z0-9]*$/;
function isValidRef(ref: string): boolean {
  return ref.length > 0 && ref.split('/').every((f) => REF_FRAGMENT.test(f));
}

export async function runPull(options: PullEngineOptions): Promise<PullResult> {
  const started = Date.now();
  const { target, provider } = options;
  const files = provider.files;
  const reporter = options.reporter ?? nullReporter;
  const policy = options.policy ?? {};
  const depth = options.depth ?? 0;
  const trusted = options.trusted ?? false;
  const pool = new TaskPool(Math.max(1, options.parallel ?? 8));
  const stats = { metadataFetched: 0, contentFetched: 0, objectsSkipped: 0, detachedMetadataRequests: 0, contentBytesWritten: 0, fetchedCommits: new Set<string>(), deltaPartsFetched: 0 };
  const deltaPolicy: DeltaPolicy = options.deltas ?? 'disabled';
  const deltaStats = emptyDeltaStats();
  let usedDelta = false;
  // `/` (or no subpath) is the whole tree.
  const subpathParts = (options.subpaths ?? []).map((p) => p.split('/').filter((c) => c !== '' && c !== '.'));
  const subpaths = subpathParts.length === 0 || subpathParts.some((p) => p.length === 0) ? undefined : subpathParts;

  for (const spec of options.refs) {
    const at = spec.lastIndexOf('@');
    const [ref, commit] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined];
    if (!isChecksum(ref) && !isValidRef(ref)) throw new AtollError('PULL_BAD_REF', `invalid ref name '${ref}'`);
    if (commit !== undefined && (isChecksum(ref) || !isChecksum(commit))) throw new AtollError('PULL_BAD_REF', `invalid refspec '${spec}': expected REF@CHECKSUM`);
  }
  let timestampFrom: { checksum: string; timestamp: bigint } | undefined;
  if (options.timestampCheckFromRev !== undefined) {
    const bytes = await target.readObject(options.timestampCheckFromRev, 'commit');
    if (bytes === undefined) throw missing('commit', options.timestampCheckFromRev);
    timestampFrom = { checksum: options.timestampCheckFromRev, timestamp: verifyCommit(options.timestampCheckFromRev, bytes).timestamp };
  }

  // 1. summary.sig, then summary (the order ostree uses); both optional unless required.
  // Every ref given as REF@COMMIT: nothing to look up, so the summary is not fetched (ostree
  // does the same; a broken summary then does not matter). pull-local with deltas still needs it.
  const overridesOnly = options.overridesSkipSummary !== false && options.refs.length > 0 && options.refs.every((spec) => spec.lastIndexOf('@') > 0);
  const summarySig = overridesOnly ? undefined : await files.get('summary.sig', { maxSize: MAX_METADATA_SIZE });
  // ostree's has_tombstone_commits: the summary's `ostree.summary.tombstone-commits`, else the remote config's.
  let remoteTombstones = false;
  const summaryBytes = overridesOnly
    ? undefined
    : await fetchSummary(files, summarySig, { cache: options.summaryCache, policy: options.summaryPolicy, remote: options.remote ?? files.description });
  let summary: Summary | undefined;
  if (summaryBytes === undefined && options.summaryPolicy && requiresSignature(options.summaryPolicy)) {
    throw new AtollError('PULL_SUMMARY_REQUIRED', `${files.description} has no summary, but summary signature verification is enabled`, {
      hint: 'generate and sign the summary on the server, or disable gpg-verify-summary / sign-verify-summary',
    });
  }
  if (summaryBytes !== undefined) {
    try {
      summary = decodeSummary(summaryBytes);
    } catch (error) {
      throw new AtollError('PULL_BAD_SUMMARY', `invalid summary from ${files.description}: ${(error as Error).message}`, { cause: error });
    }
    const tombstones = summary.metadata.get('ostree.summary.tombstone-commits');
    if (tombstones?.type === 'b') remoteTombstones = tombstones.value === true;
    if (options.checkRemoteMode) {
      const config = await files.get('config', { maxSize: 1024 * 1024 });
      if (config !== undefined) {
        let mode: string;
        try {
          const remoteConfig = KeyFile.parse(Buffer.from(config).toString('utf8'));
          mode = remoteConfig.getStringOr('core', 'mode', 'bare');
          remoteTombstones = remoteConfig.getBooleanOr('core', 'tombstone-commits', false);
        } catch (error) {
          throw new AtollError('PULL_BAD_REMOTE_CONFIG', `invalid config at ${files.description}: ${(error as Error).message}`, { cause: error });
        }
        if (mode !== 'archive-z2' && mode !== 'archive') {
          throw new AtollError('PULL_REMOTE_NOT_ARCHIVE', `the remote repository at ${files.description} has mode '${mode}'; only archive repositories can be pulled over HTTP`, {
            data: { mode },
          });
        }
      }
    }
  }

  // 2. Resolve refs.
  let wanted = [...options.refs];
  if (wanted.length === 0) {
    if (!options.mirror) throw new AtollError('PULL_NO_REF', 'no refs to pull', { hint: 'name the refs, or configure branches= on the remote, or use --mirror' });
    if (!summary) {
      throw new AtollError('PULL_SUMMARY_REQUIRED', `pulling all refs (--mirror without refs) needs a summary, and ${files.description} has none`, {
        hint: 'run `atoll repo summary -u` (or `ostree summary -u`) on the server, or name the refs',
      });
    }
    wanted = summary.refs.map((r) => r.name);
  }
  /** What ostree's HTTP fetcher says for a missing file (its tests grep for the status). */
  function notFound(): string {
    return /^https?:/.test(files.description) ? ': Server returned HTTP 404' : '';
  }
  const resolved: Array<{ ref: string | undefined; checksum: string; maxSize: number }> = [];
  for (const ref of wanted) {
    if (isChecksum(ref)) {
      resolved.push({ ref: undefined, checksum: ref, maxSize: MAX_METADATA_SIZE });
      continue;
    }
    const at = ref.lastIndexOf('@');
    if (at > 0) {
      // `REF@COMMIT` (ostree pull's override): fetch that commit and point REF at it.
      resolved.push({ ref: ref.slice(0, at), checksum: ref.slice(at + 1), maxSize: MAX_METADATA_SIZE });
      continue;
    }
    if (summary) {
      const entry = summary.refs.find((r) => r.name === ref);
      if (!entry) {
        throw new AtollError('PULL_NO_REF', `no such branch '${ref}' in repository summary of ${files.description}`, { data: { ref } });
      }
      // The summary's commit size is an upper bound for the commit download (as ostree uses it).
      resolved.push({ ref, checksum: entry.checksum, maxSize: entry.commitSize > 0n ? Math.min(MAX_METADATA_SIZE, Number(entry.commitSize)) : MAX_METADATA_SIZE });
      continue;
    }
    const text = await files.get(`refs/heads/${ref}`, { maxSize: 4096 });
    if (text === undefined) throw new AtollError('PULL_NO_REF', `remote ref ${ref} not found at ${files.description}${notFound()}`, { data: { ref } });
    const checksum = Buffer.from(text).toString('utf8').trim();
    if (!isChecksum(checksum)) {
      // ostree's wording: the ref as a (collection, name) pair and the start of what was served.
      const shown = Buffer.from(text).subarray(0, 64).toString('utf8').replace(/\n/g, ' ');
      throw new AtollError('PULL_BAD_REF', `Fetching checksum for ref ((empty), ${ref}): Invalid rev ${shown}`, { data: { ref } });
    }
    resolved.push({ ref, checksum, maxSize: MAX_METADATA_SIZE });
  }

  const visitedMeta = new Set<string>();
  const commitsSeen = new Map<string, Promise<VarDict | undefined>>();
  const visitedContent = new Set<string>();
  const partials = new Set<string>();
  let done = 0;
  let total = 0;
  const tick = (): void => {
    reporter.emit({ type: 'progress', phase: 'pull', done, total, unit: 'items', bytes: files.bytesTransferred });
  };

  // With no partial commit in the repository every local dirtree has its whole subtree (a pull
  // marks a commit partial before writing any of its objects), so the walk can stop there.
  const trustLocalTrees = !(await target.hasAnyPartial());
  const archiveToArchive = target.storesArchiveBytes && provider.getArchiveBytes !== undefined;
  // A bare-user-only repository takes only such content, with libostree's error for the rest.
  const bareUserOnlyFiles = options.bareUserOnlyFiles === true || target.mode === 'bare-user-only';

  async function fetchDirMeta(checksum: string): Promise<void> {
    total++;
    if (await target.has(checksum, 'dirmeta')) {
      stats.objectsSkipped++;
      done++;
      return;
    }
    if (provider.link && (await provider.link(target, 'dirmeta', checksum))) {
      stats.metadataFetched++;
      done++;
      tick();
      return;
    }
    const bytes = await provider.getMetadata('dirmeta', checksum, MAX_METADATA_SIZE);
    if (bytes === undefined) throw missing('dirmeta', checksum);
    verifyDirMeta(checksum, bytes, trusted);
    await target.writeMetadata('dirmeta', checksum, bytes);
    stats.metadataFetched++;
    done++;
    tick();
  }

  async function fetchDirTree(checksum: string): Promise<DirTree> {
    total++;
    const local = (await target.has(checksum, 'dirtree')) ? await target.readObject(checksum, 'dirtree') : undefined;
    if (local !== undefined) {
      stats.objectsSkipped++;
      done++;
      return verifyDirTree(checksum, local);
    }
    const bytes = await provider.getMetadata('dirtree', checksum, MAX_METADATA_SIZE);
    if (bytes === undefined) throw missing('dirtree', checksum);
    const tree = verifyDirTree(checksum, bytes, trusted);
    if (!(provider.link && (await provider.link(target, 'dirtree', checksum)))) await target.writeMetadata('dirtree', checksum, bytes);
    stats.metadataFetched++;
    done++;
    tick();
    return tree;
  }

  function missing(type: string, checksum: string): AtollError {
    return new AtollError('PULL_MISSING_OBJECT', `${type} object ${checksum} is missing on ${files.description}${notFound()}`, {
      data: { checksum, type },
      hint: 'the remote repository is incomplete or being updated; nothing was written to refs',
    });
  }

  function scanTree(treeChecksum: string, metaChecksum: string): void {
    if (!visitedMeta.has(`m${metaChecksum}`)) {
      visitedMeta.add(`m${metaChecksum}`);
      pool.add(() => fetchDirMeta(metaChecksum));
    }
    if (visitedMeta.has(`t${treeChecksum}`)) return;
    visitedMeta.add(`t${treeChecksum}`);
    pool.add(async () => {
      const local = trustLocalTrees && (await target.has(treeChecksum, 'dirtree'));
      if (local) {
        total++;
        done++;
        stats.objectsSkipped++;
        return;
      }
      const tree = await fetchDirTree(treeChecksum);
      for (const file of tree.files) fetchFile(file.checksum);
      for (const dir of tree.dirs) scanTree(dir.treeChecksum, dir.metaChecksum);
    });
  }

  function fetchFile(checksum: string): void {
    if (visitedContent.has(checksum)) return;
    visitedContent.add(checksum);
    pool.add(async () => {
      total++;
      if (await target.has(checksum, 'file')) {
        stats.objectsSkipped++;
        done++;
        return;
      }
      if (!bareUserOnlyFiles && provider.link && (await provider.link(target, 'file', checksum))) {
        // Hardlinked from a local repository: nothing written.
      } else if (archiveToArchive && provider.getArchiveBytes && !bareUserOnlyFiles) {
        // archive → archive: the bytes are stored as fetched, so the writer thread can
        // verify them (inflate, re-hash) before writing, off this thread.
        const bytes = await provider.getArchiveBytes(checksum);
        if (bytes === undefined) throw missing('file', checksum);
        stats.contentBytesWritten += archivedContentSize(bytes);
        await target.writeArchiveContentUnverified(checksum, bytes, !(trusted || options.httpTrustedContent === true));
      } else {
        const content = await provider.getContent(checksum);
        if (content === undefined) throw missing('file', checksum);
        if (bareUserOnlyFiles) checkBareUserOnlyMode(checksum, content.header);
        if (!(bareUserOnlyFiles && provider.link && (await provider.link(target, 'file', checksum)))) {
          await target.writeContent(checksum, content.header, content.data, content.archiveBytes);
          if (!content.local) stats.contentBytesWritten += content.data.length;
        }
      }
      stats.contentFetched++;
      done++;
      tick();
    });
  }

  /** `--subpath`: the directories down to `parts`, then everything below it (or that one file). */
  function scanSubpath(treeChecksum: string, metaChecksum: string, parts: readonly string[]): void {
    if (parts.length === 0) {
      scanTree(treeChecksum, metaChecksum);
      return;
    }
    if (!visitedMeta.has(`m${metaChecksum}`)) {
      visitedMeta.add(`m${metaChecksum}`);
      pool.add(() => fetchDirMeta(metaChecksum));
    }
    pool.add(async () => {
      const tree = await fetchDirTree(treeChecksum);
      const [name, ...rest] = parts;
      const file = rest.length === 0 ? tree.files.find((f) => f.name === name) : undefined;
      if (file) {
        fetchFile(file.checksum);
        return;
      }
      const dir = tree.dirs.find((d) => d.name === name);
      if (dir) scanSubpath(dir.treeChecksum, dir.metaChecksum, rest);
    });
  }

  /** `timestamp-check-from-rev` and `-T` (the ref's current commit), before anything of the tree is fetched. */
  async function checkTimestamps(checksum: string, ref: string | undefined, timestamp: bigint): Promise<void> {
    if (timestampFrom) checkTimestamp(timestampFrom, checksum, timestamp);
    if (options.timestampCheck && ref !== undefined) {
      const current = await target.readRef(ref, options.mirror ? undefined : options.remote);
      const bytes = current !== undefined ? await target.readObject(current, 'commit') : undefined;
      if (current !== undefined && bytes !== undefined) checkTimestamp({ checksum: current, timestamp: verifyCommit(current, bytes).timestamp }, checksum, timestamp);
    }
  }

  /**
   * A requested commit through a static delta: choose one, fetch its superblock, then write
   * the commit (marked partial), fetch the fallback objects and execute the parts. Returns the
   * commit bytes; undefined when no delta applies (objects are fetched instead, unless deltas
   * are required); 'dry-run' when only the sizes were wanted.
   */
  async function pullDelta(checksum: string, ref: string | undefined): Promise<Uint8Array | 'dry-run' | undefined> {
    const fromRef = ref !== undefined ? await target.readRef(ref, options.mirror ? undefined : options.remote) : undefined;
    const choice = await chooseDelta(target, files, summary, checksum, fromRef);
    const superblock = choice ? await fetchSuperblock(files, choice, checksum) : undefined;
    if (!superblock) {
      if (deltaPolicy === 'required') throw requiredDeltasError(ref, checksum);
      return undefined;
    }
    usedDelta = true;
    await checkTimestamps(checksum, ref, superblock.commit.timestamp);
    const parts = await accountDelta(target, superblock, deltaStats);
    if (options.dryRun) return 'dry-run';
    const commitmeta = deltaCommitMeta(superblock);
    await verifyDetachedSignatures(`commit ${checksum}`, superblock.commitBytes, decodeDetachedForVerify(commitmeta, `commit ${checksum}`), policy);
    if (ref !== undefined) checkRefBinding(checksum, superblock.commit.metadata, ref, options.collectionId !== undefined);
    if (options.collectionId !== undefined) checkCollectionBinding(checksum, superblock.commit.metadata, options.collectionId);
    await target.markPartial(checksum, true);
    partials.add(checksum);
    if (commitmeta) await target.writeMetadata('commitmeta', checksum, commitmeta);
    await target.writeMetadata('commit', checksum, superblock.commitBytes);
    stats.fetchedCommits.add(checksum);
    for (const fallback of superblock.fallbacks) if (fallback.type === 1) fetchFile(fallback.checksum);
    for (const part of parts) {
      if (!part.needed) continue;
      await applyDeltaPart(target, files, superblock, part.index);
      stats.deltaPartsFetched++;
      tick();
    }
    return superblock.commitBytes;
  }

  /** Fetch (or find) one commit; walk its tree; follow parents down to `remaining` levels. */
  async function pullCommit(checksum: string, ref: string | undefined, maxSize: number, remaining: number, optional = false): Promise<void> {
    // Two refs may name one commit: each ref's binding is checked, the commit is walked once.
    const seen = commitsSeen.get(checksum);
    if (seen) {
      const metadata = await seen;
      if (ref !== undefined && metadata && !options.disableVerifyBindings) checkRefBinding(checksum, metadata, ref, options.collectionId !== undefined);
      return;
    }
    let settle: (metadata: VarDict | undefined) => void = () => undefined;
    commitsSeen.set(checksum, new Promise((resolve) => (settle = resolve)));
    try {
      await pullOneCommit(checksum, ref, maxSize, remaining, optional, (metadata) => settle(metadata));
    } finally {
      settle(undefined);
    }
  }

  async function pullOneCommit(
    checksum: string,
    ref: string | undefined,
    maxSize: number,
    remaining: number,
    optional: boolean,
    decoded: (metadata: VarDict) => void,
  ): Promise<void> {
    let bytes = await target.readObject(checksum, 'commit');
    const partial = bytes !== undefined && (await target.isPartial(checksum));
    let viaDelta = false;
    if (bytes === undefined && deltaPolicy !== 'disabled' && !optional) {
      const delta = await pullDelta(checksum, ref);
      if (delta === 'dry-run') return;
      if (delta !== undefined) {
        bytes = delta;
        viaDelta = true;
      }
    }
    if (viaDelta) {
      // Written by pullDelta (the commit came in the superblock).
    } else if (bytes === undefined) {
      const fetched = await provider.getMetadata('commit', checksum, maxSize);
      if (fetched === undefined) {
        // A missing parent ends the history walk (the server pruned it), as in ostree.
        if (optional) {
          if (options.refetchDetachedMetadata) {
            // Over HTTP ostree asked for the parent's detached metadata, then the commit, and
            // counts both requests in its statistics line; from a remote that keeps tombstones
            // it then fetches the parent's tombstone (and, in 2022.7, does not store it).
            await provider.getMetadata('commitmeta', checksum, MAX_METADATA_SIZE);
            stats.detachedMetadataRequests++;
            stats.metadataFetched++;
            if (options.tombstones && remoteTombstones) {
              await provider.files.get(objectPath(checksum, 'tombstone-commit'), { maxSize: MAX_METADATA_SIZE });
              stats.metadataFetched++;
            }
          }
          return;
        }
        throw missing('commit', checksum);
      }
      const detachedBytes = await provider.getMetadata('commitmeta', checksum, MAX_METADATA_SIZE);
      if (options.refetchDetachedMetadata) stats.detachedMetadataRequests++;
      const commit = verifyCommit(checksum, fetched, trusted);
      // Detached metadata is only decoded to verify it: with verification off ostree stores it as fetched.
      if (requiresSignature(policy)) await verifyDetachedSignatures(`commit ${checksum}`, fetched, decodeDetachedForVerify(detachedBytes, `commit ${checksum}`), policy);
      if (ref !== undefined && !options.disableVerifyBindings) checkRefBinding(checksum, commit.metadata, ref, options.collectionId !== undefined);
      if (options.collectionId !== undefined && !options.disableVerifyBindings) checkCollectionBinding(checksum, commit.metadata, options.collectionId);
      // The marker goes down before the commit object, so a commit without its tree is never
      // mistaken for a complete one.
      await target.markPartial(checksum, true);
      partials.add(checksum);
      if (detachedBytes !== undefined && !(provider.link && (await provider.link(target, 'commitmeta', checksum)))) await target.writeMetadata('commitmeta', checksum, detachedBytes);
      if (!(provider.link && (await provider.link(target, 'commit', checksum)))) await target.writeMetadata('commit', checksum, fetched);
      if (options.tombstones) await target.removeTombstone(checksum);
      stats.fetchedCommits.add(checksum);
      stats.metadataFetched++;
      bytes = fetched;
    } else {
      if (partial) partials.add(checksum);
      stats.objectsSkipped++;
      let verified = false;
      if (options.refetchDetachedMetadata) {
        // ostree re-fetches the detached metadata of a stored commit (signatures may have been
        // added since); a new one is verified like a fetched commit's before it replaces the old.
        const detachedBytes = await provider.getMetadata('commitmeta', checksum, MAX_METADATA_SIZE);
        stats.detachedMetadataRequests++;
        if (detachedBytes !== undefined) {
          const local = await target.readObject(checksum, 'commitmeta');
          if (local === undefined || Buffer.compare(Buffer.from(local), Buffer.from(detachedBytes)) !== 0) {
            if (requiresSignature(policy)) await verifyDetachedSignatures(`commit ${checksum}`, bytes, decodeDetachedForVerify(detachedBytes, `commit ${checksum}`), policy);
            await target.writeMetadata('commitmeta', checksum, detachedBytes);
            verified = true;
          }
        }
      }
      // A stored commit is still checked against this remote's keys (scan_commit_object
      // verifies every commit it did not verify while fetching): another remote's keys may
      // have let it in.
      if (!verified && requiresSignature(policy)) {
        const local = await target.readObject(checksum, 'commitmeta');
        await verifyDetachedSignatures(`commit ${checksum}`, bytes, decodeDetachedForVerify(local, `commit ${checksum}`), policy);
      }
    }
    const commit = verifyCommit(checksum, bytes as Uint8Array, trusted);
    // A commit found locally is bound-checked too (as ostree's scan_commit_object does).
    if (!stats.fetchedCommits.has(checksum)) {
      if (ref !== undefined && !options.disableVerifyBindings) checkRefBinding(checksum, commit.metadata, ref, options.collectionId !== undefined);
    }
    decoded(commit.metadata);
    if (remaining === depth && !optional) await checkTimestamps(checksum, ref, commit.timestamp);
    if (!options.commitMetadataOnly && partials.has(checksum)) {
      if (subpaths) for (const parts of subpaths) scanSubpath(commit.rootTree, commit.rootMeta, parts);
      else scanTree(commit.rootTree, commit.rootMeta);
    }
    if (remaining !== 0 && commit.parent !== null) {
      const parent = commit.parent;
      pool.add(() => pullCommit(parent, undefined, MAX_METADATA_SIZE, remaining < 0 ? -1 : remaining - 1, true));
    }
  }

  function dryRunResult(): PullResult {
    return {
      refs: resolved.map(({ ref, checksum }) => ({ ref, checksum })),
      metadataFetched: 0,
      contentFetched: 0,
      detachedMetadataRequests: 0,
      contentBytesWritten: 0,
      objectsSkipped: 0,
      bytesTransferred: files.bytesTransferred,
      requests: files.requests,
      seconds: (Date.now() - started) / 1000,
      deltaPartsFetched: 0,
      delta: deltaStats,
    };
  }

  reporter.emit({ type: 'phase-start', phase: 'pull', unit: 'items' });
  let failed = true;
  try {
    for (const { checksum, ref, maxSize } of resolved) pool.add(() => pullCommit(checksum, ref, maxSize, depth));
    await pool.drain();
    if (options.dryRun) {
      failed = false;
      return dryRunResult();
    }
    // Every object durable before any marker is cleared or ref is written.
    await target.flush();
    // A subpath pull leaves its commits partial: the rest of their trees is not here.
    if (!options.commitMetadataOnly && !subpaths) for (const checksum of partials) await target.markPartial(checksum, false);
    for (const { ref, checksum } of resolved) {
      if (ref === undefined) continue;
      await target.writeRef(ref, checksum, options.mirror ? undefined : options.remote);
    }
    if (options.mirror && options.refs.length === 0) {
      // A mirror republishes the summary as fetched (its signature stays valid).
      await target.writeTopLevelFile('summary', summaryBytes);
      await target.writeTopLevelFile('summary.sig', summarySig);
    }
    failed = false;
  } finally {
    if (failed) await target.abort();
    reporter.emit(failed ? { type: 'phase-end', phase: 'pull', detail: 'failed' } : { type: 'phase-end', phase: 'pull' });
  }
  const seconds = (Date.now() - started) / 1000;
  const result: PullResult = {
    refs: resolved.map(({ ref, checksum }) => ({ ref, checksum })),
    metadataFetched: stats.metadataFetched,
    contentFetched: stats.contentFetched,
    detachedMetadataRequests: stats.detachedMetadataRequests,
    contentBytesWritten: stats.contentBytesWritten,
    objectsSkipped: stats.objectsSkipped,
    bytesTransferred: files.bytesTransferred,
    requests: files.requests,
    seconds,
    ...(usedDelta ? { deltaPartsFetched: stats.deltaPartsFetched, delta: deltaStats } : {}),
  };
  const rate = seconds > 0 ? files.bytesTransferred / seconds : 0;
  info(
    reporter,
    `${stats.metadataFetched} metadata, ${stats.contentFetched} content objects fetched; ${formatBytes(files.bytesTransferred)} transferred in ${seconds.toFixed(1)} seconds (${formatBytes(rate)}/s)`,
  );
  return result;
}

/** `_ostree_compare_timestamps`: newer is fine, and so is the same time or the same commit. */
function checkTimestamp(current: { checksum: string; timestamp: bigint }, checksum: string, timestamp: bigint): void {
  if (timestamp >= current.timestamp || checksum === current.checksum) return;
  throw new AtollError(
    'PULL_TIMESTAMP_OLDER',
    `Upgrade target revision '${checksum}' with timestamp '${formatGlibCTime(timestamp)}' is chronologically older than current revision '${current.checksum}' with timestamp '${formatGlibCTime(current.timestamp)}'; use --allow-downgrade to permit`,
    { data: { checksum, current: current.checksum } },
  );
}

function checkCollectionBinding(checksum: string, metadata: VarDict, collectionId: string): void {
  const bound = metadata.get('ostree.collection-binding');
  const value = bound?.type === 's' ? (bound.value as string) : undefined;
  if (value !== collectionId) {
    throw new AtollError('PULL_REF_BINDING', `commit ${checksum} is bound to collection '${value ?? '(none)'}', but the remote's collection-id is '${collectionId}'`, {
      data: { checksum, collectionId, bound: value },
    });
  }
}

function checkRefBinding(checksum: string, metadata: VarDict, ref: string, required: boolean): void {
  let bindings: string[] | undefined;
  try {
    bindings = metadataStrings(metadata, 'ostree.ref-binding');
  } catch (error) {
    throw new AtollError('PULL_CORRUPT_OBJECT', `commit ${checksum} has a malformed ostree.ref-binding: ${(error as Error).message}`, { cause: error });
  }
  if (bindings === undefined && required) {
    throw new AtollError('PULL_REF_BINDING', `commit ${checksum} has no ostree.ref-binding, which a remote with a collection-id requires`, { data: { checksum, ref } });
  }
  if (bindings !== undefined && !bindings.includes(ref)) {
    throw new AtollError('PULL_REF_BINDING', `commit ${checksum} is not bound to ref '${ref}' (bound to: ${bindings.join(', ') || 'none'})`, {
      hint: 'the server offers this commit under a ref it was not made for (a downgrade or substitution attack, or a misconfigured server)',
      data: { checksum, ref, bindings },
    });
  }
}

/** The content size a `.filez` header declares (0 when unreadable: the writer rejects it then). */
function archivedContentSize(bytes: Uint8Array): number {
  try {
    return decodeArchiveHeader(bytes).size;
  } catch {
    return 0;
  }
}

/**
 * ostree's closing statistics line (what `ostree pull` prints; its tests grep it): detached-
 * metadata requests count as metadata fetched, bytes transferred in B/KiB, content written as
 * GLib's g_format_size.
 */
export function formatPullStatistics(result: PullResult): string {
  const local = result.localMetadata || result.localContent ? ` (${result.localMetadata ?? 0} meta, ${result.localContent ?? 0} content local)` : '';
  const bytes = result.bytesTransferred;
  const transferred = bytes > 0 ? `; ${bytes < 1024 ? `${bytes} B` : `${Math.floor(bytes / 1024)} KiB`} transferred in ${Math.floor(result.seconds)} seconds` : '';
  // After a delta, ostree counts the parts and the objects fetched on their own ("loose").
  const fetched = result.deltaPartsFetched
    ? `${result.deltaPartsFetched} delta parts, ${result.metadataFetched + result.detachedMetadataRequests + result.contentFetched} loose fetched`
    : `${result.metadataFetched + result.detachedMetadataRequests} metadata, ${result.contentFetched} content objects fetched`;
  return `${fetched}${local}${transferred}; ${formatGSize(result.contentBytesWritten)} content written`;
}

/** The closing line of `ostree pull-local` ("N metadata, M content objects imported; …"). */
export function formatPullLocalStatistics(result: PullResult): string {
  return `${result.metadataFetched} metadata, ${result.contentFetched} content objects imported; ${formatGSize(result.contentBytesWritten)} content written`;
}

/** ostree's `pull --dry-run` line for a delta update (ot-builtin-pull.c). */
export function formatDeltaDryRun(delta: DeltaStats): string {
  return `Delta update: ${delta.fetchedParts + delta.fetchedFallbacks}/${delta.totalParts + delta.totalFallbacks} parts, ${formatGSize(delta.fetchedSize)}/${formatGSize(delta.totalSize)}, ${formatGSize(delta.totalUsize)} total uncompressed`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export { verifyContent };
