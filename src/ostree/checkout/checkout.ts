import { mkdir, rm, symlink, lchown, open } from 'node:fs/promises';
import { lstatSync, linkSync, unlinkSync, mkdirSync, chownSync, chmodSync, utimesSync, existsSync, readlinkSync, readFileSync, renameSync, readdirSync, statSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, basename, dirname, resolve as resolvePathname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AtollError, isErrno } from '../../errors/index.js';
import type { Reporter } from '../../report/index.js';
import { Repo } from '../repo/repo.js';
import { loadCommit, loadDirTreeSync, loadDirMeta, resolvePath } from '../repo/read.js';
import { loadContent } from '../repo/content.js';
import { writeXattrs, writeXattrsSync } from '../repo/xattrs.js';
import { wrapIoError } from '../repo/io-error.js';
import { runProgram } from '../../util/index.js';
import { ObjectType, isSymlinkMode, type DirMeta, type FileHeader } from '../repo/codec.js';
import type { LinkWorkerData, LinkWorkerDone } from './link-worker.js';
import { runLinkBatch, FINISH, type LinkBatch } from './link-batch.js';

export interface CheckoutOptions {
  /** `-U`: keep the caller's ownership, drop setuid/setgid, write no xattrs. */
  userMode?: boolean;
  /** `-H`: hardlink every file from the repo or fail (bare repos). */
  requireHardlinks?: boolean;
  /** `-C`: never hardlink. */
  forceCopy?: boolean;
  /** `--union`: the target may exist; existing files are replaced. */
  union?: boolean;
  /** `--union-add`: the target may exist; existing files are kept. */
  unionAdd?: boolean;
  /**
   * `--union-identical` (needs `requireHardlinks`): the target may exist; an existing file is
   * kept when it is the same (same object, same symlink target, same content), else EEXIST.
   */
  unionIdentical?: boolean;
  /** Check out only this path of the commit. */
  subpath?: string;
  /** `--allow-noent`: a missing subpath is not an error (nothing is checked out). */
  allowNoent?: boolean;
  /**
   * `--skip-list`: files (paths from the checkout root, i.e. below the subpath) left out.
   * Directories are never skipped: ostree's checkout filter is not consulted for them.
   */
  skipList?: ReadonlySet<string>;
  /**
   * `--whiteouts` (with union): `.wh.NAME` removes NAME from the target instead of being
   * checked out; `.wh..wh..opq` empties the directory first (OCI/aufs layer whiteouts).
   */
  processWhiteouts?: boolean;
  /** `-M`: directory modes as a bare-user-only repository would have them (& 0775). */
  bareUserOnlyDirs?: boolean;
  /**
   * `--disable-cache`: user-mode checkouts of archive repositories do not keep uncompressed
   * copies of the files in `uncompressed-objects-cache/` (to hardlink from next time).
   */
  disableCache?: boolean;
  /** Do not write xattrs even in root mode. */
  noXattrs?: boolean;
  /**
   * `process_passthrough_whiteouts` (what deployments use): a file `.ostree-wh.NAME` is checked
   * out as NAME, an overlayfs whiteout (character device 0:0) with the file's mode and owner.
   */
  passthroughWhiteouts?: boolean;
  /**
   * Hardlink checkouts hand links to a second thread once this many files are done (default
   * 4096: small checkouts do not pay for starting it; tests pass 0). Infinity: never.
   */
  linkWorkerAfter?: number;
  reporter?: Reporter;
}

const euid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
const egid = typeof process.getegid === 'function' ? process.getegid() : 0;

export interface CheckoutStats {
  files: number;
  hardlinked: number;
  copied: number;
  dirs: number;
}

/**
 * Check a commit (or a subpath of it) out into `destination`. Every name comes from a decoded
 * dirtree, whose decoder refuses `/`, `.`, `..`, NUL, duplicates and disorder, so every path
 * written is `destination/<safe>/<safe>...`. Directories are created by us (mkdir, never
 * following a pre-existing symlink: with --union an existing non-directory in the way is
 * replaced), files with O_EXCL, so nothing is ever written outside the destination.
 */
export async function checkout(repo: Repo, commitChecksum: string, destination: string, options: CheckoutOptions = {}): Promise<CheckoutStats> {
  if (options.unionIdentical && !options.requireHardlinks) throw new AtollError('OSTREE_CHECKOUT_BAD_OPTIONS', '--union-identical requires --require-hardlinks');
  // A commit only in the `core.parent` repository is read from there, as ostree reads objects.
  const parentPath = repo.config.getStringOr('core', 'parent', undefined);
  if (parentPath !== undefined && !(await repo.hasObject(commitChecksum, ObjectType.Commit))) {
    return await checkout(await Repo.open(parentPath), commitChecksum, destination, options);
  }
  try {
    return await checkoutUnwrapped(repo, commitChecksum, destination, options);
  } catch (error) {
    throw wrapIoError(error, `checkout into ${destination}`);
  }
}

async function checkoutUnwrapped(repo: Repo, commitChecksum: string, destination: string, options: CheckoutOptions): Promise<CheckoutStats> {
  const commit = await loadCommit(repo, commitChecksum);
  const stats: CheckoutStats = { files: 0, hardlinked: 0, copied: 0, dirs: 0 };
  let entry;
  try {
    entry = await resolvePath(repo, commit, options.subpath ?? '/');
  } catch (error) {
    if (options.allowNoent && error instanceof AtollError && error.code === 'OSTREE_PATH_NOT_FOUND') return stats;
    throw error;
  }
  const union = Boolean(options.union || options.unionAdd || options.unionIdentical);
  const skipList = options.skipList !== undefined && options.skipList.size > 0 ? options.skipList : undefined;
  const userMode = Boolean(options.userMode);
  const canHardlink =
    !options.forceCopy &&
    (userMode ? repo.mode === 'bare-user' || repo.mode === 'bare-user-only' : repo.mode === 'bare' || repo.mode === 'bare-user-only');
  if (options.requireHardlinks) {
    // ostree creates the destination, then refuses a hardlink checkout onto another filesystem
    // (checked before the repository mode; the empty directory stays, as ostree leaves it).
    let target: Stats | undefined;
    try {
      target = statSync(destination);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
    const dev = (target ?? statSync(dirname(resolvePathname(destination)))).dev;
    const repoDev = statSync(repo.path).dev;
    if (dev !== repoDev) {
      if (!target) mkdirSync(destination, { mode: 0o700 });
      throw new AtollError('OSTREE_CHECKOUT_NO_HARDLINK', `Unable to do hardlink checkout across devices (src=${repoDev} destination=${dev})`, {
        hint: 'hardlinks need the checkout on the filesystem of the repository; drop -H to copy',
      });
    }
  }
  if (options.requireHardlinks && !canHardlink) {
    // libostree's wording (its test suite greps it).
    const why = repo.mode === 'bare-user' ? 'User repository mode requires user checkout mode to hardlink' : userMode && repo.mode === 'bare' ? 'Bare repository mode cannot hardlink in user checkout mode' : `cannot hardlink from a ${repo.mode} repository in ${userMode ? 'user' : 'root'} mode`;
    throw new AtollError('OSTREE_CHECKOUT_NO_HARDLINK', why, {
      hint: userMode ? 'hardlink checkouts in user mode need a bare-user repository' : 'hardlink checkouts need a bare repository; drop -H to copy',
    });
  }

  const objectsDir = `${repo.path}/objects/`;
  const uncompressedCache =
    repo.mode === 'archive' && userMode && !options.disableCache && !options.forceCopy && repo.config.getBooleanOr('core', 'enable-uncompressed-cache', true)
      ? `${repo.path}/uncompressed-objects-cache/objects`
      : undefined;
  const dirXattrs = (path: string, meta: DirMeta): void => {
    if (!userMode && !options.noXattrs && meta.xattrs.length > 0) writeXattrsSync(path, meta.xattrs);
  };
  // bare-user-only repositories always check directories out as -M would (ostree does).
  const dirMode = (meta: DirMeta): number => (options.bareUserOnlyDirs || repo.mode === 'bare-user-only' ? meta.mode & 0o775 : userMode ? meta.mode & 0o1777 & ~0o6000 : meta.mode & 0o7777);

  /** Create `path` as a directory, refusing (or, with union, replacing) non-directories. */
  const makeDir = async (path: string, isRoot: boolean): Promise<boolean> => {
    try {
      mkdirSync(path, { mode: 0o700 });
      return true;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    const st = lstatSync(path);
    if (st.isDirectory() && (union || isRoot)) {
      if (isRoot && !union) {
        throw new AtollError('OSTREE_CHECKOUT_EXISTS', `checkout target ${path} already exists`, { hint: 'remove it or pass --union' });
      }
      return false;
    }
    if (!union) throw new AtollError('OSTREE_CHECKOUT_EXISTS', `cannot check out: ${path} already exists`, { hint: 'pass --union to overwrite' });
    // A symlink or file where the tree has a directory: replace it, never descend through it.
    await rm(path, { recursive: true, force: true });
    await mkdir(path, { mode: 0o700 });
    return true;
  };

  const placeFile = async (path: string, checksum: string, freshDir: boolean): Promise<void> => {
    let existing;
    // In a directory we just created nothing can be in the way; elsewhere look first.
    if (!freshDir) {
      try {
        existing = lstatSync(path);
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error;
      }
    }
    if (existing) {
      if (!union) throw new AtollError('OSTREE_CHECKOUT_EXISTS', `cannot check out: ${path} already exists`, { hint: 'pass --union to overwrite' });
      if (options.unionAdd) return;
      if (options.unionIdentical) {
        if (await sameAsObject(path, existing, checksum)) return;
        throw new AtollError('OSTREE_CHECKOUT_EXISTS', `Hardlinking ${checksum} to ${basename(path)}: File exists`, { data: { path } });
      }
      if (existing.isDirectory()) await rm(path, { recursive: true, force: true });
      else unlinkSync(path);
    }
    stats.files++;
    if (canHardlink && repo.mode !== 'bare-user' && linkableObject(checksum)) {
      // Fast path: the object file is the checked-out file, one link() and nothing else.
      const objectPath = repo.objectPath(checksum, ObjectType.File);
      const linked = tryLink(objectPath, path);
      if (linked === 'missing') throw new AtollError('OSTREE_OBJECT_MISSING', `no such file object ${checksum}`, { data: { checksum, type: 'file' } });
      if (linked === 'linked') {
        stats.hardlinked++;
        return;
      }
    }
    const content = await loadContent(repo, checksum, { noXattrs: options.noXattrs || userMode });
    // bare-user stores symlinks as regular files, so those are always recreated; empty files
    // are copied (as ostree does, which keeps them from hitting the hardlink limit).
    // A user checkout of an unreadable file (mode 0) gets a readable copy (ostree: u+r).
    const unreadable = userMode && (content.header.mode & 0o400) === 0 && !isSymlinkMode(content.header.mode);
    const linkable = canHardlink && repo.mode === 'bare-user' && !isSymlinkMode(content.header.mode) && content.size !== 0 && !unreadable;
    if (linkable && tryLink(content.objectPath, path) === 'linked') {
      stats.hardlinked++;
      return;
    }
    const header = unreadable ? { ...content.header, mode: content.header.mode | 0o400 } : content.header;
    if (uncompressedCache && !isSymlinkMode(header.mode) && content.size !== 0) {
      // ostree's uncompressed-objects-cache: the inflated file once, hardlinked into checkouts.
      const cached = `${uncompressedCache}/${checksum.slice(0, 2)}/${checksum.slice(2)}.file`;
      if (!existsSync(cached)) {
        mkdirSync(dirname(cached), { recursive: true });
        const temp = `${cached}.${process.pid}.tmp`;
        await writeCopy(temp, header, await content.readData(), true, true);
        utimesSync(temp, 0, 0);
        renameSync(temp, cached);
      }
      if (tryLink(cached, path) === 'linked') {
        stats.hardlinked++;
        return;
      }
    }
    stats.copied++;
    await writeCopy(path, header, await content.readData(), userMode, Boolean(options.noXattrs));
  };

  /**
   * ostree never hardlinks empty files (they would share one inode across the whole system
   * and hit the hardlink limit; `-z` is now always on), nor unreadable ones in user mode.
   */
  const linkableObject = (checksum: string): boolean => {
    try {
      const st = lstatSync(`${objectsDir}${checksum.slice(0, 2)}/${checksum.slice(2)}.file`);
      return !(st.isFile() && (st.size === 0 || (userMode && (st.mode & 0o400) === 0)));
    } catch {
      return true; // missing: tryLink reports it
    }
  };

  /** An existing file equal to the object (`--union-identical`): same inode, symlink target or bytes. */
  const sameAsObject = async (path: string, existing: Stats, checksum: string): Promise<boolean> => {
    if (existing.isDirectory()) return false;
    const content = await loadContent(repo, checksum, { noXattrs: true });
    if (isSymlinkMode(content.header.mode)) return existing.isSymbolicLink() && readlinkSync(path) === content.header.symlinkTarget;
    if (!existing.isFile()) return false;
    const objectStat = lstatSync(content.objectPath);
    if (objectStat.ino === existing.ino && objectStat.dev === existing.dev) return true;
    if (existing.size !== content.size) return false;
    return Buffer.compare(readFileSync(path), await content.readData()) === 0;
  };

  /** Hardlink into a fresh directory; false when the slow path must handle it (EMLINK...). */
  const linkFast = (path: string, checksum: string): boolean => {
    if (!linkableObject(checksum)) return false;
    const linked = tryLink(`${objectsDir}${checksum.slice(0, 2)}/${checksum.slice(2)}.file`, path);
    if (linked === 'missing') throw new AtollError('OSTREE_OBJECT_MISSING', `no such file object ${checksum}`, { data: { checksum, type: 'file' } });
    if (linked !== 'linked') return false;
    stats.files++;
    stats.hardlinked++;
    return true;
  };

  const tryLink = (objectPath: string, path: string): 'linked' | 'copy' | 'missing' => {
    try {
      linkSync(objectPath, path);
      return 'linked';
    } catch (error) {
      if (isErrno(error, 'ENOENT') && !existsSync(objectPath)) return 'missing';
      if (options.requireHardlinks ? isErrno(error, 'EMLINK') : isErrno(error, 'EXDEV', 'EMLINK', 'EPERM')) return 'copy';
      throw new AtollError('OSTREE_CHECKOUT_NO_HARDLINK', `cannot hardlink ${path}: ${(error as Error).message}`, { cause: error });
    }
  };

  /** `.ostree-wh.NAME` → the whiteout device NAME (Node has no mknod: coreutils makes it). */
  const placeWhiteout = async (dir: string, name: string, checksum: string): Promise<void> => {
    const content = await loadContent(repo, checksum, { noXattrs: true });
    const path = `${dir}/${name.slice(PASSTHROUGH_WHITEOUT_PREFIX.length)}`;
    const mode = content.header.mode & 0o7777;
    const made = await runProgram('mknod', ['-m', mode.toString(8), '--', path, 'c', '0', '0']);
    if (made.status !== 0) {
      throw new AtollError('OSTREE_CHECKOUT_WHITEOUT', `cannot create the whiteout device ${path}: ${made.stderr.trim()}`, {
        hint: 'creating character devices needs root (or CAP_MKNOD)',
      });
    }
    if (!userMode) await lchown(path, content.header.uid, content.header.gid);
    stats.files++;
    stats.copied++;
  };

  const metas = new Map<string, DirMeta>();
  const dirMeta = async (checksum: string): Promise<DirMeta> => {
    let meta = metas.get(checksum);
    if (!meta) {
      meta = await loadDirMeta(repo, checksum);
      metas.set(checksum, meta);
    }
    return meta;
  };

  // Directories are finished (mode, mtime 0) after their contents. With the link helper the
  // finishing is queued behind the directory's links; `handedOver` keeps their metadata in
  // case something in them has to be redone on this thread.
  const finishDir = (path: string, meta: DirMeta): void => {
    dirXattrs(path, meta);
    chmodSync(path, dirMode(meta));
    utimesSync(path, 0, 0);
  };
  const handedOver = new Map<string, DirMeta>();

  const fastPathPossible = canHardlink && repo.mode !== 'bare-user';
  const linkWorkerAfter = options.linkWorkerAfter ?? 1024;
  const linker = fastPathPossible && Number.isFinite(linkWorkerAfter) && availableParallelism() > 1 ? new LinkHelper(objectsDir) : undefined;

  const skipped = (treePath: string, name: string): boolean => skipList !== undefined && skipList.has(treePath === '/' ? `/${name}` : `${treePath}/${name}`);
  const checkoutDir = async (path: string, treeChecksum: string, metaChecksum: string, isRoot: boolean, treePath = '/'): Promise<void> => {
    const meta = await dirMeta(metaChecksum);
    const tree = loadDirTreeSync(repo, treeChecksum);
    const created = await makeDir(path, isRoot);
    stats.dirs++;
    if (created && !userMode && (meta.uid !== euid || meta.gid !== egid)) chownSync(path, meta.uid, meta.gid);
    let files = skipList === undefined ? tree.files : tree.files.filter((f) => !skipped(treePath, f.name));
    if (options.processWhiteouts && files.some((f) => f.name.startsWith(WHITEOUT_PREFIX))) {
      for (const f of files) {
        if (!f.name.startsWith(WHITEOUT_PREFIX)) continue;
        if (f.name === OPAQUE_WHITEOUT) {
          // Opaque: what the lower layers put here goes (this layer's own entries come after).
          for (const name of readdirSync(path)) await rm(`${path}/${name}`, { recursive: true, force: true });
        } else {
          const name = f.name.slice(WHITEOUT_PREFIX.length);
          if (name === '') throw new AtollError('OSTREE_CHECKOUT_BAD_WHITEOUT', `Invalid empty whiteout '${f.name}'`);
          await rm(`${path}/${name}`, { recursive: true, force: true });
        }
      }
      files = files.filter((f) => !f.name.startsWith(WHITEOUT_PREFIX));
    }
    if (options.passthroughWhiteouts && files.some((f) => isPassthroughWhiteout(f.name))) {
      for (const f of files) if (isPassthroughWhiteout(f.name)) await placeWhiteout(path, f.name, f.checksum);
      files = files.filter((f) => !isPassthroughWhiteout(f.name));
    }
    if (created && fastPathPossible && linker && stats.files >= linkWorkerAfter && files.length > 0) {
      // Into a directory we just created nothing can be in the way: hand the links over.
      linker.add(path, files);
      stats.files += files.length;
      stats.hardlinked += files.length;
    } else {
      const fastPath = created && fastPathPossible;
      for (const file of files) {
        const filePath = `${path}/${file.name}`;
        // The common case stays synchronous: no promise per file.
        if (fastPath && linkFast(filePath, file.checksum)) continue;
        await placeFile(filePath, file.checksum, created);
      }
    }
    for (const dir of tree.dirs) {
      await checkoutDir(`${path}/${dir.name}`, dir.treeChecksum, dir.metaChecksum, false, treePath === '/' ? `/${dir.name}` : `${treePath}/${dir.name}`);
    }
    if (created) {
      if (linker?.started) {
        // xattrs do not touch the mtime: set them here, where the addon is loaded.
        dirXattrs(path, meta);
        linker.finishLater(path, dirMode(meta));
        handedOver.set(path, meta);
      } else finishDir(path, meta);
    }
    options.reporter?.emit({ type: 'progress', phase: 'checkout', done: stats.files, unit: 'items' });
  };

  if (entry.kind === 'dir') {
    try {
      await checkoutDir(destination, entry.treeChecksum, entry.metaChecksum, true);
    } catch (error) {
      await linker?.abort();
      throw error;
    }
    if (linker?.started) {
      const failed = await linker.finish();
      // Redo what failed on the ordinary path (EMLINK → copy, a missing object → its coded
      // error), exactly as if this thread had tried first, then finish the directory again.
      const redo = new Set<string>();
      for (let i = 0; i < failed.length; i += 3) {
        const dir = failed[i] as string;
        const name = failed[i + 1] as string;
        if (!redo.has(dir)) {
          redo.add(dir);
          // It may be finished already, read-only for a non-root user.
          chmodSync(dir, 0o700);
        }
        if (name === '') continue;
        stats.files--;
        stats.hardlinked--;
        await placeFile(`${dir}/${name}`, failed[i + 2] as string, true);
      }
      for (const dir of redo) finishDir(dir, handedOver.get(dir) as DirMeta);
    }
  } else {
    // A file subpath: the destination is a directory holding that one file (as ostree does).
    await mkdir(destination, { recursive: true, mode: 0o700 });
    await placeFile(join(destination, basename(entry.name)), entry.checksum, false);
  }
  return stats;
}

/** OCI/aufs layer whiteouts (`--whiteouts`). */
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** OSTree's marker prefix for overlayfs whiteouts stored as regular files. */
const PASSTHROUGH_WHITEOUT_PREFIX = '.ostree-wh.';
const isPassthroughWhiteout = (name: string): boolean => name.startsWith(PASSTHROUGH_WHITEOUT_PREFIX) && name.length > PASSTHROUGH_WHITEOUT_PREFIX.length;

const BATCH_ENTRIES = 512;
// The worker's backlog (batches posted, not yet run) above which this thread runs the next
// batch itself: keeps both threads busy whichever is faster on this machine.
const MAX_BACKLOG = 2;

/**
 * The main thread's side of link-worker.ts: batches link and finish records and posts them, or
 * runs the links of a batch itself while the worker is behind (also while it is still
 * starting). Finish records always go to the worker, behind everything posted before them: a
 * directory's links are then done, whether they were posted earlier or just run here.
 */
class LinkHelper {
  private worker: Worker | undefined;
  private counter: Int32Array | undefined;
  private batch: LinkBatch = [];
  private finishes: LinkBatch = [];
  private entries = 0;
  private posted = 0;
  private readonly failedHere: string[] = [];
  private done: Promise<LinkWorkerDone> | undefined;

  constructor(private readonly objectsDir: string) {}

  get started(): boolean {
    return this.worker !== undefined;
  }

  add(dir: string, files: ReadonlyArray<{ name: string; checksum: string }>): void {
    if (!this.worker) this.start();
    this.batch.push(dir, String(files.length));
    for (const f of files) this.batch.push(f.name, f.checksum);
    this.entries += files.length;
    if (this.entries >= BATCH_ENTRIES) this.flush();
  }

  finishLater(dir: string, mode: number): void {
    this.finishes.push(dir, FINISH, String(mode));
    this.entries += 2;
    if (this.entries >= BATCH_ENTRIES) this.flush();
  }

  private start(): void {
    const progress = new SharedArrayBuffer(4);
    this.counter = new Int32Array(progress);
    const worker = new Worker(new URL('./link-worker.js', import.meta.url), { workerData: { objectsDir: this.objectsDir, progress } satisfies LinkWorkerData });
    this.done = new Promise<LinkWorkerDone>((resolve, reject) => {
      worker.once('message', (message: LinkWorkerDone) => resolve(message));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`checkout link worker exited early (code ${code})`)));
    });
    // Handled by finish()/abort(); never an unhandled rejection in between.
    this.done.catch(() => undefined);
    this.worker = worker;
  }

  private flush(): void {
    if (this.entries === 0) return;
    let post: LinkBatch;
    if (this.posted - Atomics.load(this.counter as Int32Array, 0) > MAX_BACKLOG) {
      runLinkBatch(this.batch, this.objectsDir, this.failedHere);
      post = this.finishes;
    } else {
      post = this.batch;
      for (const s of this.finishes) post.push(s);
    }
    if (post.length > 0) {
      this.worker?.postMessage(post);
      this.posted++;
    }
    this.batch = [];
    this.finishes = [];
    this.entries = 0;
  }

  /** Post the rest and wait for all of it; what failed, as flat triples (see runLinkBatch). */
  async finish(): Promise<string[]> {
    this.flush();
    this.worker?.postMessage(null);
    const { failed } = await (this.done as Promise<LinkWorkerDone>);
    await this.worker?.terminate();
    return [...this.failedHere, ...failed];
  }

  async abort(): Promise<void> {
    await this.worker?.terminate();
  }
}

async function writeCopy(path: string, header: FileHeader, data: Buffer, userMode: boolean, noXattrs: boolean): Promise<void> {
  if (isSymlinkMode(header.mode)) {
    await symlink(header.symlinkTarget ?? '', path);
    if (!userMode) await lchown(path, header.uid, header.gid);
    return;
  }
  // O_EXCL|O_CREAT ('wx'): never follows a symlink planted at the final component.
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    if (!userMode) await handle.chown(header.uid, header.gid);
    await handle.chmod(userMode ? header.mode & 0o1777 & ~0o6000 : header.mode & 0o7777);
  } finally {
    await handle.close();
  }
  if (!userMode && !noXattrs && header.xattrs.length > 0) await writeXattrs(path, header.xattrs);
}
