import type { Repo } from './repo.js';
import { loadCommit, loadDirTree } from './read.js';

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
  tree?: string;
}

async function children(repo: Repo, tree: string): Promise<Child[]> {
  const t = await loadDirTree(repo, tree);
  return [
    ...t.files.map((f): Child => ({ name: f.name, kind: 'file', checksum: f.checksum })),
    ...t.dirs.map((d): Child => ({ name: d.name, kind: 'dir', checksum: d.metaChecksum, tree: d.treeChecksum })),
  ];
}

/**
 * `ostree diff A B` (ostree_diff_dirs): walk both trees in enumeration order (files, then
 * directories, each by name). A file whose checksum changed, or an entry whose type changed, is
 * modified, and so is a directory whose dirmeta changed (then recursed into); a removed
 * directory is listed alone;
 * an added directory is listed with everything under it.
 */
export async function diffCommits(repo: Repo, from: string, to: string): Promise<DiffResult> {
  const a = await loadCommit(repo, from);
  const b = await loadCommit(repo, to);
  const result: DiffResult = { modified: [], removed: [], added: [] };
  const join = (path: string, name: string): string => (path === '/' ? `/${name}` : `${path}/${name}`);
  const addAll = async (path: string, tree: string): Promise<void> => {
    for (const child of await children(repo, tree)) {
      result.added.push(join(path, child.name));
      if (child.kind === 'dir') await addAll(join(path, child.name), child.tree as string);
    }
  };
  const recurse = async (path: string, treeA: string, treeB: string): Promise<void> => {
    if (treeA === treeB) return;
    const listA = await children(repo, treeA);
    const listB = await children(repo, treeB);
    const byNameB = new Map(listB.map((c) => [c.name, c]));
    const namesA = new Set(listA.map((c) => c.name));
    for (const ca of listA) {
      const cb = byNameB.get(ca.name);
      const p = join(path, ca.name);
      if (!cb) result.removed.push(p);
      else if (ca.kind !== cb.kind) result.modified.push(p);
      else {
        // A directory is "modified" when its dirmeta changed; its contents are diffed below.
        if (ca.checksum !== cb.checksum) result.modified.push(p);
        if (ca.kind === 'dir') await recurse(p, ca.tree as string, cb.tree as string);
      }
    }
    for (const cb of listB) {
      if (namesA.has(cb.name)) continue;
      result.added.push(join(path, cb.name));
      if (cb.kind === 'dir') await addAll(join(path, cb.name), cb.tree as string);
    }
  };
  await recurse('/', a.rootTree, b.rootTree);
  return result;
}

/** The lines `ostree diff` prints: `M    /path`, then D, then A. */
export function formatDiff(diff: DiffResult): string[] {
  return [...diff.modified.map((p) => `M    ${p}`), ...diff.removed.map((p) => `D    ${p}`), ...diff.added.map((p) => `A    ${p}`)];
}
