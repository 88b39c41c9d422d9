import { lstat, unlink } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../errors/index.js';
import type { Repo } from './repo.js';
import { ObjectType } from './codec.js';
import { listRefs } from './refs.js';
import { decodeCommit, decodeDirTree } from './codec.js';

export interface PruneOptions {
  /** Keep only what refs reach (otherwise every commit object is a root). */
  refsOnly?: boolean;
  /** Parents to keep behind each root; -1 = all (default). */
  depth?: number;
  /** Delete commits older than this (epoch seconds) unless a ref points at them. */
  keepYoungerThan?: number;
  dryRun?: boolean;
}

export interface PruneResult {
  total: number;
  deleted: number;
  freedBytes: number;
}

/**
 * `ostree prune`: mark everything reachable from the roots (refs, and unless refsOnly every
 * commit), walking parents up to `depth`, then delete the rest. A commit's commitmeta and
 * commitpartial marker go with it. Missing objects are not errors (partial commits).
 */
/**
 * Drop cached summaries (tmp/cache/summaries/NAME{,.sig}) of remotes the config no longer
 * names, as ostree's prune does (_ostree_repo_prune_tmp / the summary cache cleanup).
 */
async function pruneSummaryCache(repo: Repo): Promise<void> {
  const dir = join(repo.path, 'tmp', 'cache', 'summaries');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return;
    throw error;
  }
  const remotes = new Set(repo.config.groupNames().map((g) => /^remote "(.*)"$/.exec(g)?.[1]).filter((n): n is string => n !== undefined));
  for (const name of names) {
    if (!remotes.has(name.replace(/\.sig$/, ''))) await unlink(join(dir, name)).catch(() => undefined);
  }
}

export async function pruneRepo(repo: Repo, options: PruneOptions = {}): Promise<PruneResult> {
  if (!options.dryRun) await pruneSummaryCache(repo);
  const depth = options.depth ?? -1;
  const objects: Array<{ checksum: string; type: ObjectType; path: string }> = [];
  for await (const o of repo.listObjects()) objects.push(o);
  const total = objects.length;
  const refs = await listRefs(repo, { mirrors: true });
  const tips = new Set(refs.map((r) => r.checksum));
  const deleted = new Set<string>();
  let freedBytes = 0;
  let deletedCount = 0;

  const remove = async (path: string): Promise<void> => {
    try {
      const st = await lstat(path);
      if (!options.dryRun) await unlink(path);
      freedBytes += st.size;
      deletedCount++;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  };

  if (options.keepYoungerThan !== undefined) {
    for (const o of objects) {
      if (o.type !== ObjectType.Commit || tips.has(o.checksum)) continue;
      const commit = decodeCommit(await repo.readObjectBytes(o.checksum, ObjectType.Commit));
      if (commit.timestamp < BigInt(options.keepYoungerThan)) {
        deleted.add(o.checksum);
        await remove(o.path);
        await remove(repo.objectPath(o.checksum, ObjectType.CommitMeta));
        if (!options.dryRun) await repo.markCommitPartial(o.checksum, false);
      }
    }
  }

  const reachable = new Set<string>();
  const key = (checksum: string, type: ObjectType): string => `${checksum}.${type}`;
  const walkTree = async (tree: string, meta: string): Promise<void> => {
    reachable.add(key(meta, ObjectType.DirMeta));
    if (reachable.has(key(tree, ObjectType.DirTree))) return;
    reachable.add(key(tree, ObjectType.DirTree));
    const bytes = await repo.readOptionalObjectBytes(tree, ObjectType.DirTree);
    if (!bytes) return;
    const dirtree = decodeDirTree(bytes);
    for (const f of dirtree.files) reachable.add(key(f.checksum, ObjectType.File));
    for (const d of dirtree.dirs) await walkTree(d.treeChecksum, d.metaChecksum);
  };
  const walkCommit = async (checksum: string, remaining: number): Promise<void> => {
    if (deleted.has(checksum) || reachable.has(key(checksum, ObjectType.Commit))) return;
    const bytes = await repo.readOptionalObjectBytes(checksum, ObjectType.Commit);
    if (!bytes) return;
    reachable.add(key(checksum, ObjectType.Commit));
    reachable.add(key(checksum, ObjectType.CommitMeta));
    const commit = decodeCommit(bytes);
    await walkTree(commit.rootTree, commit.rootMeta);
    if (commit.parent !== null && remaining !== 0) await walkCommit(commit.parent, remaining - 1);
  };

  for (const ref of refs) await walkCommit(ref.checksum, depth);
  if (!options.refsOnly) {
    for (const o of objects) if (o.type === ObjectType.Commit && !deleted.has(o.checksum)) await walkCommit(o.checksum, depth);
  }

  for (const o of objects) {
    if (deleted.has(o.checksum) && o.type === ObjectType.Commit) continue;
    if (reachable.has(key(o.checksum, o.type))) continue;
    await remove(o.path);
    if (o.type === ObjectType.Commit && !options.dryRun) await repo.markCommitPartial(o.checksum, false);
  }
  return { total, deleted: deletedCount, freedBytes };
}

/**
 * Prune after a deployment change: delete what the given commits reach and nothing that the
 * refs (and their parents down to `depth`) still reach. Same outcome as `pruneRepo` with
 * `refsOnly` for every object those commits referenced, without listing the whole object
 * store or re-walking subtrees the kept commits share with them: a dirtree still reachable
 * keeps its whole subtree. Objects that were garbage before (not reached by the commits) are
 * left for a full prune. The commit objects go first, so a run killed midway leaves only
 * unreferenced objects, never a commit with a partial tree.
 */
export async function pruneCommits(repo: Repo, commits: readonly string[], options: { depth?: number; partials?: boolean } = {}): Promise<{ deleted: number }> {
  const depth = options.depth ?? -1;
  const refs = await listRefs(repo, { mirrors: true });
  if (options.partials) {
    // Commits fetched for their metadata only (history walks, --check) stay marked partial
    // and are garbage once no ref reaches them; the caller holds the lock that keeps pulls out.
    const names = await readdir(join(repo.path, 'state')).catch(() => [] as string[]);
    commits = [...commits, ...names.filter((n) => n.endsWith('.commitpartial')).map((n) => n.slice(0, -'.commitpartial'.length))];
  }
  const key = (checksum: string, type: ObjectType): string => `${checksum}.${type}`;
  // Synchronous reads: a walk reads thousands of small dirtrees, one thread-pool round trip
  // each would cost more than the read.
  const read = (checksum: string, type: ObjectType): Buffer | undefined => {
    try {
      return readFileSync(repo.objectPath(checksum, type));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  };

  const reachable = new Set<string>();
  const markTree = (tree: string, meta: string): void => {
    reachable.add(key(meta, ObjectType.DirMeta));
    if (reachable.has(key(tree, ObjectType.DirTree))) return;
    reachable.add(key(tree, ObjectType.DirTree));
    const bytes = read(tree, ObjectType.DirTree);
    if (!bytes) return;
    const dirtree = decodeDirTree(bytes);
    for (const f of dirtree.files) reachable.add(key(f.checksum, ObjectType.File));
    for (const d of dirtree.dirs) markTree(d.treeChecksum, d.metaChecksum);
  };
  const markCommit = (checksum: string, remaining: number): void => {
    if (reachable.has(key(checksum, ObjectType.Commit))) return;
    const bytes = read(checksum, ObjectType.Commit);
    if (!bytes) return;
    reachable.add(key(checksum, ObjectType.Commit));
    const commit = decodeCommit(bytes);
    markTree(commit.rootTree, commit.rootMeta);
    if (commit.parent !== null && remaining !== 0) markCommit(commit.parent, remaining - 1);
  };

  const doomed = commits.filter((c, i) => commits.indexOf(c) === i && !refs.some((r) => r.checksum === c));
  if (doomed.length === 0) return { deleted: 0 };
  for (const ref of refs) markCommit(ref.checksum, depth);

  const garbage: Array<{ checksum: string; type: ObjectType }> = [];
  const seen = new Set<string>();
  const collectTree = (tree: string, meta: string): void => {
    const metaKey = key(meta, ObjectType.DirMeta);
    if (!reachable.has(metaKey) && !seen.has(metaKey)) {
      seen.add(metaKey);
      garbage.push({ checksum: meta, type: ObjectType.DirMeta });
    }
    const treeKey = key(tree, ObjectType.DirTree);
    if (reachable.has(treeKey) || seen.has(treeKey)) return;
    seen.add(treeKey);
    const bytes = read(tree, ObjectType.DirTree);
    if (!bytes) return;
    garbage.push({ checksum: tree, type: ObjectType.DirTree });
    const dirtree = decodeDirTree(bytes);
    for (const f of dirtree.files) {
      const fileKey = key(f.checksum, ObjectType.File);
      if (reachable.has(fileKey) || seen.has(fileKey)) continue;
      seen.add(fileKey);
      garbage.push({ checksum: f.checksum, type: ObjectType.File });
    }
    for (const d of dirtree.dirs) collectTree(d.treeChecksum, d.metaChecksum);
  };

  let deleted = 0;
  const remove = (checksum: string, type: ObjectType): void => {
    try {
      unlinkSync(repo.objectPath(checksum, type));
      deleted++;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  };
  const trees: Array<[string, string]> = [];
  for (const checksum of doomed) {
    if (reachable.has(key(checksum, ObjectType.Commit))) continue; // a kept commit's parent
    const bytes = read(checksum, ObjectType.Commit);
    if (!bytes) continue;
    const commit = decodeCommit(bytes);
    trees.push([commit.rootTree, commit.rootMeta]);
    remove(checksum, ObjectType.CommitMeta);
    remove(checksum, ObjectType.Commit);
    await repo.markCommitPartial(checksum, false);
  }
  for (const [tree, meta] of trees) collectTree(tree, meta);
  for (const { checksum, type } of garbage) remove(checksum, type);
  return { deleted };
}
