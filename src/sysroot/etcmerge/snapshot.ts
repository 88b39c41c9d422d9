import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../errors/index.js';
import { type EtcDiff, type EtcNode, type EtcSnapshot, diffEtc } from './plan.js';

/**
 * Read a directory tree into an EtcSnapshot (a missing root gives an empty snapshot). Files
 * carry their size as `content`: reading and hashing thousands of config files twice per
 * deploy dominated the merge, and a size difference already decides most of them. Files of
 * equal size are compared byte by byte by `sameFileContent` only when everything else matches.
 * Synchronous on purpose: one lstat per entry without a thread-pool round trip each.
 */
export async function snapshotTree(root: string): Promise<EtcSnapshot> {
  return Promise.resolve(snapshotTreeSync(root));
}

export function snapshotTreeSync(root: string): EtcSnapshot {
  const out = new Map<string, EtcNode>();
  const walk = (rel: string): void => {
    const dir = rel === '' ? root : join(root, rel);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if (rel === '' && isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(root, path);
      const st = lstatSync(full);
      const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
      if (st.isDirectory()) {
        out.set(path, { type: 'dir', ...base, content: '' });
        walk(path);
      } else if (st.isSymbolicLink()) {
        out.set(path, { type: 'symlink', ...base, mode: 0o777, content: readlinkSync(full) });
      } else if (st.isFile()) {
        out.set(path, { type: 'file', ...base, content: `size:${st.size}` });
      } else {
        out.set(path, { type: 'other', ...base, content: '' });
      }
    }
  };
  walk('');
  return out;
}

const scratch = [Buffer.alloc(0), Buffer.alloc(0)] as [Buffer, Buffer];

/** Read a whole file into a reused buffer: open, read, close (no fstat, no fresh allocation). */
function readInto(path: string, slot: 0 | 1, size: number): Buffer {
  if (scratch[slot].length < size + 1) scratch[slot] = Buffer.allocUnsafe(Math.max(size + 1, 64 * 1024));
  const buf = scratch[slot];
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    // one byte more than expected: a file that grew since the lstat reads as different
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got === buf.length) return readFileSync(path);
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Byte comparison of two regular files of (last seen) equal size (the deferred half of the file compare). */
export function sameFileContent(a: string, b: string, size = 0): boolean {
  return readInto(a, 0, size).equals(readInto(b, 1, size));
}

/** `ostree_diff_dirs` of two /etc trees on disk: the merge deployment's `usr/etc` and `etc`. */
export function diffEtcDirs(origRoot: string, modifiedRoot: string): EtcDiff {
  const orig = snapshotTreeSync(origRoot);
  const size = (path: string): number => Number(orig.get(path)?.content.slice('size:'.length) ?? 0);
  return diffEtc(orig, snapshotTreeSync(modifiedRoot), (path) => sameFileContent(join(origRoot, path), join(modifiedRoot, path), size(path)));
}
