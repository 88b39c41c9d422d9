import { readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
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

/**
 * removeTreeSync on a worker thread: the caller's thread goes on (e.g. finishing a commit of
 * what was read from the tree) while the kernel work of deleting it runs beside it. Resolves
 * when the tree is gone; never rejects (a worker that cannot start removes it here).
 */
export async function removeTreeInWorker(path: string): Promise<void> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./remove-tree-worker.js', import.meta.url), { workerData: { path } });
  } catch {
    removeTreeSync(path);
    return;
  }
  await new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      if (code !== 0) removeTreeSync(path);
      resolve();
    });
    worker.once('error', () => undefined);
  });
}
