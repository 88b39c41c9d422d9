import { mkdir, readFile, readdir, lstat, rmdir, unlink } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';
import type { Repo } from './repo.js';
import { isValidChecksum, validateRefName, isValidRemoteName } from './ref-name.js';

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
  const path = refPath(repo, remote, ref);
  if (checksum === undefined) {
    await unlink(path).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
    // Remove now-empty parent directories up to refs/heads (ostree leaves them; harmless either way).
    const stop = remote === undefined ? join(repo.path, 'refs', 'heads') : join(repo.path, 'refs', 'remotes', remote);
    for (let dir = dirname(path); dir.startsWith(stop) && dir !== stop; dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
    return;
  }
  if (!isValidChecksum(checksum)) throw new TypeError(`writeRef: not a checksum: ${checksum}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${checksum}\n`);
}

async function walkRefs(dir: string, prefix: string, out: Array<[string, string]>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return;
    throw error;
  }
  for (const name of names) {
    // Dotfiles are never refs: they are writeFileAtomic temp files of a concurrent ref update.
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    let st;
    try {
      st = await lstat(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue; // deleted while we were listing
      throw error;
    }
    const refName = prefix === '' ? name : `${prefix}/${name}`;
    if (st.isDirectory()) await walkRefs(path, refName, out);
    else {
      const checksum = await readRefFile(path);
      if (checksum !== undefined) out.push([refName, checksum]);
    }
  }
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every ref: heads, then remotes (as `remote:ref`), sorted by name (strcmp) as `ostree refs` prints them. */
export async function listRefs(repo: Repo, options: { remotes?: boolean; mirrors?: boolean } = {}): Promise<RefEntry[]> {
  const out: RefEntry[] = [];
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
