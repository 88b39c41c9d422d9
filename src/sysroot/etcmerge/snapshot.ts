import { lstat, readdir, readlink, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { isErrno } from '../../errors/index.js';
import type { EtcNode, EtcSnapshot } from './plan.js';

/** Read a directory tree into an EtcSnapshot (a missing root gives an empty snapshot). */
export async function snapshotTree(root: string): Promise<EtcSnapshot> {
  const out = new Map<string, EtcNode>();
  const walk = async (rel: string): Promise<void> => {
    const dir = rel === '' ? root : join(root, rel);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (rel === '' && isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(root, path);
      const st = await lstat(full);
      const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
      if (st.isDirectory()) {
        out.set(path, { type: 'dir', ...base, content: '' });
        await walk(path);
      } else if (st.isSymbolicLink()) {
        out.set(path, { type: 'symlink', ...base, mode: 0o777, content: await readlink(full) });
      } else if (st.isFile()) {
        out.set(path, { type: 'file', ...base, content: createHash('sha256').update(await readFile(full)).digest('hex') });
      } else {
        out.set(path, { type: 'other', ...base, content: '' });
      }
    }
  };
  await walk('');
  return out;
}
