import { lstat } from 'node:fs/promises';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { AtollError, isErrno } from '../../errors/index.js';
import type { Reporter } from '../../report/index.js';
import { ObjectType, encodeDirMeta, encodeArchiveHeader, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, type FileHeader, type DirMeta } from '../repo/codec.js';
import { loadContent, writeContent } from '../repo/content.js';
import type { Repo } from '../repo/repo.js';
import { readXattrsSync, type Xattrs } from '../repo/xattrs.js';
import type { Transaction } from '../repo/transaction.js';
import { DevinoCache } from '../repo/devino-cache.js';
import { ObjectListing } from '../repo/object-listing.js';
import type { ContentWorkerPool } from '../repo/content-workers.js';
import type { ArchiveCopy } from '../repo/compress-worker.js';
import { MutableTree } from './mutable-tree.js';

/** How file metadata is taken from the filesystem (ostree's commit modifier flags). */
export interface CommitModifier {
  ownerUid?: number;
  ownerGid?: number;
  /** Do not read or store xattrs. */
  noXattrs?: boolean;
  /** Directories already in the tree keep their dirmeta (a delta laid over another commit). */
  keepExistingDirMeta?: boolean;
  /** xattrs never read from the filesystem (e.g. `user.ostreemeta` of hardlinked bare-user objects). */
  skipXattrs?: readonly string[];
  /** uid = gid = 0, modes & 0755, no xattrs (`--canonical-permissions`; bare-user-only default). */
  canonicalPermissions?: boolean;
  /** Reuse checksums of files that are hardlinks of repo objects (ostree's devino cache). */
  useDevinoCache?: boolean;
  /**
   * `-I/--devino-canonical`: a hardlink of a repo object keeps that object's checksum even when
   * owner or mode overrides would change it (ostree's DEVINO_CANONICAL).
   */
  devinoCanonical?: boolean;
  /**
   * Other (bare-ish) repositories the tree may be hardlinked from, e.g. a compose's bare-user
   * package cache: a file that is one of their objects takes that object's checksum unhashed,
   * and a target lacking the object gets a copy of it (header and data from the source repo,
   * stored in the target's mode), as ostree's devino cache does for its own repository.
   */
  devinoFrom?: readonly Repo[];
  /** `--statoverride`: per-path mode changes (paths from the tree root, e.g. `/usr/bin/su`). */
  statOverride?: StatOverride;
  /** `--skip-list`: paths left out of the commit (directories with everything below them). */
  skipList?: ReadonlySet<string>;
  /** `--mode-ro-executables`: regular files with any x bit lose their w bits. */
  modeRoExecutables?: boolean;
  /**
   * A devino cache the caller already has (filled by the hardlink checkout that made the tree,
   * as rpm-ostree passes ostree's checkout `devino_to_csum_cache` to its commit): used instead
   * of scanning the repositories' objects.
   */
  devinoCache?: DevinoCache;
  /**
   * Archive targets: a directory laid out like an archive repository's objects/ (XX/REST.filez).
   * A file taken from another repository through the devino cache is hardlinked from there when
   * present (no read, no deflate), and otherwise written and then added there once the
   * transaction is durable: a compose's cache of its packages' archive objects.
   */
  archiveObjectCache?: string;
  concurrency?: number;
  zlibLevel?: number;
  /** Worker threads that hash and compress archive content objects. */
  workers?: ContentWorkerPool;
}

/**
 * An `ostree commit --statoverride` file: lines `MODE PATH`; `=MODE` sets the permission bits,
 * `MODE` or `+MODE` adds bits; MODE is decimal (ostree parses it with g_ascii_strtod). Paths
 * with added bits must all be met during the commit (`unmatched()`).
 */
export class StatOverride {
  readonly add = new Map<string, number>();
  readonly set = new Map<string, number>();
  private readonly matched = new Set<string>();

  static parse(text: string): StatOverride {
    const out = new StatOverride();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const space = line.indexOf(' ');
      if (space < 0) throw new AtollError('OSTREE_COMMIT_BAD_STATOVERRIDE', 'Malformed statoverride file (no space found)');
      const path = line.slice(space + 1);
      const override = line.startsWith('=');
      const mode = Math.trunc(Number.parseFloat(line.slice(override ? 1 : 0, space)));
      if (!Number.isFinite(mode)) throw new AtollError('OSTREE_COMMIT_BAD_STATOVERRIDE', `Malformed statoverride line '${line}'`);
      (override ? out.set : out.add).set(path, mode >>> 0);
    }
    return out;
  }

  /** The mode `path` gets (file type bits kept). */
  apply(path: string, mode: number): number {
    const add = this.add.get(path);
    if (add !== undefined) {
      this.matched.add(path);
      return mode | add;
    }
    const set = this.set.get(path);
    return set === undefined ? mode : (mode & S_IFMT) | set;
  }

  /** Paths with added bits that no file of the commit had. */
  unmatched(): string[] {
    return [...this.add.keys()].filter((p) => !this.matched.has(p));
  }
}

/** Owner and mode of one entry, as the commit filter sees and changes them. */
export interface EntryInfo {
  uid: number;
  gid: number;
  mode: number;
}

/** True when the modifier changes entries by path (so trees from commits must be re-written). */
export function modifierFilters(modifier: CommitModifier): boolean {
  return modifier.ownerUid !== undefined || modifier.ownerGid !== undefined || modifier.statOverride !== undefined || modifier.skipList !== undefined || Boolean(modifier.modeRoExecutables);
}

/**
 * ostree's commit filter, then its canonical permissions (ot-builtin-commit.c commit_filter,
 * _ostree_repo_commit_modifier_apply): owner, `--mode-ro-executables`, `--statoverride`,
 * `--skip-list` (undefined = skip), then uid = gid = 0 and modes & 0755 if canonical.
 */
export function applyCommitFilter(modifier: CommitModifier, path: string, info: EntryInfo): EntryInfo | undefined {
  let { uid, gid, mode } = info;
  if (modifier.ownerUid !== undefined) uid = modifier.ownerUid;
  if (modifier.ownerGid !== undefined) gid = modifier.ownerGid;
  const type = mode & S_IFMT;
  if (modifier.modeRoExecutables && type === S_IFREG && (mode & 0o111) !== 0) mode &= ~0o222;
  if (modifier.statOverride) mode = modifier.statOverride.apply(path, mode);
  if (modifier.skipList?.has(path)) return undefined;
  if (modifier.canonicalPermissions) {
    uid = 0;
    gid = 0;
    if (type === S_IFREG || type === S_IFDIR) mode &= type | 0o755;
  }
  return { uid, gid, mode };
}

/**
 * Archive files between these sizes go to the compression workers whole: below, a message
 * round trip costs more than compressing in place; above, they are streamed.
 */
const WORKER_FILE_MIN = 64 * 1024;
const WORKER_FILE_LIMIT = 16 * 1024 * 1024;
/** Known objects per copy message (devinoCopy): enough to make the round trip negligible. */
const COPY_BATCH = 256;

/** Bounded concurrency for the whole walk (zlib and fs work run on libuv's thread pool). */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface CommitDirectoryStats {
  files: number;
  bytes: number;
  devinoHits: number;
}

/**
 * Commit a directory tree into `tree` (merging into what is there, as `ostree commit` onto
 * a mutable tree does): dirmeta and content objects are written to the transaction; dirtrees
 * are written later by MutableTree.write.
 */
export async function commitDirectoryToTree(
  tx: Transaction,
  root: string,
  tree: MutableTree,
  modifier: CommitModifier,
  reporter?: Reporter,
): Promise<CommitDirectoryStats> {
  const limiter = new Limiter(modifier.concurrency ?? 8);
  const stats: CommitDirectoryStats = { files: 0, bytes: 0, devinoHits: 0 };
  const inodes = new Map<string, Promise<string>>();
  let devino: DevinoCache | undefined = modifier.devinoCache;
  // The cached checksum covers the object's stored owner, mode and xattrs: any override of
  // those makes a different object, which only hashing can name.
  const devinoAllowed =
    (modifier.devinoCanonical === true && tx.repo.mode !== 'archive') || (modifier.useDevinoCache !== false &&
    modifier.ownerUid === undefined &&
    modifier.ownerGid === undefined &&
    modifier.statOverride === undefined &&
    !modifier.modeRoExecutables &&
    !modifier.noXattrs &&
    (tx.repo.mode !== 'archive' || (modifier.devinoFrom?.length ?? 0) > 0 || modifier.devinoCache !== undefined));
  const objectCache = tx.repo.mode === 'archive' ? modifier.archiveObjectCache : undefined;
  let cached = objectCache !== undefined ? new ObjectListing(objectCache) : undefined;
  /** Hardlink the object from the archive object cache when the cache has it. */
  const linkFromCache = (checksum: string): boolean => {
    if (cached === undefined || objectCache === undefined) return false;
    const prefix = checksum.slice(0, 2);
    const rest = `${checksum.slice(2)}.filez`;
    if (!cached.has(prefix, rest)) return false;
    if (tx.linkObjectFrom(join(objectCache, prefix, rest), checksum, ObjectType.File) !== 'missing') return true;
    // Listed but not linkable: another filesystem (EXDEV) or the link limit; stop trying.
    cached = undefined;
    return false;
  };

  const rootStat = await lstat(root).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) throw new AtollError('OSTREE_COMMIT_NO_SOURCE', `cannot commit ${root}: no such directory`);
    throw error;
  });
  if (!rootStat.isDirectory()) throw new AtollError('OSTREE_COMMIT_NO_SOURCE', `cannot commit ${root}: not a directory`);

  const xattrsOf = (path: string, isLink: boolean): Xattrs => {
    if (modifier.noXattrs || modifier.canonicalPermissions) return [];
    if (isLink) {
      try {
        return readXattrsSync(path, modifier.skipXattrs);
      } catch {
        return [];
      }
    }
    return readXattrsSync(path, modifier.skipXattrs);
  };

  const dirMeta = async (path: string, info: EntryInfo): Promise<string> => {
    const meta: DirMeta = { uid: info.uid, gid: info.gid, mode: info.mode, xattrs: xattrsOf(path, false) };
    return await tx.writeMetadata(ObjectType.DirMeta, encodeDirMeta(meta));
  };

  /**
   * The synchronous path for the bulk of a hardlink checkout: a file that is a known object the
   * target has (or can hardlink from the object cache) needs no promise, no limiter slot, no
   * read. undefined: take fileObject's general path.
   */
  const devinoFast = (st: Stats): string | undefined => {
    if (devino === undefined) return undefined;
    const known = devino.lookupEntry(st.dev, st.ino);
    if (known === undefined) return undefined;
    if (known.repo === tx.repo) {
      stats.devinoHits++;
      return known.checksum;
    }
    if (modifier.canonicalPermissions) return undefined;
    if (!tx.haveObjectSync(known.checksum, ObjectType.File) && !linkFromCache(known.checksum)) return undefined;
    stats.devinoHits++;
    return known.checksum;
  };

  // Known objects of another repository that an archive target lacks: copied by the worker
  // threads in batches (read, deflate, write behind the known header), while this thread keeps
  // walking. The tree entry is set at once (the checksum is known); the temp files are staged
  // when their batch is done.
  const copyWorkers = tx.repo.mode === 'archive' && !modifier.canonicalPermissions ? modifier.workers : undefined;
  const queued = new Set<string>();
  const copyBatches: Array<Promise<void>> = [];
  let copies: ArchiveCopy[] = [];
  let copySums: string[] = [];
  const flushCopies = (): void => {
    if (copies.length === 0 || copyWorkers === undefined) return;
    const batch = copies;
    const sums = copySums;
    copies = [];
    copySums = [];
    copyBatches.push(
      copyWorkers.copyBatch(batch, modifier.zlibLevel ?? 6).then(() => {
        for (let i = 0; i < batch.length; i++) {
          tx.stageSync((batch[i] as ArchiveCopy).temp, sums[i] as string, ObjectType.File);
          if (objectCache !== undefined) tx.exportAfterCommit(sums[i] as string, ObjectType.File, objectCache);
        }
      }),
    );
  };
  /** devinoFast's companion for a known object the target must get: queued for the workers. */
  const devinoCopy = (st: Stats, path: string): string | undefined => {
    if (devino === undefined || copyWorkers === undefined || st.size > WORKER_FILE_LIMIT) return undefined;
    const known = devino.lookupEntry(st.dev, st.ino);
    if (known === undefined || known.repo === tx.repo || known.header === undefined) return undefined;
    stats.devinoHits++;
    if (queued.has(known.checksum) || tx.haveObjectSync(known.checksum, ObjectType.File)) return known.checksum;
    queued.add(known.checksum);
    // Consecutive batches write into different staging subdirectories (see tempPath).
    copies.push({ path, temp: tx.tempPath(`w${copyBatches.length & 1}`), prefix: encodeArchiveHeader(known.header, st.size), size: st.size });
    copySums.push(known.checksum);
    if (copies.length >= COPY_BATCH) flushCopies();
    return known.checksum;
  };

  const fileObject = async (path: string, st: Stats, info: EntryInfo, cacheTried: boolean): Promise<string> => {
    const isLink = st.isSymbolicLink();
    if (!isLink && devinoAllowed && st.nlink > 1) {
      devino ??= modifier.devinoCache ?? (await DevinoCache.forRepos([tx.repo, ...(modifier.devinoFrom ?? [])]));
      const known = devino.lookupEntry(st.dev, st.ino);
      // Canonical permissions may rewrite another repository's object; the target's own objects
      // already are canonical.
      if (known !== undefined && (known.repo === tx.repo || !modifier.canonicalPermissions)) {
        stats.devinoHits++;
        if (known.repo === tx.repo) return known.checksum;
        if (!cacheTried && linkFromCache(known.checksum)) return known.checksum;
        // The file is another repository's object: copy it over under its known checksum.
        const header = known.header ?? (await loadContent(known.repo, known.checksum)).header;
        const written = await writeContent(tx, header, { kind: 'path', path, size: st.size }, { knownChecksum: known.checksum, zlibLevel: modifier.zlibLevel });
        if (objectCache !== undefined) tx.exportAfterCommit(written, ObjectType.File, objectCache);
        return written;
      }
    }
    const header: { -readonly [K in keyof FileHeader]: FileHeader[K] } = {
      uid: info.uid,
      gid: info.gid,
      mode: isLink ? S_IFLNK | 0o777 : info.mode,
      rdev: 0,
      symlinkTarget: isLink ? readlinkSync(path) : '',
      xattrs: xattrsOf(path, isLink),
    };
    stats.files++;
    stats.bytes += isLink ? 0 : st.size;
    if (!isLink && modifier.workers && tx.repo.mode === 'archive' && st.size > WORKER_FILE_MIN && st.size <= WORKER_FILE_LIMIT) {
      const temp = tx.tempPath();
      const result = await modifier.workers.run({ path, header, objectsDir: join(tx.repo.path, 'objects'), temp, level: modifier.zlibLevel ?? 6 });
      if (result.written) tx.stageSync(temp, result.checksum, ObjectType.File);
      return result.checksum;
    }
    return await writeContent(tx, header, isLink ? undefined : { kind: 'path', path, size: st.size }, { zlibLevel: modifier.zlibLevel });
  };

  const ownStaging = resolve(tx.stagingDir);
  const infoOf = (st: Stats, path: string): EntryInfo | undefined =>
    applyCommitFilter(modifier, path, { uid: st.uid, gid: st.gid, mode: st.isSymbolicLink() ? S_IFLNK | 0o777 : (st.mode & S_IFMT) | (st.mode & 0o7777) });
  const walk = async (dir: string, into: MutableTree, treePath: string, info: EntryInfo): Promise<void> => {
    if (!(modifier.keepExistingDirMeta && into.metaChecksum !== undefined)) into.metaChecksum = await limiter.run(() => dirMeta(dir, info));
    const names = readdirSync(dir, { encoding: 'buffer' });
    const pending: Array<Promise<void>> = [];
    for (const raw of names) {
      let name: string;
      try {
        name = utf8.decode(raw);
      } catch {
        // Tree entry names are GVariant strings: UTF-8 only (ostree's wording).
        throw new AtollError('OSTREE_MTREE_BAD_NAME', `Invalid UTF-8 in filename '${raw.toString('latin1')}' in ${dir}`);
      }
      const path = join(dir, name);
      // A tree that holds the repository itself (`ostree commit` of `.`, as OSTree's test-refs
      // does) would otherwise see this very transaction's temp files come and go; OSTree's are
      // O_TMPFILE and never visible, so its own staging directory is left out.
      if (name.startsWith('staging-') && resolve(path) === ownStaging) continue;
      const child = lstatSync(path);
      const childPath = treePath === '/' ? `/${name}` : `${treePath}/${name}`;
      const childInfo = child.isDirectory() || child.isFile() || child.isSymbolicLink() ? infoOf(child, childPath) : undefined;
      if ((child.isDirectory() || child.isFile() || child.isSymbolicLink()) && childInfo === undefined) continue;
      if (child.isDirectory()) {
        pending.push(walk(path, into.ensureDir(name), childPath, childInfo as EntryInfo));
      } else if (child.isFile() || child.isSymbolicLink()) {
        const hardlinked = child.isFile() && child.nlink > 1;
        const fast = hardlinked && devinoAllowed ? (devinoFast(child) ?? devinoCopy(child, path)) : undefined;
        if (fast !== undefined) {
          into.setFile(name, fast);
          continue;
        }
        const key = `${child.dev}:${child.ino}`;
        let work = hardlinked ? inodes.get(key) : undefined;
        if (!work) {
          const cacheTried = devino !== undefined;
          work = limiter.run(() => fileObject(path, child, childInfo as EntryInfo, cacheTried));
          if (child.isFile() && child.nlink > 1) inodes.set(key, work);
        }
        pending.push(work.then((checksum) => into.setFile(name, checksum)));
      } else {
        throw new AtollError('OSTREE_COMMIT_UNSUPPORTED_FILE', `unsupported file type (mode ${(child.mode & S_IFMT).toString(8)}) at ${path}`, {
          hint: 'ostree stores only regular files, symlinks and directories',
        });
      }
    }
    await settleAll(pending);
    reporter?.emit({ type: 'progress', phase: 'commit', done: stats.files, unit: 'items' });
  };

  try {
    await walk(root, tree, '/', infoOf(rootStat, '/') ?? { uid: rootStat.uid, gid: rootStat.gid, mode: rootStat.mode });
  } catch (error) {
    // Every batch settles before this returns (the caller's abort then removes what they wrote).
    await Promise.allSettled(copyBatches);
    throw error;
  }
  flushCopies();
  await settleAll(copyBatches);
  return stats;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Like Promise.all, but waits for every promise before rethrowing the first failure. */
async function settleAll(promises: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
