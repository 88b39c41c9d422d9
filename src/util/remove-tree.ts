import { readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../errors/index.js';

/**
 * `rm -rf` for a large scratch tree (a compose's root): the entry types come from readdir, so
 * each file costs one unlink, where fs.rmSync lstats every entry first. Anything unusual
 * (permissions, a concurrent change) falls back to rmSync for that directory.
 */
export function removeTreeSync(path: string): void {
  try {
    removeDir(path);
  } catch {
    rmSync(path, { recursive: true, force: true });
  }
}

function removeDir(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    if (isErrno(error, 'ENOTDIR')) {
      unlinkSync(dir);
      return;
    }
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeDir(path);
    else unlinkSync(path);
  }
  rmdirSync(dir);
}
