import { mkdir, unlink, readdir, readFile, rm, writeFile, rename, stat } from 'node:fs/promises';
import { existsSync, unlinkSync, writeFileSync, mkdirSync, renameSync, linkSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread } from 'node:worker_threads';
import { AtollError, isErrno } from '../../errors/index.js';
import { fsyncDirectory, isFsyncEnabled, runProgram } from '../../util/index.js';
import type { Repo } from './repo.js';
import { ObjectType, objectExtension, objectRelativePath } from './codec.js';
import { writeRef, writeRefsBatch } from './refs.js';
import { ObjectListing } from './object-listing.js';
import { runMoves } from './move-records.js';

/**
 * A write transaction, as libostree's: objects are written into a private staging directory
 * `tmp/staging-<bootid>-<random>/`, and only `commit()` links them into `objects/`. The order
 * there is what makes a SIGKILL at any point harmless:
 *
 *   1. link every non-commit object into place (link, then unlink the staged name; EEXIST
 *      means an identical object is already there, because names are content hashes);
 *   2. syncfs (one `sync -f`, instead of an fsync per object, as ostree does by default);
 *   3. link commit objects, fsync their directories;
 *   4. write refs (atomic rename) — the commit point.
 *
 * So a ref never points at a commit whose tree is incomplete, and a commit object is never in
 * `objects/` before everything it references. A killed transaction leaves only a staging
 * directory, which the next transaction removes (its owner pid is gone).
 */
export class Transaction {
  private readonly staged = new Map<string, { path: string; type: ObjectType }>();
  private readonly refUpdates: Array<{ ref: string; checksum: string | undefined; remote: string | undefined }> = [];
  /** Objects to hardlink into another objects/ directory once they are durable (exportAfterCommit). */
  private readonly exports: Array<{ rel: string; objectsDir: string }> = [];
  /** objects/XX directories known to exist (linkObjectFrom). */
  private readonly objectDirs = new Set<string>();
  /** What objects/ held when first asked (haveObjectSync), plus what linkObjectFrom added. */
  private listing: ObjectListing | undefined;
  private tmpCounter = 0;
  private readonly subdirs = new Set<string>();
  private done = false;
  private keepStaging = false;

  private constructor(
    readonly repo: Repo,
    readonly stagingDir: string,
  ) {}

  static async begin(repo: Repo): Promise<Transaction> {
    const tmp = join(repo.path, 'tmp');
    await mkdir(tmp, { recursive: true });
    await cleanStaleStaging(tmp);
    // libostree names staging dirs after the boot id; OSTREE_BOOTID overrides it (its tests use it).
    const bootId = process.env.OSTREE_BOOTID || (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((t) => t.trim(), () => 'noboot'));
    // Prepared under another name and renamed, so every staging-* dir of ours has its pid file.
    const suffix = randomBytes(6).toString('hex');
    const prep = join(tmp, `atoll-prep-${suffix}`);
    await mkdir(prep);
    await writeFile(join(prep, '.atoll-pid'), String(process.pid));
    const dir = join(tmp, `staging-${bootId}-${suffix}`);
    await rename(prep, dir);
    return new Transaction(repo, dir);
  }

  /**
   * A fresh temp path inside the staging dir for a writer to fill; `sub` puts it in a
   * subdirectory of it (writers on several threads each take their own: creating files in one
   * directory takes that directory's lock).
   */
  tempPath(sub?: string): string {
    if (sub === undefined) return join(this.stagingDir, `t${(this.tmpCounter++).toString(36)}`);
    const dir = join(this.stagingDir, sub);
    if (!this.subdirs.has(sub)) {
      mkdirSync(dir);
      this.subdirs.add(sub);
    }
    return join(dir, `t${(this.tmpCounter++).toString(36)}`);
  }

  isStaged(checksum: string, type: ObjectType): boolean {
    return this.staged.has(objectRelativePath(checksum, type, this.repo.mode === 'archive'));
  }

  /** True when the object is already in the repo or staged in this transaction. */
  async haveObject(checksum: string, type: ObjectType): Promise<boolean> {
    return this.haveObjectSync(checksum, type);
  }

  /** Where the object's bytes are now: its staged temp file, else its place in objects/. */
  objectFile(checksum: string, type: ObjectType): string {
    return this.staged.get(objectRelativePath(checksum, type, this.repo.mode === 'archive'))?.path ?? this.repo.objectPath(checksum, type);
  }

  haveObjectSync(checksum: string, type: ObjectType): boolean {
    if (this.isStaged(checksum, type)) return true;
    this.listing ??= new ObjectListing(join(this.repo.path, 'objects'));
    return this.listing.has(checksum.slice(0, 2), `${checksum.slice(2)}.${objectExtension(type, this.repo.mode === 'archive')}`);
  }

  /** stage() for callers on the synchronous hot path. */
  stageSync(tempPath: string, checksum: string, type: ObjectType): void {
    const rel = objectRelativePath(checksum, type, this.repo.mode === 'archive');
    if (this.staged.has(rel)) {
      unlinkSync(tempPath);
      return;
    }
    this.staged.set(rel, { path: tempPath, type });
  }

  /**
   * Hand a finished temp file over as object (checksum, type). The temp file must already
   * hold the final bytes, owner, mode and xattrs.
   */
  async stage(tempPath: string, checksum: string, type: ObjectType): Promise<void> {
    const rel = objectRelativePath(checksum, type, this.repo.mode === 'archive');
    if (this.staged.has(rel)) {
      await unlink(tempPath);
      return;
    }
    this.staged.set(rel, { path: tempPath, type });
  }

  /**
   * Hardlink a complete object file of another repository (same storage form) straight to its
   * final name, as ostree's pull-local imports objects between repositories of one mode. No
   * staging: the file is already complete and durable, and the name appears atomically, so a
   * crash leaves at worst an unreferenced object (prune's business), never a partial one.
   * 'present': the repository already had it; 'missing': no such source file (nothing done).
   * Another filesystem (EXDEV) or the link limit also give 'missing': the caller writes it.
   */
  linkObjectFrom(sourcePath: string, checksum: string, type: ObjectType): 'linked' | 'present' | 'missing' {
    if (this.isStaged(checksum, type)) return 'present';
    const target = this.repo.objectPath(checksum, type);
    const dir = dirname(target);
    if (!this.objectDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.objectDirs.add(dir);
    }
    try {
      linkSync(sourcePath, target);
      this.listing?.add(checksum.slice(0, 2), `${checksum.slice(2)}.${objectExtension(type, this.repo.mode === 'archive')}`);
      return 'linked';
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return 'present';
      if (isErrno(error, 'ENOENT', 'EXDEV', 'EMLINK', 'EPERM')) return 'missing';
      throw new AtollError('OSTREE_REPO_WRITE', `cannot link object into ${target}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * After a successful commit, hardlink this object (staged by this transaction or already in
   * the repository) into `objectsDir` (laid out like a repository's objects/): an object cache
   * for later linkObjectFrom calls. Done after the sync, so a cache never holds an object whose
   * data might not have reached the disk. Best effort: a failure only costs a later rewrite.
   */
  exportAfterCommit(checksum: string, type: ObjectType, objectsDir: string): void {
    this.exports.push({ rel: objectRelativePath(checksum, type, this.repo.mode === 'archive'), objectsDir });
  }

  /** Write a metadata object (dirtree, dirmeta, commit, commitmeta); returns its checksum. */
  async writeMetadata(type: ObjectType, bytes: Uint8Array, checksum?: string): Promise<string> {
    const sum = checksum ?? createHash('sha256').update(bytes).digest('hex');
    if (type !== ObjectType.CommitMeta && (await this.haveObject(sum, type))) return sum;
    const temp = this.tempPath();
    writeFileSync(temp, bytes, { mode: 0o644 });
    this.stageSync(temp, sum, type);
    return sum;
  }

  /** Objects staged so far (new to the repository), as ostree's commit statistics count them. */
  stagedCounts(): { metadata: number; content: number } {
    let content = 0;
    for (const { type } of this.staged.values()) if (type === ObjectType.File) content++;
    return { metadata: this.staged.size - content, content };
  }

  /** Queue a ref update; refs are written last, by commit(). */
  setRef(ref: string, checksum: string | undefined, remote?: string): void {
    this.refUpdates.push({ ref, checksum, remote });
  }

  async commit(): Promise<void> {
    if (this.done) throw new TypeError('transaction already finished');
    if (repoTestErrors().has('pre-commit')) {
      // libostree's fault injection: fail as a crash right before the commit would, leaving
      // the staging dir behind (the next transaction reclaims it: its owner is gone).
      this.done = true;
      this.keepStaging = true;
      throw new AtollError('OSTREE_REPO_TEST_ERROR', 'OSTREE_REPO_TEST_ERROR_PRE_COMMIT specified');
    }
    const commits: Array<[string, { path: string; type: ObjectType }]> = [];
    const dirs = new Set<string>();
    const objects: Array<[string, string]> = [];
    for (const entry of this.staged) {
      if (entry[1].type === ObjectType.Commit || entry[1].type === ObjectType.CommitMeta) commits.push(entry);
      else objects.push([entry[0], entry[1].path]);
    }
    // One thread: renames between directories take the filesystem's rename lock one at a time.
    for (const [rel, path] of objects) await this.linkIntoPlace(rel, path, dirs, false);
    // Nothing staged (a refs-only transaction): no object to make durable.
    if (this.staged.size > 0) await syncFilesystem(this.repo.path);
    // commitmeta first, so a visible commit has its detached metadata.
    commits.sort((a, b) => (a[1].type === b[1].type ? 0 : a[1].type === ObjectType.CommitMeta ? -1 : 1));
    for (const [rel, { path, type }] of commits) await this.linkIntoPlace(rel, path, dirs, type === ObjectType.CommitMeta);
    // The new directory entries must be durable before a ref names them: an fsync per object
    // directory for a small transaction, one filesystem sync when there are many of them.
    const sets = this.refUpdates.filter((u): u is { ref: string; checksum: string; remote: string | undefined } => u.checksum !== undefined);
    const batchRefs = sets.length > 8 && sets.length === this.refUpdates.length;
    if (dirs.size > 16 || batchRefs) await syncFilesystem(this.repo.path);
    else for (const dir of dirs) await fsyncDirectory(dir);
    if (batchRefs) {
      await writeRefsBatch(this.repo, sets.map((u) => ({ ref: u.ref, checksum: u.checksum, ...(u.remote !== undefined ? { remote: u.remote } : {}) })), async () => syncFilesystem(this.repo.path));
    } else {
      for (const update of this.refUpdates) await writeRef(this.repo, update.ref, update.checksum, update.remote);
    }
    this.done = true;
    await this.removeStaging();
    await this.linkExports();
  }

  private async linkExports(): Promise<void> {
    const made = new Set<string>();
    let exports = this.exports;
    let moved: Promise<string[]> | undefined;
    if (exports.length >= PARALLEL_MOVES) {
      // Best effort, like the rest: the links into half of the XX directories on a second
      // thread (each thread has its own directories: no contention on their locks).
      const half = exports.filter((e) => e.rel.charCodeAt('objects/'.length) >= 0x38);
      exports = exports.filter((e) => e.rel.charCodeAt('objects/'.length) < 0x38);
      const records: string[] = [];
      for (const { rel, objectsDir } of half) {
        const target = join(objectsDir, rel.slice('objects/'.length));
        const dir = dirname(target);
        if (!made.has(dir)) {
          try {
            mkdirSync(dir, { recursive: true });
          } catch {
            continue;
          }
          made.add(dir);
        }
        records.push('l', join(this.repo.path, rel), target);
      }
      moved = runMovesInWorker(records);
    }
    for (const { rel, objectsDir } of exports) {
      // rel is "objects/XX/REST.ext".
      const target = join(objectsDir, rel.slice('objects/'.length));
      const dir = dirname(target);
      try {
        if (!made.has(dir)) {
          mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        linkSync(join(this.repo.path, rel), target);
      } catch (error) {
        if (isErrno(error, 'EXDEV', 'EACCES', 'EROFS', 'ENOSPC')) break;
      }
    }
    await moved;
  }

  async abort(): Promise<void> {
    this.done = true;
    if (!this.keepStaging) await this.removeStaging();
  }

  private async removeStaging(): Promise<void> {
    const trash = join(dirname(this.stagingDir), `atoll-trash-${randomBytes(6).toString('hex')}`);
    await rename(this.stagingDir, trash).catch(() => undefined);
    await rm(trash, { recursive: true, force: true });
  }

  /**
   * Move a staged object to its final name, not replacing an existing one: another
   * transaction already wrote it, and names are content hashes, so it is identical (and a
   * bare object that deployments hardlink keeps its inode); the staged copy is dropped.
   * commitmeta is not content-addressed (it is named after its commit) and is replaced.
   */
  private ensureObjectDir(target: string, dirs: Set<string>): void {
    const dir = dirname(target);
    if (!dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
  }

  private async linkIntoPlace(rel: string, staged: string, dirs: Set<string>, replace: boolean): Promise<void> {
    const target = join(this.repo.path, rel);
    this.ensureObjectDir(target, dirs);
    try {
      if (replace) {
        renameSync(staged, target);
        return;
      }
      // Usually the object is new (writers check before writing): one rename moves it in.
      // When it exists, keep the existing file (same bytes, and a bare object's inode stays
      // the one deployments hardlink) and drop ours. A concurrent writer landing the same
      // object between the check and the rename only swaps identical content.
      // Archive objects are never checked out by hardlink: replacing one with identical bytes is harmless.
      if (this.repo.mode !== 'archive' && existsSync(target)) unlinkSync(staged);
      else renameSync(staged, target);
    } catch (error) {
      throw new AtollError('OSTREE_REPO_WRITE', `cannot link object into ${target}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** From this many exports on, a transaction links half of them on a second thread. */
const PARALLEL_MOVES = 4096;

/**
 * runMoves (move-records.ts) on a worker thread (move-worker.ts); the failed renames as (from, to, message) triples. A
 * worker that cannot start, or dies, leaves its records to this thread.
 */
async function runMovesInWorker(records: string[]): Promise<string[]> {
  if (records.length === 0) return [];
  // A worker's transaction (parallel package imports) already shares the CPUs with its peers.
  if (!isMainThread || availableParallelism() < 2 || process.env.ATOLL_NO_WORKERS === '1') return runMoves(records);
  return await new Promise<string[]>((resolve) => {
    let settled = false;
    const finish = (failed: string[] | undefined): void => {
      if (settled) return;
      settled = true;
      resolve(failed ?? runMoves(records));
    };
    let worker: Worker;
    try {
      worker = new Worker(new URL('./move-worker.js', import.meta.url), { workerData: { records } });
    } catch {
      finish(undefined);
      return;
    }
    worker.once('message', (failed: string[]) => finish(failed));
    worker.once('error', () => finish(undefined));
    worker.once('exit', () => finish(undefined));
  });
}

/**
 * `OSTREE_REPO_TEST_ERROR` (libostree's fault injection for its test suite), parsed as
 * g_parse_debug_string does: keys separated by `:;, \t`, case-insensitive, `-` equal to `_`,
 * `all` for every key. atoll implements `pre-commit`.
 */
export function repoTestErrors(value: string | undefined = process.env.OSTREE_REPO_TEST_ERROR): Set<string> {
  const known = ['pre-commit', 'invalid-cache'];
  const out = new Set<string>();
  for (const raw of (value ?? '').split(/[:;, \t]+/)) {
    const key = raw.toLowerCase().replace(/_/g, '-');
    if (key === 'all') for (const k of known) out.add(k);
    else if (known.includes(key)) out.add(key);
  }
  return out;
}

/** One syncfs for the whole filesystem holding the repo (coreutils `sync -f`). */
export async function syncFilesystem(path: string): Promise<void> {
  if (!isFsyncEnabled()) return;
  const result = await runProgram('sync', ['-f', path]).catch(() => undefined);
  if (!result || result.status !== 0) await runProgram('sync', []).catch(() => undefined);
}

/** Remove staging dirs whose owner process is gone (a killed transaction). */
async function cleanStaleStaging(tmp: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith('atoll-trash-')) {
      await rm(join(tmp, name), { recursive: true, force: true }).catch(() => undefined);
      continue;
    }
    if (name.startsWith('atoll-prep-')) {
      // A transaction killed while preparing its staging dir; give live ones a minute.
      const st = await stat(join(tmp, name)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 60_000) await rm(join(tmp, name), { recursive: true, force: true }).catch(() => undefined);
      continue;
    }
    if (!name.startsWith('staging-')) continue;
    const dir = join(tmp, name);
    const pid = Number(await readFile(join(dir, '.atoll-pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
    if (!Number.isInteger(pid)) continue; // not ours (ostree's own staging dir): leave it
    // Rename first, so a cleanup that is itself killed never leaves a pid-less staging dir.
    const trash = join(tmp, `atoll-trash-${randomBytes(6).toString('hex')}`);
    try {
      await rename(dir, trash);
    } catch {
      continue;
    }
    await rm(trash, { recursive: true, force: true }).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}
