import { open, rename, unlink, symlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isErrno } from '../errors/index.js';

/**
 * Durability switch. Tests and throwaway build roots may turn fsync off (as OSTree's
 * `fsync=false` repo option does); everything else keeps it on.
 */
let fsyncEnabled = process.env.ATOLL_NO_FSYNC !== '1';
export function setFsyncEnabled(enabled: boolean): void {
  fsyncEnabled = enabled;
}
export function isFsyncEnabled(): boolean {
  return fsyncEnabled;
}

/** A temporary name in the same directory, so the final rename stays on one filesystem. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
}

/** fsync a directory so a rename or link inside it survives a crash. */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (!fsyncEnabled) return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Write a whole file atomically: temp file in the same directory, write, fsync, rename over
 * the target, fsync the directory. A reader sees the old content or the new, never a mix.
 * `data` may be a list of buffers, written in order (no concatenated copy of a large file).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[],
  options: { mode?: number } = {},
): Promise<void> {
  const temp = tempSibling(path);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      else {
        for (const part of data) {
          for (let done = 0; done < part.length; ) done += (await handle.write(part, done, part.length - done)).bytesWritten;
        }
      }
      if (fsyncEnabled) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

/** Point `path` at `target` atomically (symlink to a temp name, then rename over). */
export async function replaceSymlinkAtomic(target: string, path: string): Promise<void> {
  const temp = tempSibling(path);
  await symlink(target, temp);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

/** Remove a file if present; other errors propagate. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
