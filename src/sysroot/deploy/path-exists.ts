import { lstat } from 'node:fs/promises';
import { isErrno } from '../../errors/index.js';

/** Whether something (a symlink counts, dangling or not) is at `path`; errors other than ENOENT propagate. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
