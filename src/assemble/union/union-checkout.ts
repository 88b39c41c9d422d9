import { chmodSync, chownSync, constants, copyFileSync, lchownSync, linkSync, lstatSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { isErrno } from '../../errors/index.js';
import { join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import type { Reporter } from '../../report/index.js';
import { loadCommit, loadDirMeta, loadDirTree, loadContent, writeXattrs, ObjectType, type Repo, type DirMeta, type DevinoCache, type LoadedContent } from '../../ostree/repo/index.js';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { linkPlanned } from './link-planned.js';

/**
 * Lay the package commits out in one fresh root, in transaction order. Files are hardlinks of
 * the package cache's objects (rpm-ostree's hardlink union) whenever the object file already is
 * the file to check out: a bare object always, a bare-user object when its real owner and mode
 * are the stored ones and it has no other xattrs than `user.ostreemeta` (which the commit of
 * the tree skips). Everything else — other owners, setuid, capabilities, symlinks, another
 * filesystem — is copied and given its stored owner and mode. Nothing may then write through
 * these links: the ownership fix-up copies up first (copy-up.ts) and scriptlets run on an
 * overlay (script-overlay.ts), as rpm-ostree runs them on rofiles-fuse.
 *
 * The whole union is planned first from the dirtrees (later packages replace files — identical
 * ones, conflicts were refused before — and the first package to create a directory gives it
 * its metadata, as a union checkout does), then written with synchronous syscalls: for the
 * small files of an OS tree that is several times faster than one async round trip each.
 * Every name comes from a validated dirtree and the root starts empty, so nothing is written
 * through a symlink.
 */

type PlanEntry = { kind: 'dir'; meta: string } | { kind: 'file'; checksum: string };

export interface UnionOptions {
  /** Hardlink objects where possible (default true); false copies every file. */
  hardlink?: boolean;
  /**
   * Filled with (device, inode) → object for every file hardlinked from the repository (ostree's
   * checkout `devino_to_csum_cache`), so committing the tree needs neither a scan of the
   * repository nor a re-read of the objects' headers.
   */
  devino?: DevinoCache;
}

/** From this many files on, a bare-user hardlink union links on two threads. */
const PARALLEL_LINKS = 4096;

/** linkPlanned on a worker thread; a worker that cannot start or dies links nothing (all fall back). */
async function linkPlannedInWorker(records: string[], euid: number, egid: number): Promise<number[]> {
  const none = (): number[] => new Array<number>((records.length / 2) * 4).fill(0);
  return await new Promise<number[]>((resolve) => {
    let settled = false;
    const finish = (result: number[]): void => {
      if (!settled) resolve(result);
      settled = true;
    };
    let worker: Worker;
    try {
      worker = new Worker(new URL('./union-link-worker.js', import.meta.url), { workerData: { records, euid, egid } });
    } catch {
      finish(linkPlanned(records, euid, egid));
      return;
    }
    worker.once('message', (result: number[]) => finish(result));
    worker.once('error', () => finish(none()));
    worker.once('exit', () => finish(none()));
  });
}

export async function unionCheckout(repo: Repo, commits: readonly string[], rootDir: string, reporter?: Reporter, options: UnionOptions = {}): Promise<number> {
  let canLink = (options.hardlink ?? true) && (repo.mode === 'bare' || repo.mode === 'bare-user');
  const euid = process.geteuid?.() ?? -1;
  const egid = process.getegid?.() ?? -1;
  const plan = new Map<string, PlanEntry>();
  const trees = new Map<string, Awaited<ReturnType<typeof loadDirTree>>>();
  const walk = async (prefix: string, treeChecksum: string, metaChecksum: string): Promise<void> => {
    const existing = plan.get(prefix);
    if (existing === undefined) plan.set(prefix, { kind: 'dir', meta: metaChecksum });
    else if (existing.kind !== 'dir') throw new AtollError('ASSEMBLE_FILE_CONFLICT', `/${prefix} is a file in one package and a directory in another`, { data: { path: `/${prefix}` } });
    let tree = trees.get(treeChecksum);
    if (!tree) {
      tree = await loadDirTree(repo, treeChecksum);
      trees.set(treeChecksum, tree);
    }
    for (const f of tree.files) {
      const path = prefix === '' ? f.name : `${prefix}/${f.name}`;
      if (plan.get(path)?.kind === 'dir') throw new AtollError('ASSEMBLE_FILE_CONFLICT', `/${path} is a directory in one package and a file in another`, { data: { path: `/${path}` } });
      plan.set(path, { kind: 'file', checksum: f.checksum });
    }
    for (const d of tree.dirs) await walk(prefix === '' ? d.name : `${prefix}/${d.name}`, d.treeChecksum, d.metaChecksum);
  };
  for (const commit of commits) {
    const c = await loadCommit(repo, commit);
    await walk('', c.rootTree, c.rootMeta);
  }

  const metas = new Map<string, DirMeta>();
  const metaOf = async (checksum: string): Promise<DirMeta> => {
    let meta = metas.get(checksum);
    if (!meta) {
      meta = await loadDirMeta(repo, checksum);
      metas.set(checksum, meta);
    }
    return meta;
  };
  /** Is the object file, as it is on disk, exactly the file the header describes? Its stat if so. */
  const linkable = (content: LoadedContent): Stats | 'yes' | null => {
    const header = content.header;
    if (repo.mode === 'bare') return options.devino ? (content.stat ?? lstatSync(content.objectPath)) : 'yes';
    // bare-user objects belong to whoever wrote them, with the mode masked to 0775|0400.
    if (header.uid !== euid || header.gid !== egid) return null;
    const st = content.stat ?? lstatSync(content.objectPath);
    return st.isFile() && st.uid === header.uid && st.gid === header.gid && (st.mode & 0o7777) === (header.mode & 0o7777) ? st : null;
  };
  mkdirSync(rootDir, { recursive: true });
  // Map order is parents-first (a directory is planned before anything inside it): every
  // directory exists before the files are placed.
  const dirs: Array<[string, DirMeta]> = [];
  let planned: Array<[string, string]> = [];
  for (const [path, entry] of plan) {
    const target = path === '' ? rootDir : join(rootDir, path);
    if (entry.kind === 'dir') {
      const meta = await metaOf(entry.meta);
      if (path !== '') mkdirSync(target, { mode: 0o700 });
      chownSync(target, meta.uid, meta.gid);
      dirs.push([target, meta]);
    } else planned.push([target, entry.checksum]);
  }
  let files = 0;
  if (canLink && repo.mode === 'bare-user' && planned.length >= PARALLEL_LINKS && availableParallelism() > 1 && process.env.ATOLL_NO_WORKERS !== '1') {
    // Two threads link (half each); what either could not link takes the general path below.
    const recordsOf = (part: Array<[string, string]>): string[] => part.flatMap(([target, checksum]) => [repo.objectPath(checksum, ObjectType.File), target]);
    const second = planned.slice(planned.length >> 1);
    const first = planned.slice(0, planned.length >> 1);
    const secondDone = linkPlannedInWorker(recordsOf(second), euid, egid);
    const results = [linkPlanned(recordsOf(first), euid, egid), await secondDone];
    const rest: Array<[string, string]> = [];
    [first, second].forEach((part, p) => {
      const r = results[p] as number[];
      part.forEach(([target, checksum], i) => {
        if (r[i * 4] !== 1) {
          rest.push([target, checksum]);
          return;
        }
        const header = { uid: euid, gid: egid, mode: r[i * 4 + 3] as number, rdev: 0, symlinkTarget: '', xattrs: [] };
        options.devino?.add(r[i * 4 + 1] as number, r[i * 4 + 2] as number, { checksum, repo, header });
        files++;
      });
    });
    reporter?.emit({ type: 'progress', phase: 'assemble', done: files, unit: 'items' });
    planned = rest;
  }
  for (const [target, checksum] of planned) {
    const content = await loadContent(repo, checksum);
    const header = content.header;
    if ((header.mode & 0o170000) === 0o120000) {
      symlinkSync(header.symlinkTarget ?? '', target);
      lchownSync(target, header.uid, header.gid);
    } else {
      const st = canLink && header.xattrs.length === 0 ? linkable(content) : null;
      if (st !== null) {
        try {
          linkSync(content.objectPath, target);
          if (st !== 'yes') options.devino?.add(st.dev, st.ino, { checksum, repo, header });
          files++;
          continue;
        } catch (error) {
          // Another filesystem, or the link limit: copy from now on (EXDEV) or just this one.
          if (isErrno(error, 'EXDEV', 'EPERM')) canLink = false;
          else if (!isErrno(error, 'EMLINK')) throw error;
        }
      }
      // Bare modes store the data as is; an archive cache stores it compressed.
      if (repo.mode === 'archive') writeFileSync(target, await content.readData(), { flag: 'wx', mode: 0o600 });
      else copyFileSync(content.objectPath, target, constants.COPYFILE_EXCL);
      chownSync(target, header.uid, header.gid);
      chmodSync(target, header.mode & 0o7777);
      if (header.xattrs.length > 0) await writeXattrs(target, header.xattrs);
      utimesSync(target, 0, 0);
    }
    files++;
    if (files % 1000 === 0) reporter?.emit({ type: 'progress', phase: 'assemble', done: files, unit: 'items' });
  }
  for (const [target, meta] of dirs.reverse()) {
    if (meta.xattrs.length > 0) await writeXattrs(target, meta.xattrs);
    chmodSync(target, meta.mode & 0o7777);
    utimesSync(target, 0, 0);
  }
  return files;
}
