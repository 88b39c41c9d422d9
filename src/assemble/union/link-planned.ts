/**
 * The hardlink union's per-file work for bare-user package caches, shared by the main thread
 * and the link worker (union-link-worker.ts): for each (object, target) pair, read the object's
 * stored header (lstat + `user.ostreemeta`) and hardlink it when the object file is exactly the
 * file to check out (union-checkout.ts's rule: owner is ours and the stored one, same mode, a
 * regular file, no other xattrs). Anything else — and any failure — is left to the caller's
 * general path, which redoes it and reports errors as usual.
 */
import { linkSync, lstatSync } from 'node:fs';
import { decodeOwnerModeXattrs, getXattrSync, OSTREEMETA_XATTR, S_IFMT, S_IFREG } from '../../ostree/repo/index.js';

/**
 * `records` are flat (objectPath, target) pairs. Returns four numbers per pair: linked (1) or
 * not (0), then the object's device, inode and stored mode when linked.
 */
export function linkPlanned(records: readonly string[], euid: number, egid: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < records.length; i += 2) {
    const object = records[i] as string;
    try {
      const st = lstatSync(object);
      const bytes = st.isFile() ? getXattrSync(object, OSTREEMETA_XATTR) : null;
      const meta = bytes !== null ? decodeOwnerModeXattrs(bytes, OSTREEMETA_XATTR) : null;
      if (
        meta !== null &&
        (meta.mode & S_IFMT) === S_IFREG &&
        meta.xattrs.length === 0 &&
        meta.uid === euid &&
        meta.gid === egid &&
        st.uid === meta.uid &&
        st.gid === meta.gid &&
        (st.mode & 0o7777) === (meta.mode & 0o7777)
      ) {
        linkSync(object, records[i + 1] as string);
        out.push(1, st.dev, st.ino, meta.mode);
        continue;
      }
    } catch {
      // The general path redoes this one.
    }
    out.push(0, 0, 0, 0);
  }
  return out;
}
