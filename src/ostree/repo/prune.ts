import { lstat, unlink } from 'node:fs/promises';
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
export async function pruneRepo(repo: Repo, options: PruneOptions = {}): Promise<PruneResult> {
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
