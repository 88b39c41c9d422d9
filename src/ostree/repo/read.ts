import { hash } from 'node:crypto';
import { openSync, readSync, closeSync } from 'node:fs';
import { AtollError, isErrno } from '../../errors/index.js';
import type { Repo } from './repo.js';
import { ObjectType, objectExtension, decodeCommit, decodeDirMeta, decodeDirTree, decodeCommitMeta, type Commit, type DirMeta, type DirTree, type VarDict } from './codec.js';
import { isValidChecksum, parseRefspec } from './ref-name.js';
import { readRef, listRefs } from './refs.js';

/**
 * Reading metadata objects by checksum, with their hash verified (a flipped byte is caught
 * here, not only by fsck), and resolving revisions the way ostree_repo_resolve_rev does.
 */
async function readVerified(repo: Repo, checksum: string, type: ObjectType.Commit | ObjectType.DirTree | ObjectType.DirMeta): Promise<Buffer> {
  const bytes = await repo.readObjectBytes(checksum, type);
  verify(bytes, checksum, type);
  return bytes;
}

function verify(bytes: Uint8Array, checksum: string, type: ObjectType): void {
  const actual = hash('sha256', bytes, 'hex');
  if (actual !== checksum) {
    const name = objectExtension(type);
    throw new AtollError('OSTREE_OBJECT_CORRUPT', `corrupted ${name} object ${checksum}; actual checksum is ${actual}`, { data: { checksum, type: name, actual } });
  }
}

// Scratch space for loadDirTreeSync: the decoded tree holds only strings, never a view of
// the bytes, so one buffer serves every read (no allocation, no fstat per directory).
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * loadDirTree for tight loops (checkout walks ~10,000 dirtrees): one open/read/close, the hash
 * verified and the tree decoded before the next call reuses the buffer.
 */
export function loadDirTreeSync(repo: Repo, checksum: string): DirTree {
  const path = `${repo.path}/objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.dirtree`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new AtollError('OSTREE_OBJECT_MISSING', `no such dirtree object ${checksum}`, { data: { checksum, type: 'dirtree' } });
    throw error;
  }
  let size = 0;
  try {
    for (;;) {
      if (size === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, size);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, size, scratch.length - size, null);
      if (n === 0) break;
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  const bytes = scratch.subarray(0, size);
  verify(bytes, checksum, ObjectType.DirTree);
  return decodeDirTree(bytes);
}

export async function loadCommit(repo: Repo, checksum: string): Promise<Commit> {
  return decodeCommit(await readVerified(repo, checksum, ObjectType.Commit));
}

export async function loadDirTree(repo: Repo, checksum: string): Promise<DirTree> {
  return decodeDirTree(await readVerified(repo, checksum, ObjectType.DirTree));
}

export async function loadDirMeta(repo: Repo, checksum: string): Promise<DirMeta> {
  return decodeDirMeta(await readVerified(repo, checksum, ObjectType.DirMeta));
}

export async function loadDetachedMetadata(repo: Repo, checksum: string): Promise<VarDict | undefined> {
  const bytes = await repo.readOptionalObjectBytes(checksum, ObjectType.CommitMeta);
  return bytes === undefined ? undefined : decodeCommitMeta(bytes);
}

/**
 * ref, `remote:ref`, `ref^` (parent, repeatable), a full checksum, or a unique checksum
 * prefix of a commit object. Throws OSTREE_REV_NOT_FOUND like "Refspec 'x' not found".
 */
export async function resolveRev(repo: Repo, rev: string): Promise<string> {
  if (rev.endsWith('^')) {
    const child = await resolveRev(repo, rev.slice(0, -1));
    const commit = await loadCommit(repo, child);
    if (commit.parent === null) throw new AtollError('OSTREE_REV_NO_PARENT', `commit ${child} has no parent`);
    return commit.parent;
  }
  if (isValidChecksum(rev)) return rev;
  if (/^[0-9a-f]{4,63}$/.test(rev)) {
    const matches: string[] = [];
    for await (const o of repo.listObjects()) if (o.type === ObjectType.Commit && o.checksum.startsWith(rev)) matches.push(o.checksum);
    if (matches.length === 1) return matches[0] as string;
    if (matches.length > 1) throw new AtollError('OSTREE_REV_AMBIGUOUS', `checksum prefix '${rev}' is ambiguous`, { data: { matches } });
  }
  let spec;
  try {
    spec = parseRefspec(rev);
  } catch {
    throw new AtollError('OSTREE_REV_NOT_FOUND', `Refspec '${rev}' not found`);
  }
  if (spec.remote !== undefined) {
    const found = await readRef(repo, spec.ref, spec.remote);
    if (found) return found;
  } else {
    const head = await readRef(repo, spec.ref);
    if (head) return head;
    // `remote/ref` names a remote ref too, as in ostree.
    const slash = spec.ref.indexOf('/');
    if (slash > 0) {
      const remote = await readRef(repo, spec.ref.slice(slash + 1), spec.ref.slice(0, slash)).catch(() => undefined);
      if (remote) return remote;
    }
    const mirror = (await listRefs(repo, { remotes: false, mirrors: true })).find((r) => r.ref === spec.ref && r.name !== r.ref);
    if (mirror) return mirror.checksum;
    // Last, as ostree's find_ref_in_remotes: the ref pulled under any remote (refs/remotes/*/REF).
    const remotes = (await listRefs(repo, { remotes: true })).filter((r) => r.remote !== undefined && r.ref === spec.ref);
    if (remotes.length === 1) return remotes[0]!.checksum;
  }
  throw new AtollError('OSTREE_REV_NOT_FOUND', `Refspec '${rev}' not found`);
}

/** One entry of a commit's tree. */
export type TreeEntry =
  | { kind: 'dir'; name: string; treeChecksum: string; metaChecksum: string }
  | { kind: 'file'; name: string; checksum: string };

/** The entry at `path` (absolute inside the commit, `/` = root). Uses binary search, as ostree. */
export async function resolvePath(repo: Repo, commit: Commit, path: string): Promise<TreeEntry> {
  let entry: TreeEntry = { kind: 'dir', name: '/', treeChecksum: commit.rootTree, metaChecksum: commit.rootMeta };
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (const part of parts) {
    if (entry.kind !== 'dir') throw new AtollError('OSTREE_PATH_NOT_FOUND', `Not a directory: /${parts.join('/')}`);
    const tree = await loadDirTree(repo, entry.treeChecksum);
    const file = binaryFind(tree.files, part);
    if (file) {
      entry = { kind: 'file', name: part, checksum: file.checksum };
      continue;
    }
    const dir = binaryFind(tree.dirs, part);
    if (!dir) throw new AtollError('OSTREE_PATH_NOT_FOUND', `No such file or directory: /${parts.join('/')}`);
    entry = { kind: 'dir', name: part, treeChecksum: dir.treeChecksum, metaChecksum: dir.metaChecksum };
  }
  return entry;
}

function binaryFind<T extends { name: string }>(list: readonly T[], name: string): T | undefined {
  const key = Buffer.from(name);
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const item = list[mid] as T;
    const c = Buffer.compare(Buffer.from(item.name), key);
    if (c === 0) return item;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return undefined;
}
