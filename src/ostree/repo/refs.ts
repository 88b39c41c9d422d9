import { mkdir, readFile, readdir, readlink, lstat, rmdir, unlink } from 'node:fs/promises';
import { join, dirname, relative, resolve } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic, replaceSymlinkAtomic, tempSibling } from '../../util/index.js';
import { writeFileSync, renameSync, unlinkSync } from 'node:fs';
import type { Repo } from './repo.js';
import { isValidChecksum, isValidRefName, validateRefName, isValidRemoteName } from './ref-name.js';

/**
 * Refs are files holding a checksum and `\n` under refs/heads (local), refs/remotes/<remote>
 * (written by pull) and refs/mirrors/<collection-id>. Writing a ref is the commit point of a
 * transaction, so it is atomic (temp + fsync + rename + fsync dir).
 */
export interface RefEntry {
  /** `ref` for heads, `remote:ref` for remotes, as `ostree refs` prints them. */
  name: string;
  remote: string | undefined;
  ref: string;
  checksum: string;
}

function refPath(repo: Repo, remote: string | undefined, ref: string): string {
  return remote === undefined ? join(repo.path, 'refs', 'heads', ref) : join(repo.path, 'refs', 'remotes', remote, ref);
}

export async function readRefFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
    throw error;
  }
  return parseRefFile(path, text);
}

function parseRefFile(path: string, text: string): string {
  const checksum = text.trimEnd();
  if (!isValidChecksum(checksum)) {
    throw new AtollError('OSTREE_REF_CORRUPT', `ref file ${path} does not hold a checksum`, { data: { path } });
  }
  return checksum;
}

/** The checksum a ref points at, or undefined. */
export async function readRef(repo: Repo, ref: string, remote?: string): Promise<string | undefined> {
  validateRefName(ref);
  if (remote !== undefined && !isValidRemoteName(remote)) throw new AtollError('OSTREE_REF_INVALID', `invalid remote name '${remote}'`);
  return await readRefFile(refPath(repo, remote, ref));
}

/** Point a ref at a commit (or delete it with `undefined`). */
export async function writeRef(repo: Repo, ref: string, checksum: string | undefined, remote?: string): Promise<void> {
  validateRefName(ref);
  if (remote !== undefined && !isValidRemoteName(remote)) throw new AtollError('OSTREE_REF_INVALID', `invalid remote name '${remote}'`);
  // Empty parent directories go up to refs/heads (ostree leaves them; harmless either way).
  const stop = remote === undefined ? join(repo.path, 'refs', 'heads') : join(repo.path, 'refs', 'remotes', remote);
  await setRefFile(refPath(repo, remote, ref), checksum, stop, ['ENOENT'], 'writeRef');
}

/**
 * Point many refs at commits at once (a package-cache import moves hundreds): every new ref
 * file is written under a temp name, one `sync` makes them durable, they are renamed into
 * place, and a second `sync` makes the renames durable: two filesystem syncs instead of two
 * fsyncs per ref, with the same guarantee (a ref file is never seen empty or half-written).
 * `sync` is the caller's filesystem sync (syncfs of the repository's filesystem).
 */
export async function writeRefsBatch(repo: Repo, updates: ReadonlyArray<{ ref: string; checksum: string; remote?: string }>, sync: () => Promise<void>): Promise<void> {
  const staged: Array<[string, string]> = [];
  try {
    for (const { ref, checksum, remote } of updates) {
      validateRefName(ref);
      if (remote !== undefined && !isValidRemoteName(remote)) throw new AtollError('OSTREE_REF_INVALID', `invalid remote name '${remote}'`);
      if (!isValidChecksum(checksum)) throw new TypeError(`writeRefsBatch: not a checksum: ${checksum}`);
      const path = refPath(repo, remote, ref);
      await mkdir(dirname(path), { recursive: true });
      const temp = tempSibling(path);
      writeFileSync(temp, `${checksum}\n`, { flag: 'wx', mode: 0o644 });
      staged.push([temp, path]);
    }
    await sync();
    while (staged.length > 0) {
      const [temp, path] = staged[0]!;
      renameSync(temp, path);
      staged.shift();
    }
  } finally {
    for (const [temp] of staged) {
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
    }
  }
  await sync();
}

/**
 * Write `checksum` into a ref file (atomically), or with `undefined` delete it (missing is fine:
 * the `missing` errnos) and then its parent directories that became empty, up to `stopAt`
 * (excluded).
 */
async function setRefFile(path: string, checksum: string | undefined, stopAt: string, missing: readonly string[], caller: string): Promise<void> {
  if (checksum === undefined) {
    await unlink(path).catch((error: unknown) => {
      if (!isErrno(error, ...missing)) throw error;
    });
    for (let dir = dirname(path); dir.startsWith(stopAt) && dir !== stopAt; dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
    return;
  }
  if (!isValidChecksum(checksum)) throw new TypeError(`${caller}: not a checksum: ${checksum}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${checksum}\n`);
}

/** One entry of a refs directory tree: a ref file, or a symlink (an alias, `ostree refs --alias --create`). */
interface RefTreeEntry {
  /** The ref name relative to the walked directory (`a/b`). */
  name: string;
  path: string;
  symlink: boolean;
}

/**
 * Walk a refs directory (refs/heads, refs/remotes, refs/mirrors) as libostree's
 * enumerate_refs_recurse does, so that listRefs and listRefAliases see the same entries:
 * - names that are not ref fragments are not refs (temp files `.x.tmp-…` of a concurrent
 *   writeRef, an rsync's `.rsync_info`: ostree issue 1285);
 * - directories are walked, regular files and symlinks are refs, anything else (a FIFO, a
 *   socket) is skipped: opening a FIFO would block;
 * - a directory that vanished (a concurrent ref deletion removes emptied parents) is empty;
 *   any other directory error (EACCES) fails the listing, in ostree's words: a ref that cannot
 *   be listed must never look deleted (prune would drop its objects).
 * The entry types come from readdir (d_type), as in ostree: no lstat race.
 */
async function walkRefTree(dir: string, prefix: string, out: RefTreeEntry[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return;
    throw listingError(prefix === '' ? '.' : prefix, 'opendir', error);
  }
  for (const entry of entries) {
    // A fragment is what a remote name is: [A-Za-z0-9_][-._A-Za-z0-9]*.
    if (!isValidRemoteName(entry.name)) continue;
    const path = join(dir, entry.name);
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await walkRefTree(path, name, out);
    else if (entry.isFile() || entry.isSymbolicLink()) out.push({ name, path, symlink: entry.isSymbolicLink() });
  }
}

/** ostree's wording for a refs directory entry it could not open: `Listing refs: openat(a/b): Permission denied`. */
function listingError(name: string, call: string, error: unknown): unknown {
  if (!isErrno(error, 'ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'ELOOP')) return error;
  const reasons: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    ELOOP: 'Too many levels of symbolic links',
  };
  const code = (error as NodeJS.ErrnoException).code!;
  return new AtollError('OSTREE_IO', `Listing refs: ${call}(${name}): ${reasons[code]}`, { cause: error, data: { path: name } });
}

/**
 * The checksum of every ref under `dir`, aliases read through (as `ostree refs` does). A ref
 * file deleted since the walk is gone; an alias whose target is missing, or that leads out of
 * `dir`, is a corrupt repository and fails the listing (ostree fails on the former too).
 */
async function walkRefs(dir: string, prefix: string, out: Array<[string, string]>): Promise<void> {
  const entries: RefTreeEntry[] = [];
  await walkRefTree(dir, prefix, entries);
  for (const entry of entries) {
    let checksum: string | undefined;
    try {
      if (entry.symlink) aliasTarget(dir, entry, await readlink(entry.path));
      // An alias is read through: its target must be there (readFile's ENOENT is only a race for a ref file).
      checksum = entry.symlink ? parseRefFile(entry.path, await readFile(entry.path, 'utf8')) : await readRefFile(entry.path);
    } catch (error) {
      throw listingError(entry.name, 'openat', error);
    }
    if (checksum !== undefined) out.push([entry.name, checksum]);
  }
}

/** The ref an alias points at, relative to the refs directory `root`; a target outside it is refused. */
function aliasTarget(root: string, entry: RefTreeEntry, link: string): string {
  const target = relative(root, resolve(dirname(entry.path), link));
  if (!isValidRefName(target)) {
    throw new AtollError('OSTREE_REF_CORRUPT', `ref alias ${entry.name} points outside the refs directory (${link})`, { data: { path: entry.path, link } });
  }
  return target;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every ref: heads, then remotes (as `remote:ref`), sorted by name (strcmp) as `ostree refs` prints them. */
export async function listRefs(repo: Repo, options: { remotes?: boolean; mirrors?: boolean; strict?: boolean } = {}): Promise<RefEntry[]> {
  const out: RefEntry[] = [];
  if (options.strict) {
    // ostree opens refs/heads and refs/remotes and fails when one is missing (`ostree refs`).
    for (const dir of ['refs/heads', ...(options.remotes !== false ? ['refs/remotes'] : [])]) {
      await readdir(join(repo.path, dir)).catch((error: unknown) => {
        if (isErrno(error, 'ENOENT', 'ENOTDIR')) throw new AtollError('OSTREE_IO', `Listing refs: opendir(${dir}): No such file or directory`);
        throw error;
      });
    }
  }
  const heads: Array<[string, string]> = [];
  await walkRefs(join(repo.path, 'refs', 'heads'), '', heads);
  for (const [ref, checksum] of heads) out.push({ name: ref, remote: undefined, ref, checksum });
  if (options.remotes !== false) {
    const remotes: Array<[string, string]> = [];
    await walkRefs(join(repo.path, 'refs', 'remotes'), '', remotes);
    for (const [path, checksum] of remotes) {
      const slash = path.indexOf('/');
      if (slash < 0) continue;
      const remote = path.slice(0, slash);
      const ref = path.slice(slash + 1);
      out.push({ name: `${remote}:${ref}`, remote, ref, checksum });
    }
  }
  if (options.mirrors) {
    const mirrors: Array<[string, string]> = [];
    await walkRefs(join(repo.path, 'refs', 'mirrors'), '', mirrors);
    for (const [path, checksum] of mirrors) {
      const slash = path.indexOf('/');
      if (slash < 0) continue;
      out.push({ name: path, remote: undefined, ref: path.slice(slash + 1), checksum });
    }
  }
  return out.sort((a, b) => compareBytes(a.name, b.name));
}

/** A ref in a collection: `(collection-id, ref)`, as `ostree refs --collections` prints it. */
export interface CollectionRefEntry {
  collectionId: string;
  ref: string;
  checksum: string;
  /** Where it lives: refs/heads (the repo's own collection), refs/mirrors, or refs/remotes/<remote>. */
  kind: 'head' | 'mirror' | 'remote';
  remote?: string;
}

const COLLECTION_ELEMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** ostree_validate_collection_id: reverse DNS, at least two elements, at most 255 bytes. */
export function isValidCollectionId(id: string): boolean {
  const parts = id.split('.');
  return id.length <= 255 && parts.length >= 2 && parts.every((p) => COLLECTION_ELEMENT.test(p));
}

export function validateCollectionId(id: string): string {
  if (!isValidCollectionId(id)) throw new AtollError('OSTREE_COLLECTION_ID_INVALID', `Invalid collection ID ${id}`);
  return id;
}

/** The collection-id of every remote of the repository config that has one. */
export function remoteCollectionIds(repo: Repo): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of repo.config.groupNames()) {
    const match = /^remote "(.+)"$/.exec(group);
    if (!match) continue;
    const id = repo.config.getStringOr(group, 'collection-id', undefined);
    if (id !== undefined && id !== '') out.set(match[1]!, id);
  }
  return out;
}

/**
 * ostree_repo_list_collection_refs: refs/heads under the repo's core.collection-id, refs/mirrors/<id>/,
 * and the refs of remotes that have a collection-id. Sorted by (collection-id, ref).
 */
export async function listCollectionRefs(repo: Repo, options: { remoteCollectionIds?: ReadonlyMap<string, string>; remotes?: boolean } = {}): Promise<CollectionRefEntry[]> {
  const out: CollectionRefEntry[] = [];
  const own = repo.config.getStringOr('core', 'collection-id', undefined);
  if (own !== undefined && own !== '') {
    for (const e of await listRefs(repo, { remotes: false })) out.push({ collectionId: own, ref: e.ref, checksum: e.checksum, kind: 'head' });
  }
  const mirrors: Array<[string, string]> = [];
  await walkRefs(join(repo.path, 'refs', 'mirrors'), '', mirrors);
  for (const [path, checksum] of mirrors) {
    const slash = path.indexOf('/');
    if (slash < 0) continue;
    out.push({ collectionId: path.slice(0, slash), ref: path.slice(slash + 1), checksum, kind: 'mirror' });
  }
  if (options.remotes !== false) {
    const ids = options.remoteCollectionIds ?? remoteCollectionIds(repo);
    for (const [remote, collectionId] of ids) {
      const refs: Array<[string, string]> = [];
      await walkRefs(join(repo.path, 'refs', 'remotes', remote), '', refs);
      for (const [ref, checksum] of refs) out.push({ collectionId, ref, checksum, kind: 'remote', remote });
    }
  }
  return out.sort((a, b) => compareBytes(a.collectionId, b.collectionId) || compareBytes(a.ref, b.ref));
}

/**
 * Point the collection ref (collectionId, ref) at a commit, or delete it (`undefined`): the repo's
 * own collection-id lives in refs/heads, any other in refs/mirrors/<collection-id>/.
 */
export async function writeCollectionRef(repo: Repo, collectionId: string, ref: string, checksum: string | undefined): Promise<void> {
  validateCollectionId(collectionId);
  validateRefName(ref);
  const own = repo.config.getStringOr('core', 'collection-id', undefined);
  if (collectionId === own) {
    await writeRef(repo, ref, checksum);
    return;
  }
  const base = join(repo.path, 'refs', 'mirrors', collectionId);
  // Empty directories go up to and including refs/mirrors/<collection-id>.
  await setRefFile(join(base, ref), checksum, dirname(base), ['ENOENT', 'ENOTDIR'], 'writeCollectionRef');
}

/** A local ref that is a symlink to another (`ostree refs --alias`). */
export interface RefAlias {
  alias: string;
  target: string;
}

/**
 * Every alias under refs/heads with the ref it points to, as `ostree refs --alias` lists them:
 * the same walk as listRefs, ref files are not opened, and an alias whose target is missing is
 * listed (ostree lists it too). An alias leading out of refs/heads is refused (OSTREE_REF_CORRUPT);
 * ostree would print the link with its leading `../` cut off.
 */
export async function listRefAliases(repo: Repo): Promise<RefAlias[]> {
  const heads = join(repo.path, 'refs', 'heads');
  const entries: RefTreeEntry[] = [];
  await walkRefTree(heads, '', entries);
  const out: RefAlias[] = [];
  for (const entry of entries) {
    if (!entry.symlink) continue;
    let link: string;
    try {
      link = await readlink(entry.path);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'EINVAL')) continue; // replaced since the walk
      throw listingError(entry.name, 'readlinkat', error);
    }
    out.push({ alias: entry.name, target: aliasTarget(heads, entry, link) });
  }
  return out.sort((a, b) => compareBytes(a.alias, b.alias));
}

/**
 * Make the local ref `alias` a symlink to the local ref `target` (replacing an earlier alias),
 * so it follows every update of `target`. ostree's wording for the refusals.
 */
export async function writeRefAlias(repo: Repo, alias: string, target: string): Promise<void> {
  validateRefName(alias);
  validateRefName(target);
  if ((await readRef(repo, target)) === undefined) {
    throw new AtollError('OSTREE_REF_NOT_FOUND', `Cannot create alias to non-existent ref: ${target}`);
  }
  const path = refPath(repo, undefined, alias);
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isSymbolicLink()) throw new AtollError('OSTREE_REF_EXISTS', `Ref '${alias}' already exists and is not an alias`);
  await mkdir(dirname(path), { recursive: true });
  await replaceSymlinkAtomic(relative(dirname(path), refPath(repo, undefined, target)), path);
}

/** Aliases pointing at `ref` (a ref with aliases cannot be deleted). */
export async function aliasesOf(repo: Repo, ref: string): Promise<string[]> {
  return (await listRefAliases(repo)).filter((a) => a.target === ref).map((a) => a.alias);
}
