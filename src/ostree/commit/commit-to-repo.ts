import { AtollError } from '../../errors/index.js';
import { phase, type Reporter } from '../../report/index.js';
import { variant } from '../../gvariant/index.js';
import type { Repo } from '../repo/repo.js';
import { Transaction } from '../repo/transaction.js';
import { readRef } from '../repo/refs.js';
import { validateRefName, parseRefspec } from '../repo/ref-name.js';
import { loadCommit, loadDirTree, loadDirMeta } from '../repo/read.js';
import { loadContent, writeContent } from '../repo/content.js';
import { ObjectType, encodeDirMeta, S_IFMT, S_IFLNK } from '../repo/codec.js';
import { wrapIoError } from '../repo/io-error.js';
import { ContentWorkerPool } from '../repo/content-workers.js';
import type { Variant, VarDict } from '../repo/codec.js';
import { MutableTree } from './mutable-tree.js';
import { commitDirectoryToTree, applyCommitFilter, modifierFilters, type CommitModifier, type CommitDirectoryStats } from './commit-directory.js';
import { writeCommit } from './write-commit.js';
import { glibHashTableOrder } from './glib-hash-order.js';
import { collectObjectSizes } from './object-sizes.js';
import { sizesVariant } from '../objects/index.js';

/**
 * Layers beyond ostree's `--tree=dir=`/`--tree=ref=`, for building a commit as a delta over
 * another (client-side layering): `remove` deletes paths from the tree so far (`filesOnly`:
 * only non-directories, leaving directories alone); `dir` with `keepExistingDirMeta` lays a
 * directory over the tree but keeps the metadata of directories the tree already has.
 */
export type CommitTreeLayer = { remove: string[]; filesOnly?: boolean } | { dir: string; keepExistingDirMeta: true };

function removePath(tree: MutableTree, path: string, filesOnly: boolean): void {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const name = parts.pop();
  if (name === undefined) return;
  let dir: MutableTree | undefined = tree;
  for (const part of parts) {
    dir = dir.dirs.get(part);
    if (dir === undefined) return;
  }
  if (filesOnly) dir.files.delete(name);
  else dir.remove(name);
}

export interface CommitRequest extends CommitModifier {
  /**
   * What to commit, layered in order: directories (ostree's `--tree=dir=`) and existing commits
   * of this repository (`--tree=ref=`, given as `{ commit: checksum }`).
   */
  trees: Array<string | { commit: string; noModifiers?: boolean } | CommitTreeLayer>;
  branch?: string;
  subject?: string;
  body?: string;
  timestamp: number;
  /** Explicit parent; `null` = orphan. Default: the branch's current commit. */
  parent?: string | null;
  /** User metadata in insertion order. */
  metadata?: Array<[string, Variant]>;
  /** Keys copied from the parent commit's metadata (`--keep-metadata`); `metadata` overrides them. */
  keepMetadata?: string[];
  detachedMetadata?: Array<[string, Variant]>;
  /** More refs for `ostree.ref-binding` besides the branch (`--bind-ref`). */
  bindRefs?: string[];
  /** Skip `ostree.ref-binding` (`--no-bindings`). */
  noBindings?: boolean;
  /** Do nothing when the tree equals the parent's (`--skip-if-unchanged`). */
  skipIfUnchanged?: boolean;
  /** Add `ostree.linux` and `ostree.bootable` (`--bootable`). */
  bootable?: boolean;
  /** Add `ostree.sizes` (`--generate-sizes`; archive repositories only, as ostree). */
  generateSizes?: boolean;
  /** Store the metadata keys in GLib hash-table order (metadata built through a GVariantDict, as ostree's summary metadata commit). */
  glibKeyOrder?: boolean;
  /**
   * Called once every tree has been read (and every file copied from it): the caller may
   * delete its directories while the commit writes its metadata and moves objects into place.
   */
  onTreesRead?: () => void;
}

/** The kernel version: the one `usr/lib/modules/<kver>` directory holding `vmlinuz` (spec §4.1). */
/** Layer an existing dirtree (and its subtrees) over `into`: files replace, directories merge. */
async function overlayDirTree(repo: Repo, treeChecksum: string, into: MutableTree, rewrite: TreeRewrite | undefined, path: string): Promise<void> {
  const dirTree = await loadDirTree(repo, treeChecksum);
  const sub = (name: string): string => (path === '/' ? `/${name}` : `${path}/${name}`);
  for (const file of dirTree.files) {
    const checksum = rewrite ? await rewrite.file(sub(file.name), file.checksum) : file.checksum;
    if (checksum === undefined) continue;
    into.dirs.delete(file.name);
    into.setFile(file.name, checksum);
  }
  for (const dir of dirTree.dirs) {
    const meta = rewrite ? await rewrite.dirMeta(sub(dir.name), dir.metaChecksum) : dir.metaChecksum;
    if (meta === undefined) continue;
    into.files.delete(dir.name);
    const child = into.ensureDir(dir.name);
    child.metaChecksum = meta;
    await overlayDirTree(repo, dir.treeChecksum, child, rewrite, sub(dir.name));
  }
}

/**
 * Commit modifiers (`--owner-uid`, `--statoverride`, `--mode-ro-executables`, `--skip-list`, ...)
 * over a `--tree=ref=` tree: as ostree does, each entry goes through the commit filter and is
 * re-written when its owner or mode changed. Undefined = skipped.
 */
interface TreeRewrite {
  file(path: string, checksum: string): Promise<string | undefined>;
  dirMeta(path: string, checksum: string): Promise<string | undefined>;
}

function treeRewrite(repo: Repo, tx: Transaction, modifier: CommitModifier): TreeRewrite | undefined {
  if (!modifierFilters(modifier)) return undefined;
  const files = new Map<string, string>();
  return {
    async file(path, checksum) {
      const content = await loadContent(repo, checksum);
      const info = applyCommitFilter(modifier, path, content.header);
      if (info === undefined) return undefined;
      if (info.uid === content.header.uid && info.gid === content.header.gid && info.mode === content.header.mode) return checksum;
      const key = `${checksum}:${info.uid}:${info.gid}:${info.mode}`;
      const known = files.get(key);
      if (known !== undefined) return known;
      const header = { ...content.header, ...info };
      const isLink = (header.mode & S_IFMT) === S_IFLNK;
      const written = await writeContent(tx, header, isLink ? undefined : { kind: 'bytes', bytes: await content.readData() }, { zlibLevel: modifier.zlibLevel });
      files.set(key, written);
      return written;
    },
    async dirMeta(path, checksum) {
      const meta = await loadDirMeta(repo, checksum);
      const info = applyCommitFilter(modifier, path, meta);
      if (info === undefined) return undefined;
      if (info.uid === meta.uid && info.gid === meta.gid && info.mode === meta.mode) return checksum;
      return await tx.writeMetadata(ObjectType.DirMeta, encodeDirMeta({ ...meta, ...info }));
    },
  };
}

export function findKernelVersion(tree: MutableTree): string {
  const modules = tree.dirs.get('usr')?.dirs.get('lib')?.dirs.get('modules');
  const found = [...(modules?.dirs ?? new Map<string, MutableTree>())].filter(([, dir]) => dir.files.has('vmlinuz')).map(([name]) => name);
  if (found.length === 0) throw new AtollError('OSTREE_COMMIT_NO_KERNEL', 'Failed to find kernel in usr/lib/modules/<kver>/vmlinuz: No such file or directory');
  if (found.length > 1) throw new AtollError('OSTREE_COMMIT_NO_KERNEL', `more than one kernel in usr/lib/modules: ${found.join(', ')}`);
  return found[0] as string;
}

export interface CommitResult {
  checksum: string;
  skipped: boolean;
  stats: CommitDirectoryStats;
  /** Objects new to the repository (ostree's "Metadata Written" / "Content Written"). */
  written?: { metadata: number; content: number };
}

/**
 * `ostree commit`: one transaction that writes every object, then the commit, then the ref.
 * Metadata keys keep their order; `ostree.collection-binding` and `ostree.ref-binding` are
 * appended as the ostree CLI does, so the commit checksum matches `ostree commit`'s.
 */
export async function commitToRepo(repo: Repo, request: CommitRequest, reporter?: Reporter): Promise<CommitResult> {
  // The branch is a refspec: `REMOTE:REF` commits onto a remote ref, as `ostree commit -b` does.
  const branch = request.branch === undefined ? undefined : parseRefspec(request.branch);
  if (branch !== undefined) validateRefName(branch.ref);
  const parent = request.parent === undefined ? (branch ? await readRef(repo, branch.ref, branch.remote) : undefined) : (request.parent ?? undefined);
  const modifier: CommitModifier = {
    ...request,
    canonicalPermissions: request.canonicalPermissions ?? repo.mode === 'bare-user-only',
    zlibLevel: request.zlibLevel ?? Number(repo.config.getStringOr('archive', 'zlib-level', '6')),
  };
  const tx = await Transaction.begin(repo);
  // Archive commits hash and deflate in worker threads (one per core); ATOLL_NO_WORKERS=1 keeps
  // everything on the main thread (zlib's async API still uses the thread pool).
  const workers = repo.mode === 'archive' && process.env.ATOLL_NO_WORKERS !== '1' ? new ContentWorkerPool() : undefined;
  modifier.workers = workers;
  try {
    const tree = new MutableTree();
    const stats: CommitDirectoryStats = { files: 0, bytes: 0, devinoHits: 0 };
    await phase(reporter ?? { emit() {} }, 'commit', async () => {
      for (const dir of request.trees) {
        if (typeof dir !== 'string' && 'remove' in dir) {
          for (const path of dir.remove) removePath(tree, path, Boolean(dir.filesOnly));
          continue;
        }
        if (typeof dir !== 'string' && 'dir' in dir) {
          const s = await commitDirectoryToTree(tx, dir.dir, tree, { ...modifier, keepExistingDirMeta: true }, reporter);
          stats.files += s.files;
          stats.bytes += s.bytes;
          stats.devinoHits += s.devinoHits;
          continue;
        }
        if (typeof dir !== 'string') {
          const commit = await loadCommit(repo, dir.commit);
          // `--base` trees are taken as they are (ostree: "no modifiers apply").
          const rewrite = dir.noModifiers ? undefined : treeRewrite(repo, tx, { ...modifier, canonicalPermissions: request.canonicalPermissions });
          tree.metaChecksum = (rewrite ? await rewrite.dirMeta('/', commit.rootMeta) : undefined) ?? commit.rootMeta;
          await overlayDirTree(repo, commit.rootTree, tree, rewrite, '/');
          continue;
        }
        const s = await commitDirectoryToTree(tx, dir, tree, modifier, reporter);
        stats.files += s.files;
        stats.bytes += s.bytes;
        stats.devinoHits += s.devinoHits;
      }
    });
    request.onTreesRead?.();
    const unmatched = request.statOverride?.unmatched() ?? [];
    if (unmatched.length > 0) {
      throw new AtollError('OSTREE_COMMIT_BAD_STATOVERRIDE', 'Unmatched statoverride paths', { data: { paths: unmatched }, hint: `no such path in the tree: ${unmatched.join(', ')}` });
    }
    const metadata: VarDict = new Map();
    if (request.keepMetadata !== undefined && request.keepMetadata.length > 0) {
      if (parent === undefined || parent === null) throw new AtollError('OSTREE_COMMIT_BAD_METADATA', 'Either --branch or --parent must be specified when using --keep-metadata');
      const parentMetadata = (await loadCommit(repo, parent)).metadata;
      for (const key of request.keepMetadata) {
        const value = parentMetadata.get(key);
        if (value === undefined) throw new AtollError('OSTREE_COMMIT_BAD_METADATA', `Missing metadata key '${key}' from commit '${parent}'`);
        metadata.set(key, value);
      }
    }
    for (const [key, value] of request.metadata ?? []) {
      if (key === '') throw new AtollError('OSTREE_COMMIT_BAD_METADATA', 'commit metadata keys must not be empty');
      metadata.set(key, value);
    }
    if (request.bootable) {
      metadata.set('ostree.linux', variant('s', findKernelVersion(tree)));
      metadata.set('ostree.bootable', variant('b', true));
    }
    const collectionId = repo.config.getStringOr('core', 'collection-id', undefined);
    // `--bind-ref`: more refs the commit may be pulled under; ostree sorts the list. ostree
    // appends the ref binding, then the collection binding (unless the user already set it).
    const bindRefs = [...(branch !== undefined ? [branch.ref] : []), ...(request.bindRefs ?? [])];
    if (bindRefs.length > 0 && !request.noBindings) metadata.set('ostree.ref-binding', variant('as', [...new Set(bindRefs)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))));
    if (collectionId !== undefined && !request.noBindings && !metadata.has('ostree.collection-binding')) metadata.set('ostree.collection-binding', variant('s', collectionId));
    if (request.bootable || request.glibKeyOrder) {
      // ostree 2022.7 builds bootable metadata through a GVariantDict: its stored key order is
      // GHashTable order, which the commit checksum depends on.
      const ordered = new Map<string, Variant>();
      for (const key of glibHashTableOrder([...metadata.keys()])) ordered.set(key, metadata.get(key) as Variant);
      metadata.clear();
      for (const [k, v] of ordered) metadata.set(k, v);
    }
    if (request.skipIfUnchanged && parent !== undefined) {
      const rootTree = await tree.write(tx);
      const parentCommit = await loadCommit(repo, parent);
      if (parentCommit.rootTree === rootTree && parentCommit.rootMeta === tree.metaChecksum) {
        await tx.abort();
        return { checksum: parent, skipped: true, stats };
      }
    }
    if (request.generateSizes && repo.mode === 'archive') {
      // ostree appends the size index after every other key (add_size_index_to_metadata).
      const rootTree = await tree.write(tx);
      metadata.set('ostree.sizes', sizesVariant(await collectObjectSizes(tx, rootTree, tree.metaChecksum as string)));
    }
    const checksum = await writeCommit(tx, tree, {
      subject: request.subject,
      body: request.body,
      timestamp: request.timestamp,
      parent,
      metadata,
      detachedMetadata: request.detachedMetadata ? new Map(request.detachedMetadata) : undefined,
    });
    if (branch !== undefined) tx.setRef(branch.ref, checksum, branch.remote);
    const written = tx.stagedCounts();
    await tx.commit();
    return { checksum, skipped: false, stats, written };
  } catch (error) {
    // tx.abort() keeps the staging dir of an OSTREE_REPO_TEST_ERROR=pre-commit failure.
    await tx.abort().catch(() => undefined);
    throw wrapIoError(error, 'commit');
  } finally {
    await workers?.close();
  }
}
