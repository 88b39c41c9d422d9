import { chmodSync, chownSync, constants, copyFileSync, lstatSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { isErrno } from '../../errors/index.js';
import { readXattrsSync, writeXattrsSync } from '../../ostree/repo/index.js';

/**
 * Trees built from hardlink checkouts share inodes with repository objects (the system repo's
 * base commit, the package cache). Writing through such a file, or changing its owner, mode or
 * xattrs, would silently corrupt the object, so every in-place change goes through a copy-up
 * first, as rpm-ostree breaks hardlinks before relabeling and runs scripts on rofiles-fuse:
 * the file is copied beside itself (owner, mode, xattrs, times kept) and renamed over the
 * link, leaving the object untouched.
 */

/** bare-user's metadata xattr: an object's, never a checked-out file's. */
export const OSTREEMETA_XATTR = 'user.ostreemeta';

let seq = 0;

/** Give `path` its own inode when it shares one (a hardlink). True when it copied. */
export function copyUp(path: string, st?: Stats): boolean {
  let stat = st;
  if (stat === undefined) {
    try {
      stat = lstatSync(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
      throw error;
    }
  }
  if (!stat.isFile() || stat.nlink < 2) return false;
  const temp = join(dirname(path), `.atoll-copyup-${process.pid}-${seq++}`);
  try {
    // No reflink flag: on filesystems that support it a reflink would be just as safe, but
    // plain copy keeps behaviour identical everywhere.
    copyFileSync(path, temp, constants.COPYFILE_EXCL);
    chownSync(temp, stat.uid, stat.gid);
    chmodSync(temp, stat.mode & 0o7777);
    const xattrs = readXattrsSync(path, [OSTREEMETA_XATTR]);
    if (xattrs.length > 0) writeXattrsSync(temp, xattrs);
    utimesSync(temp, stat.atime, stat.mtime);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return true;
}

/** Replace the content of `path` without writing through a shared inode (unlink before write). */
export function writeFileReplacing(path: string, data: string | Uint8Array, mode = 0o644): void {
  rmSync(path, { force: true });
  writeFileSync(path, data, { mode, flag: 'wx' });
  chmodSync(path, mode);
}

/** Copy up every hardlinked regular file below `root` (the fallback when no overlay can protect the objects). */
export function breakHardlinks(root: string): number {
  let copied = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && copyUp(path)) copied++;
    }
  };
  walk(root);
  return copied;
}
