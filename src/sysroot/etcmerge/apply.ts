import { type Stats, lstatSync, mkdirSync, chownSync, chmodSync, rmSync, unlinkSync, copyFileSync, readlinkSync, symlinkSync, readdirSync, lchownSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { type Reporter, info } from '../../report/index.js';
import type { EtcDiff } from './plan.js';

// Synchronous file system calls throughout: /etc holds thousands of small entries and each
// async call costs a thread-pool round trip (futex + epoll wake-ups) larger than the syscall.

/**
 * Replay an /etc diff onto the new deployment's `etc` (ostree-format.md §6.6), in OSTree's
 * order: removals (rm -rf, even where the new defaults changed the path), then modified, then
 * added entries, each copied from the admin's `etc` (local wins; no content merge).
 */
export async function applyEtcMerge(modifiedEtc: string, newEtc: string, diff: EtcDiff, reporter: Reporter): Promise<void> {
  info(reporter, `Copying /etc changes: ${diff.modified.length} modified, ${diff.removed.length} removed, ${diff.added.length} added`);
  for (const path of diff.removed) rmSync(join(newEtc, path), { recursive: true, force: true });
  const owner = currentOwner();
  for (const path of diff.modified) copyModifiedConfigFile(modifiedEtc, newEtc, path, reporter, owner);
  for (const path of diff.added) copyModifiedConfigFile(modifiedEtc, newEtc, path, reporter, owner);
  return Promise.resolve();
}

interface Owner {
  uid: number | undefined;
  gid: number | undefined;
}

function currentOwner(): Owner {
  return { uid: process.getuid?.(), gid: process.getgid?.() };
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** `ensure_directory_from_template`: create missing parents with the admin's owner and mode. */
function ensureParent(modifiedEtc: string, newEtc: string, rel: string): void {
  if (rel === '.' || rel === '') return;
  ensureParent(modifiedEtc, newEtc, dirname(rel));
  const target = join(newEtc, rel);
  const existing = lstatOrUndefined(target);
  if (existing?.isDirectory()) return;
  if (existing) unlinkSync(target); // a file where the admin has a directory: theirs wins
  const template = lstatSync(join(modifiedEtc, rel));
  mkdirSync(target, { mode: 0o700 });
  chownSync(target, template.uid, template.gid);
  chmodSync(target, template.mode & 0o7777);
}

/** `copy_modified_config_file` of ostree-sysroot-deploy.c. */
function copyModifiedConfigFile(modifiedEtc: string, newEtc: string, path: string, reporter: Reporter, owner: Owner): void {
  const src = join(modifiedEtc, path);
  const dest = join(newEtc, path);
  const srcStat = lstatSync(src);
  ensureParent(modifiedEtc, newEtc, dirname(path));
  const destStat = lstatOrUndefined(dest);
  if (destStat) {
    if (destStat.isDirectory()) {
      if (!srcStat.isDirectory()) {
        throw new AtollError('SYSROOT_ETC_MERGE_CONFLICT', `Modified config file newly defaults to directory '${path}', cannot merge`, {
          hint: 'move the local file out of /etc of the merge deployment, or remove it, and deploy again',
        });
      }
      return; // both directories: the children are handled one by one
    }
    unlinkSync(dest);
  }
  if (srcStat.isDirectory()) copyDirRecurseSync(src, dest, reporter);
  else if (srcStat.isSymbolicLink() || srcStat.isFile()) copyOneSync(src, dest, srcStat, owner);
  else info(reporter, `Ignoring non-regular/non-symlink file found during /etc merge: ${path}`);
}

/** Copy one regular file or symlink with owner and mode (xattrs are not carried, as without SELinux). */
export async function copyOne(src: string, dest: string): Promise<void> {
  copyOneSync(src, dest, lstatSync(src), currentOwner());
  return Promise.resolve();
}

function copyOneSync(src: string, dest: string, st: Stats, owner: Owner): void {
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dest);
    lchownSync(dest, st.uid, st.gid);
    return;
  }
  copyFileSync(src, dest); // libuv's copyfile already gives dest the source's mode
  if (st.uid !== owner.uid || st.gid !== owner.gid) {
    chownSync(dest, st.uid, st.gid);
    chmodSync(dest, st.mode & 0o7777); // chown clears setuid/setgid: restore them
  }
}

/**
 * `copy_dir_recurse`: a real copy (never hardlinks: admins edit /etc in place, and a link
 * would edit the repo's object), keeping owners and modes, in one synchronous walk.
 */
export async function copyDirRecurse(src: string, dest: string, reporter: Reporter): Promise<void> {
  copyDirRecurseSync(src, dest, reporter);
  return Promise.resolve();
}

function copyDirRecurseSync(src: string, dest: string, reporter: Reporter): void {
  const owner = currentOwner();
  const walk = (from: string, to: string, st: Stats): void => {
    mkdirSync(to, { mode: 0o700 });
    chownSync(to, st.uid, st.gid);
    chmodSync(to, st.mode & 0o7777);
    for (const name of readdirSync(from).sort()) {
      const kidFrom = join(from, name);
      const kidTo = join(to, name);
      const kid = lstatSync(kidFrom);
      if (kid.isDirectory()) walk(kidFrom, kidTo, kid);
      else if (kid.isFile() || kid.isSymbolicLink()) copyOneSync(kidFrom, kidTo, kid, owner);
      else info(reporter, `Ignoring non-regular/non-symlink file ${kidFrom}`);
    }
  };
  walk(src, dest, lstatSync(src));
}
