import type { Repo } from './repo.js';
import { readdir } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { loadCommit, loadDirTree } from './read.js';
import { checksumPath, type ChecksumPathOptions } from './checksum-path.js';
import { compareNames } from './codec.js';

export interface DiffResult {
  modified: string[];
  removed: string[];
  added: string[];
}

interface Child {
  name: string;
  kind: 'file' | 'dir';
  /** Content checksum of a file; dirmeta checksum of a directory (what ostree compares). */
  checksum: string;
  /** What to list the children of (a dirtree checksum, or a directory path). */
  tree?: string;
}

/** One side of a diff: a commit of the repository, or a directory on disk. */
export type DiffSide = string | { directory: string };

/** Overrides for directories on disk (ostree diff --owner-uid/--owner-gid). */
export interface DiffOptions {
  ownerUid?: number;
  ownerGid?: number;
}

interface Lister {
  root(): Promise<string>;
  children(tree: string): Promise<Child[]>;
}

function commitLister(repo: Repo, checksum: string): Lister {
  return {
    root: async () => (await loadCommit(repo, checksum)).rootTree,
    children: async (tree) => {
      const t = await loadDirTree(repo, tree);
      return [
        ...t.files.map((f): Child => ({ name: f.name, kind: 'file', checksum: f.checksum })),
        ...t.dirs.map((d): Child => ({ name: d.name, kind: 'dir', checksum: d.metaChecksum, tree: d.treeChecksum })),
      ];
    },
  };
}

function directoryLister(root: string, options: ChecksumPathOptions): Lister {
  return {
    root: async () => root,
    children: async (dir) => {
      const out: Child[] = [];
      for (const name of (await readdir(dir)).sort(compareNames)) {
        const path = joinPath(dir, name);
        const { kind, checksum } = await checksumPath(path, options);
        out.push({ name, kind, checksum, tree: kind === 'dir' ? path : undefined });
      }
      return out;
    },
  };
}

/**
 * `ostree diff A B` (ostree_diff_dirs): walk both trees in enumeration order (files, then
 * directories, each by name). A file whose checksum changed, or an entry whose type changed, is
 * modified, and so is a directory whose dirmeta changed (then recursed into); a removed
 * directory is listed alone;
 * an added directory is listed with everything under it. A side may be a directory on disk:
 * its entries are checksummed as a commit would name them (xattrs left out when the repository
 * has core.disable-xattrs, as ostree does).
 */
export async function diffCommits(repo: Repo, from: DiffSide, to: DiffSide, options: DiffOptions = {}): Promise<DiffResult> {
  const checksumOptions: ChecksumPathOptions = { ...options, ignoreXattrs: repo.config.getBooleanOr('core', 'disable-xattrs', false) };
  const lister = (side: DiffSide): Lister => (typeof side === 'string' ? commitLister(repo, side) : directoryLister(side.directory, checksumOptions));
  const la = lister(from);
  const lb = lister(to);
  const result: DiffResult = { modified: [], removed: [], added: [] };
  const join = (path: string, name: string): string => (path === '/' ? `/${name}` : `${path}/${name}`);
  // ostree prints paths of a directory side relative to it, those of a commit from its root.
  const shown = (side: DiffSide, path: string): string => (typeof side === 'string' ? path : path.slice(1));
  const addAll = async (path: string, tree: string): Promise<void> => {
    for (const child of await lb.children(tree)) {
      result.added.push(shown(to, join(path, child.name)));
      if (child.kind === 'dir') await addAll(join(path, child.name), child.tree as string);
    }
  };
  const recurse = async (path: string, treeA: string, treeB: string): Promise<void> => {
    if (treeA === treeB && typeof from === 'string' && typeof to === 'string') return;
    const listA = await la.children(treeA);
    const listB = await lb.children(treeB);
    const byNameB = new Map(listB.map((c) => [c.name, c]));
    const namesA = new Set(listA.map((c) => c.name));
    for (const ca of listA) {
      const cb = byNameB.get(ca.name);
      const p = join(path, ca.name);
      if (!cb) result.removed.push(shown(from, p));
      else if (ca.kind !== cb.kind) result.modified.push(shown(from, p));
      else {
        // A directory is "modified" when its dirmeta changed; its contents are diffed below.
        if (ca.checksum !== cb.checksum) result.modified.push(shown(from, p));
        if (ca.kind === 'dir') await recurse(p, ca.tree as string, cb.tree as string);
      }
    }
    for (const cb of listB) {
      if (namesA.has(cb.name)) continue;
      result.added.push(shown(to, join(path, cb.name)));
      if (cb.kind === 'dir') await addAll(join(path, cb.name), cb.tree as string);
    }
  };
  await recurse('/', await la.root(), await lb.root());
  return result;
}

/** The lines `ostree diff` prints: `M    /path`, then D, then A. */
export function formatDiff(diff: DiffResult): string[] {
  return [...diff.modified.map((p) => `M    ${p}`), ...diff.removed.map((p) => `D    ${p}`), ...diff.added.map((p) => `A    ${p}`)];
}
