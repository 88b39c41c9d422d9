import { lstat, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repo } from '../repo/repo.js';
import { loadCommit, loadDirTree } from '../repo/read.js';
import { readXattrs } from '../repo/xattrs.js';
import { ObjectType, type Xattr } from '../repo/codec.js';

function sameXattrs(a: readonly Xattr[], b: readonly Xattr[]): boolean {
  if (a.length !== b.length) return false;
  const key = (x: Xattr): string => `${x.name}=${Buffer.from(x.value).toString('hex')}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((v, i) => v === right[i]);
}

/**
 * `ostree commit --consume`: after the commit, the input directory is deleted. In bare and
 * bare-user-only repositories a regular file whose inode already looks exactly like the object
 * (owner, mode, xattrs) is adopted instead: moved over the object, so its inode becomes the
 * object (ostree's "adopt"; bare-user stores ownership in an xattr and never adopts). Returns
 * the number of files adopted.
 */
export async function consumeTree(repo: Repo, dir: string, commitChecksum: string, options: { adopt: boolean }): Promise<number> {
  let adopted = 0;
  if (options.adopt && (repo.mode === 'bare' || repo.mode === 'bare-user-only')) {
    const commit = await loadCommit(repo, commitChecksum);
    const walk = async (treeChecksum: string, path: string): Promise<void> => {
      const tree = await loadDirTree(repo, treeChecksum);
      for (const file of tree.files) {
        const input = join(path, file.name);
        const objectPath = repo.objectPath(file.checksum, ObjectType.File);
        const [a, b] = await Promise.all([lstat(input).catch(() => undefined), lstat(objectPath).catch(() => undefined)]);
        if (!a || !b || !a.isFile() || !b.isFile()) continue;
        if (a.ino === b.ino && a.dev === b.dev) continue;
        if (a.dev !== b.dev || a.size !== b.size || a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) continue;
        if (repo.mode === 'bare') {
          const [xa, xb] = await Promise.all([readXattrs(input).catch(() => undefined), readXattrs(objectPath).catch(() => undefined)]);
          if (!xa || !xb || !sameXattrs(xa, xb)) continue;
        }
        await rename(input, objectPath);
        adopted++;
      }
      for (const sub of tree.dirs) await walk(sub.treeChecksum, join(path, sub.name));
    };
    await walk(commit.rootTree, dir);
  }
  await rm(dir, { recursive: true, force: true });
  return adopted;
}
