import { lstat, unlink } from 'node:fs/promises';
import { lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import type { Repo } from './repo.js';
import { ObjectType } from './codec.js';
import { listCollectionRefs, listRefs } from './refs.js';
import { decodeCommit, decodeDirTree } from './codec.js';
import { resolveRev } from './read.js';
import { deleteCommitObject, enableTombstoneCommits } from './tombstones.js';
import { assertChecksum } from '../objects/index.js';

export interface PruneOptions {
  /** Keep only what refs reach (otherwise every commit object is a root). */
  refsOnly?: boolean;
  /** Parents to keep behind each root; -1 = all (default). */
  depth?: number;
  /** `--keep-younger-than`: commits at least this recent (epoch seconds) are kept. */
  keepYoungerThan?: number;
  /** `--retain-branch-depth=REF=DEPTH`, in the order given (a later one for a ref wins). */
  retainBranchDepth?: ReadonlyArray<readonly [string, number]>;
  /** `--only-branch`: every other ref keeps its whole history. */
  onlyBranches?: readonly string[];
  /** `--commit-only`: only commit objects are traversed and deleted. */
  commitOnly?: boolean;
  dryRun?: boolean;
}

export interface PruneResult {
  total: number;
  deleted: number;
  freedBytes: number;
}

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

/**
 * `ostree prune` (ot-builtin-prune.c, ostree-repo-prune.c, 2022.7). Marks what the roots reach,
 * then deletes every other loose commit, dirtree, dirmeta and content object (only commits with
 * `commitOnly`); a deleted commit takes its detached metadata and partial marker along and
 * leaves a tombstone when `core.tombstone-commits` is set. Roots without `retainBranchDepth`,
 * `keepYoungerThan` or `onlyBranches` (ostree_repo_prune): each ref with `refsOnly`, else each
 * commit object, walked `depth` parents deep. With any of them (ostree's second path, always
 * refs only): each ref walked to its `--retain-branch-depth` (refs outside `--only-branch` to
 * -1; a depth of 0 counts as none, as ostree stores it as a NULL pointer), else to `depth`, or
 * to 0 when `keepYoungerThan` is given; and every commit at least that recent, depth 0.
 * A walk stops at a commit already reached (ostree_repo_traverse_commit_union). Missing
 * objects end a walk silently (partial commits, parent repositories).
 */
export async function pruneRepo(repo: Repo, options: PruneOptions = {}): Promise<PruneResult> {
  if (!options.dryRun) await pruneSummaryCache(repo);
  const depth = options.depth ?? -1;
  const objects: Array<{ checksum: string; type: ObjectType; path: string }> = [];
  for await (const o of repo.listObjects()) {
    if (o.type === ObjectType.Commit || (!options.commitOnly && (o.type === ObjectType.File || o.type === ObjectType.DirTree || o.type === ObjectType.DirMeta))) objects.push(o);
  }
  const refs = await listRefs(repo, { mirrors: true });

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
  const walkCommit = async (start: string, maxDepth: number): Promise<void> => {
    let checksum: string | null = start;
    let remaining = maxDepth;
    while (checksum !== null && !reachable.has(key(checksum, ObjectType.Commit))) {
      const bytes = await repo.readOptionalObjectBytes(checksum, ObjectType.Commit);
      if (!bytes) return;
      reachable.add(key(checksum, ObjectType.Commit));
      const commit = decodeCommit(bytes);
      if (!options.commitOnly) await walkTree(commit.rootTree, commit.rootMeta);
      if (remaining === 0 || remaining < -1) return;
      if (remaining > 0) remaining--;
      checksum = commit.parent;
    }
  };

  if (options.retainBranchDepth === undefined && options.keepYoungerThan === undefined && options.onlyBranches === undefined) {
    if (options.refsOnly) for (const ref of refs) await walkCommit(ref.checksum, depth);
    else for (const o of objects) if (o.type === ObjectType.Commit) await walkCommit(o.checksum, depth);
  } else {
    const retain = new Map<string, number>();
    for (const [ref, d] of options.retainBranchDepth ?? []) retain.set(ref, d);
    if (options.onlyBranches !== undefined) {
      for (const ref of options.onlyBranches) await resolveRev(repo, ref);
      const only = new Set(options.onlyBranches);
      for (const ref of refs) if (!only.has(ref.name) && !retain.has(ref.name)) retain.set(ref.name, -1);
    }
    for (const ref of refs) {
      const retained = retain.get(ref.name);
      await walkCommit(ref.checksum, retained !== undefined && retained !== 0 ? retained : options.keepYoungerThan !== undefined ? 0 : depth);
    }
    if (options.keepYoungerThan !== undefined) {
      for (const o of objects) {
        if (o.type !== ObjectType.Commit) continue;
        const commit = decodeCommit(await repo.readObjectBytes(o.checksum, ObjectType.Commit));
        // As ostree's C comparison: the guint64 timestamp against the date as unsigned (a
        // commit dated before 1970 is stored as a huge guint64, so it always counts as young).
        if (commit.timestamp >= BigInt.asUintN(64, BigInt(options.keepYoungerThan))) await walkCommit(o.checksum, 0);
      }
    }
  }

  let freedBytes = 0;
  let deleted = 0;
  for (const o of objects) {
    if (reachable.has(key(o.checksum, o.type))) continue;
    let size: number;
    try {
      size = (await lstat(o.path)).size;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue;
      throw error;
    }
    freedBytes += size;
    deleted++;
    if (options.dryRun) continue;
    if (o.type === ObjectType.Commit) await deleteCommitObject(repo, o.checksum);
    else await unlink(o.path).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
  }
  return { total: objects.length, deleted, freedBytes };
}

/**
 * One `--retain-branch-depth=BRANCH=DEPTH`, read as ostree does: DEPTH through g_ascii_strtoll
 * (leading digits, trailing junk ignored) narrowed to a C int; no digits at all is an error.
 */
export function parseRetainBranchDepth(text: string): [string, number] {
  const eq = text.indexOf('=');
  if (eq < 0) throw new AtollError('OSTREE_PRUNE_BAD_OPTIONS', `Invalid value ${text}, must specify BRANCH=DEPTH`, { data: { value: text } });
  const depthText = text.slice(eq + 1);
  const match = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(depthText);
  if (!match) throw new AtollError('OSTREE_PRUNE_BAD_OPTIONS', `Invalid depth ${depthText}`, { data: { value: text } });
  let value = BigInt(match[1]!);
  const max = (1n << 63n) - 1n;
  if (value > max) value = max;
  if (value < -max - 1n) value = -max - 1n;
  return [text.slice(0, eq), Number(BigInt.asIntN(32, value))];
}

/**
 * `prune --delete-commit` (ot-builtin-prune.c delete_commit): refused while a ref (local or
 * remote) or a collection ref points at the commit; otherwise tombstones are switched on
 * (`core.tombstone-commits=true`) and the commit is deleted, leaving its tombstone.
 */
export async function deleteCommit(repo: Repo, checksum: string): Promise<void> {
  // Before the config changes: see deleteCommitObject.
  assertChecksum(checksum, 'commit checksum');
  for (const ref of await listRefs(repo)) {
    if (ref.checksum === checksum) throw new AtollError('OSTREE_COMMIT_REFERENCED', `Commit '${checksum}' is referenced by '${ref.name}'`, { data: { checksum, ref: ref.name } });
  }
  for (const ref of await listCollectionRefs(repo, { remotes: false })) {
    if (ref.checksum === checksum) throw new AtollError('OSTREE_COMMIT_REFERENCED', `Commit '${checksum}' is referenced by (${ref.collectionId}, ${ref.ref})`, { data: { checksum, ref: ref.ref, collectionId: ref.collectionId } });
  }
  await enableTombstoneCommits(repo);
  await deleteCommitObject(repo, checksum);
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
export async function pruneCommits(repo: Repo, commits: readonly string[], options: { depth?: number; partials?: boolean } = {}): Promise<{ deleted: number; freedBytes: number }> {
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
  if (doomed.length === 0) return { deleted: 0, freedBytes: 0 };
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
  let freedBytes = 0;
  const remove = (checksum: string, type: ObjectType): void => {
    try {
      const path = repo.objectPath(checksum, type);
      const size = lstatSync(path).size;
      unlinkSync(path);
      deleted++;
      freedBytes += size;
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
  return { deleted, freedBytes };
}
