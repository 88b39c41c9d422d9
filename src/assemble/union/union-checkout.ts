import { chmodSync, chownSync, constants, copyFileSync, lchownSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import type { Reporter } from '../../report/index.js';
import { loadCommit, loadDirMeta, loadDirTree, loadContent, writeXattrs, type Repo, type DirMeta } from '../../ostree/repo/index.js';

/**
 * Lay the package commits out in one fresh root, in transaction order. The package cache is
 * bare-user, whose objects carry owners only in xattrs, so files are copied (copy_file_range)
 * and given their stored owner and mode: hardlinking would let a scriptlet or the ownership
 * fix-up alter the cache, which rpm-ostree prevents with rofiles-fuse.
 *
 * The whole union is planned first from the dirtrees (later packages replace files — identical
 * ones, conflicts were refused before — and the first package to create a directory gives it
 * its metadata, as a union checkout does), then written with synchronous syscalls: for the
 * small files of an OS tree that is several times faster than one async round trip each.
 * Every name comes from a validated dirtree and the root starts empty, so nothing is written
 * through a symlink.
 */

type PlanEntry = { kind: 'dir'; meta: string } | { kind: 'file'; checksum: string };

export async function unionCheckout(repo: Repo, commits: readonly string[], rootDir: string, reporter?: Reporter): Promise<number> {
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
  mkdirSync(rootDir, { recursive: true });
  // Map order is parents-first (a directory is planned before anything inside it).
  const dirs: Array<[string, DirMeta]> = [];
  let files = 0;
  for (const [path, entry] of plan) {
    const target = path === '' ? rootDir : join(rootDir, path);
    if (entry.kind === 'dir') {
      const meta = await metaOf(entry.meta);
      if (path !== '') mkdirSync(target, { mode: 0o700 });
      chownSync(target, meta.uid, meta.gid);
      dirs.push([target, meta]);
      continue;
    }
    const content = await loadContent(repo, entry.checksum);
    const header = content.header;
    if ((header.mode & 0o170000) === 0o120000) {
      symlinkSync(header.symlinkTarget ?? '', target);
      lchownSync(target, header.uid, header.gid);
    } else {
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
