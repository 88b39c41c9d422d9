import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { AtollError, isAtollError, isErrno } from '../../errors/index.js';
import { phase, nullReporter, type Reporter } from '../../report/index.js';
import { mapLimit } from '../../util/index.js';
import type { Repo } from './repo.js';
import { decodeCommit, decodeDirMeta, decodeDirTree, ObjectType, objectTypeFromExtension, type Commit, type DirTree } from './codec.js';

/** The object kinds fsck walks, by ostree's names (its messages and FsckProblem.type use them). */
type ObjectName = 'file' | 'dirtree' | 'dirmeta' | 'commit';
import { loadContent, hashLoadedContent } from './content.js';
import { listRefs, listCollectionRefs, listRefAliases, type CollectionRefEntry } from './refs.js';
import { deleteCommitObject, enableTombstoneCommits } from './tombstones.js';
import { metadataStrings, metadataString } from '../objects/index.js';

/** One finding: the code says what kind, the message is ostree's line for it. */
export interface FsckProblem {
  code: string;
  message: string;
  checksum: string;
  type: ObjectName;
  /** Commits (not marked partial) whose tree needs the object. */
  commits: string[];
  /** Where the (first) commit needs it, e.g. `/usr/bin/ls`. */
  path?: string;
}

export interface FsckOptions {
  /** `--delete`: delete corrupted objects and mark the commits needing them partial. */
  delete?: boolean;
  /** `-a/--all`: report every corrupted object instead of stopping at the first. */
  all?: boolean;
  /** `--verify-bindings`: every ref's commit must list the ref (and collection) in its bindings. */
  verifyBindings?: boolean;
  /** `--verify-back-refs`: every ref a commit binds must exist (implies verifyBindings). */
  verifyBackRefs?: boolean;
  /** The collection-id of each remote (`remote "X"` collection-id), for remote collection refs. */
  remoteCollectionIds?: ReadonlyMap<string, string>;
  /**
   * `--add-tombstones`: every commit whose parent is missing is deleted and leaves a tombstone
   * (tombstones switched on in the config first), as ostree's fsck does after verifying.
   */
  addTombstones?: boolean;
}

export interface FsckReport {
  /** Commits verified (the ones not marked partial). */
  commits: number;
  /** Reachable objects verified. */
  objects: number;
  /** ostree's stderr lines for non-fatal findings, in order. */
  messages: string[];
  problems: FsckProblem[];
  /** Commits marked partial before this run (not verified). */
  partialCommits: string[];
  /** Of those, the ones fsck itself marked partial (state file holds `f`). */
  fsckPartialCommits: string[];
  /** Commits this run marked partial. */
  markedPartial: string[];
  /** `addTombstones`: the commits replaced by a tombstone ("Adding tombstone for commit X"). */
  tombstones: string[];
  /** The error `ostree fsck` exits with (undefined: the repository is fine). */
  error?: AtollError;
}

type Key = `${string}.${ObjectName}`;

/**
 * `ostree fsck`: validate every ref (its commit must exist; with verifyBindings its commit
 * must be bound to it), then every object reachable from each commit not marked partial is
 * re-hashed (content objects over their uncompressed header + data) and metadata objects are
 * decoded and validated. A corrupted object is fatal unless `all` or `delete` is given; a
 * missing or deleted one marks the commits needing it partial (reason `f`, as ostree), and
 * later runs fail while such commits remain. Messages and the final error use ostree's
 * wording, which its test suite greps.
 */
export async function fsckRepo(repo: Repo, reporter: Reporter = nullReporter, options: FsckOptions = {}): Promise<FsckReport> {
  const report: FsckReport = { commits: 0, objects: 0, messages: [], problems: [], partialCommits: [], fsckPartialCommits: [], markedPartial: [], tombstones: [] };
  const verifyBindings = options.verifyBindings === true || options.verifyBackRefs === true;
  try {
    await fsckInner(repo, reporter, options, verifyBindings, report);
  } catch (error) {
    if (!isAtollError(error)) throw error;
    report.error = error;
  }
  return report;
}

async function fsckInner(repo: Repo, reporter: Reporter, options: FsckOptions, verifyBindings: boolean, report: FsckReport): Promise<void> {
  const loadRefCommit = async (checksum: string, label: string): Promise<Commit | undefined> => {
    if (!(await repo.hasObject(checksum, ObjectType.Commit))) {
      report.messages.push(`Object missing: ${checksum}.commit`);
      throw new AtollError('OSTREE_FSCK_MISSING_OBJECT', `Loading commit for ref ${label}: No such metadata object ${checksum}.commit`);
    }
    try {
      return decodeCommit(await repo.readObjectBytes(checksum, ObjectType.Commit));
    } catch (error) {
      if (!isAtollError(error)) throw error;
      return undefined; // corrupt: reported with its checksum below
    }
  };
  const checkBindings = (checksum: string, commit: Commit | undefined, collectionId: string | undefined, ref: string): void => {
    if (!verifyBindings || commit === undefined) return;
    const why = bindingError(commit, collectionId, ref);
    if (why !== undefined) throw new AtollError('OSTREE_FSCK_BINDING', `Commit ${checksum}: ${why}`);
  };

  // "Validating refs...": heads and remote refs. Aliases are bound through their target.
  const aliases = new Set((await listRefAliases(repo)).map((a) => a.alias));
  for (const entry of await listRefs(repo)) {
    const commit = await loadRefCommit(entry.checksum, entry.name);
    if (entry.remote === undefined && aliases.has(entry.ref)) continue;
    const collectionId = entry.remote === undefined ? undefined : options.remoteCollectionIds?.get(entry.remote);
    checkBindings(entry.checksum, commit, collectionId, entry.ref);
  }
  // "Validating refs in collections...".
  const collectionRefs = await listCollectionRefs(repo, { remoteCollectionIds: options.remoteCollectionIds });
  for (const entry of collectionRefs) {
    const commit = await loadRefCommit(entry.checksum, `(${entry.collectionId}, ${entry.ref})`);
    if (entry.kind === 'head' && aliases.has(entry.ref)) continue;
    checkBindings(entry.checksum, commit, entry.collectionId, entry.ref);
  }

  // "Enumerating commits...".
  const commits: string[] = [];
  for await (const o of repo.listObjects()) if (o.type === ObjectType.Commit) commits.push(o.checksum);
  commits.sort();
  const verified: string[] = [];
  for (const checksum of commits) {
    const partial = await repo.commitPartialReason(checksum);
    if (partial === undefined) verified.push(checksum);
    else {
      report.partialCommits.push(checksum);
      if (partial === 'f') report.fsckPartialCommits.push(checksum);
    }
  }
  report.commits = verified.length;

  if (options.verifyBackRefs) await verifyBackRefs(repo, verified, collectionRefs);

  // Reachable objects, each with the commits needing it (ostree walks each commit alone).
  const parents = new Map<Key, Set<string>>();
  const order: Array<{ checksum: string; type: ObjectName; path: string }> = [];
  const add = (checksum: string, type: ObjectName, commit: string, path = '/'): boolean => {
    const key: Key = `${checksum}.${type}`;
    let set = parents.get(key);
    const fresh = set === undefined;
    if (!set) {
      set = new Set();
      parents.set(key, set);
      order.push({ checksum, type, path });
    }
    set.add(commit);
    return fresh;
  };
  const trees = new Map<string, DirTree | null>();
  const loadTree = async (checksum: string): Promise<DirTree | null> => {
    if (trees.has(checksum)) return trees.get(checksum)!;
    let tree: DirTree | null = null;
    try {
      tree = decodeDirTree(await repo.readObjectBytes(checksum, ObjectType.DirTree));
    } catch (error) {
      if (!isAtollError(error)) throw error;
    }
    trees.set(checksum, tree);
    return tree;
  };
  const commitObjects = new Map<string, Commit | null>();
  for (const checksum of verified) {
    add(checksum, 'commit', checksum);
    let commit: Commit | null = null;
    try {
      commit = decodeCommit(await repo.readObjectBytes(checksum, ObjectType.Commit));
    } catch (error) {
      if (!isAtollError(error)) throw error;
    }
    commitObjects.set(checksum, commit);
    if (commit === null) continue;
    const seen = new Set<string>();
    const walk = async (tree: string, meta: string, path: string): Promise<void> => {
      add(meta, 'dirmeta', checksum, path);
      add(tree, 'dirtree', checksum, path);
      if (seen.has(tree)) return;
      seen.add(tree);
      const dirtree = await loadTree(tree);
      if (!dirtree) return;
      const child = (name: string): string => (path === '/' ? `/${name}` : `${path}/${name}`);
      for (const f of dirtree.files) add(f.checksum, 'file', checksum, child(f.name));
      for (const d of dirtree.dirs) await walk(d.treeChecksum, d.metaChecksum, child(d.name));
    };
    await walk(commit.rootTree, commit.rootMeta, '/');
  }
  report.objects = order.length;

  // "Verifying content integrity of N commit objects...": commits first, then the rest.
  const results = new Array<AtollError | 'missing' | undefined>(order.length);
  await phase(reporter, 'fsck objects', async (tick) => {
    let done = 0;
    await mapLimit(order.map((o, i) => ({ ...o, i })), 4, async ({ checksum, type, i }) => {
      results[i] = await fsckObject(repo, checksum, type);
      tick(++done);
    });
  }, { total: order.length, unit: 'items' });

  let corrupted = false;
  const toMark = new Set<string>();
  for (let i = 0; i < order.length; i++) {
    const result = results[i];
    if (result === undefined) continue;
    const { checksum, type, path } = order[i]!;
    const needing = [...(parents.get(`${checksum}.${type}`) ?? [])];
    const inCommits = type === 'commit' ? '' : `In commits ${needing.join(', ')}: `;
    let missing = false;
    if (result === 'missing') {
      report.messages.push(type === 'commit' ? `Object missing: ${checksum}.${type}` : `Object missing in commits ${needing.join(', ')}: ${checksum}.${type}`);
      report.problems.push({ code: 'OSTREE_FSCK_MISSING_OBJECT', message: `Object missing: ${checksum}.${type} (needed by ${path} in commit ${needing[0] ?? checksum})`, checksum, type, commits: needing, path });
      missing = true;
    } else {
      const message = `${inCommits}${result.message}`;
      report.problems.push({ code: result.code, message, checksum, type, commits: needing, path });
      if (options.delete) {
        report.messages.push(message);
        await unlink(repo.objectPath(checksum, objectTypeFromExtension(type))).catch((error: unknown) => {
          if (!isErrno(error, 'ENOENT')) throw error;
        });
        missing = true;
      } else if (options.all) {
        report.messages.push(message);
        corrupted = true;
      } else {
        throw new AtollError(result.code, message);
      }
    }
    if (missing) {
      corrupted = true;
      if (type !== 'commit') for (const c of needing) toMark.add(c);
    }
  }
  for (const c of [...toMark].sort()) {
    report.messages.push(`Marking commit as partial: ${c}`);
    await repo.markCommitPartial(c, true, 'f');
    report.markedPartial.push(c);
  }
  if (corrupted) throw new AtollError('OSTREE_FSCK_FAILED', 'Repository corruption encountered');
  if (options.addTombstones) {
    const orphans: string[] = [];
    for (const checksum of commits) {
      let parent: string | null = null;
      try {
        parent = decodeCommit(await repo.readObjectBytes(checksum, ObjectType.Commit)).parent;
      } catch (error) {
        if (!isAtollError(error)) throw error;
      }
      if (parent !== null && !(await repo.hasObject(parent, ObjectType.Commit))) orphans.push(checksum);
    }
    if (orphans.length > 0) await enableTombstoneCommits(repo);
    for (const checksum of orphans) {
      report.tombstones.push(checksum);
      await deleteCommitObject(repo, checksum);
    }
  }
  if (report.fsckPartialCommits.length > 0) throw new AtollError('OSTREE_FSCK_FAILED', `${report.fsckPartialCommits.length} partial commits from fsck-detected corruption`);
}

/** Why a commit is not bound to (collectionId, ref), in libostree's words; undefined if it is. */
export function bindingError(commit: Commit, collectionId: string | undefined, ref: string): string | undefined {
  let refs: string[] | undefined;
  try {
    refs = metadataStrings(commit.metadata, 'ostree.ref-binding');
  } catch {
    refs = undefined;
  }
  if (refs === undefined || !refs.includes(ref)) {
    const shown = refs && refs.length > 0 ? refs.map((r) => `‘${r}’`).join(', ') : 'no refs';
    return `Commit has no requested ref ‘${ref}’ in ref binding metadata (${shown})`;
  }
  if (collectionId !== undefined) {
    let bound: string | undefined;
    try {
      bound = metadataString(commit.metadata, 'ostree.collection-binding');
    } catch {
      bound = undefined;
    }
    if (bound === undefined) return 'Expected commit metadata to have collection ID binding information, found none';
    if (bound !== collectionId) {
      return `Commit has collection ID ‘${bound}’ in collection binding metadata, while the remote it came from has collection ID ‘${collectionId}’`;
    }
  }
  return undefined;
}

/** `--verify-back-refs`: each ref a commit is bound to must exist (as a collection ref when bound to a collection). */
async function verifyBackRefs(repo: Repo, commits: string[], collectionRefs: CollectionRefEntry[]): Promise<void> {
  const heads = new Set((await listRefs(repo, { remotes: false })).map((e) => e.ref));
  const collection = new Set(collectionRefs.map((e) => `${e.collectionId}\0${e.ref}`));
  for (const checksum of commits) {
    let commit: Commit;
    try {
      commit = decodeCommit(await repo.readObjectBytes(checksum, ObjectType.Commit));
    } catch (error) {
      if (!isAtollError(error)) throw error;
      continue;
    }
    let refs: string[] = [];
    let collectionId: string | undefined;
    try {
      refs = metadataStrings(commit.metadata, 'ostree.ref-binding') ?? [];
      collectionId = metadataString(commit.metadata, 'ostree.collection-binding');
    } catch {
      continue;
    }
    for (const ref of refs) {
      if (collectionId !== undefined) {
        if (!collection.has(`${collectionId}\0${ref}`)) {
          throw new AtollError('OSTREE_FSCK_BINDING', `Collection–ref (${collectionId}, ${ref}) in bindings for commit ${checksum} does not exist`);
        }
      } else if (!heads.has(ref)) {
        throw new AtollError('OSTREE_FSCK_BINDING', `Ref ‘${ref}’ in bindings for commit ${checksum} does not exist`);
      }
    }
  }
}

/** undefined when the object is fine, 'missing', or the corruption (ostree's message). */
async function fsckObject(repo: Repo, checksum: string, type: ObjectName): Promise<AtollError | 'missing' | undefined> {
  if (!(await repo.hasObject(checksum, objectTypeFromExtension(type)))) return 'missing';
  try {
    if (type === 'file') await verifyContent(repo, checksum);
    else {
      const bytes = await repo.readObjectBytes(checksum, objectTypeFromExtension(type));
      const actual = createHash('sha256').update(bytes).digest('hex');
      const name = `${checksum}.${type}`;
      if (actual !== checksum) {
        return new AtollError('OSTREE_FSCK_CHECKSUM_MISMATCH', `fsck ${name}: Corrupted ${type} object; checksum expected='${checksum}' actual='${actual}'`);
      }
      try {
        if (type === 'commit') decodeCommit(bytes);
        else if (type === 'dirtree') decodeDirTree(bytes);
        else if (type === 'dirmeta') decodeDirMeta(bytes);
      } catch (error) {
        if (!isAtollError(error)) throw error;
        return new AtollError(error.code, `fsck ${name}: ${name}: ${error.message}`);
      }
    }
  } catch (error) {
    if (isAtollError(error) && error.code === 'OSTREE_OBJECT_MISSING') return 'missing';
    if (!isAtollError(error)) throw error;
    return error;
  }
  return undefined;
}

async function verifyContent(repo: Repo, checksum: string): Promise<void> {
  const prefix = `fsck content object ${checksum}: `;
  let content;
  try {
    content = await loadContent(repo, checksum);
  } catch (error) {
    if (isAtollError(error)) {
      if (error.code === 'OSTREE_OBJECT_MISSING') throw error;
      // The codec's own words (e.g. libostree's "File header size N exceeds size M").
      let inner: Error = error;
      while (inner.cause instanceof Error) inner = inner.cause;
      throw new AtollError('OSTREE_FSCK_CORRUPT_OBJECT', `${prefix}${inner.message}`);
    }
    throw error;
  }
  let actual: string;
  try {
    actual = await hashLoadedContent(checksum, content);
  } catch (error) {
    if (isAtollError(error)) throw new AtollError('OSTREE_FSCK_CORRUPT_OBJECT', `${prefix}Corrupted file object ${checksum}: ${error.message}`);
    throw error;
  }
  if (actual !== checksum) {
    throw new AtollError('OSTREE_FSCK_CHECKSUM_MISMATCH', `${prefix}Corrupted file object; checksum expected='${checksum}' actual='${actual}'`);
  }
}
