import { lstat, mkdir, chown, chmod, rm, unlink, copyFile, readlink, symlink, readdir, lchown } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { type Reporter, info } from '../../report/index.js';
import { mapLimit } from '../../util/index.js';
import type { EtcDiff } from './plan.js';

/**
 * Replay an /etc diff onto the new deployment's `etc` (ostree-format.md §6.6), in OSTree's
 * order: removals (rm -rf, even where the new defaults changed the path), then modified, then
 * added entries, each copied from the admin's `etc` (local wins; no content merge).
 */
export async function applyEtcMerge(modifiedEtc: string, newEtc: string, diff: EtcDiff, reporter: Reporter): Promise<void> {
  info(reporter, `Copying /etc changes: ${diff.modified.length} modified, ${diff.removed.length} removed, ${diff.added.length} added`);
  for (const path of diff.removed) await rm(join(newEtc, path), { recursive: true, force: true });
  for (const path of diff.modified) await copyModifiedConfigFile(modifiedEtc, newEtc, path, reporter);
  for (const path of diff.added) await copyModifiedConfigFile(modifiedEtc, newEtc, path, reporter);
}

async function lstatOrUndefined(path: string): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** `ensure_directory_from_template`: create missing parents with the admin's owner and mode. */
async function ensureParent(modifiedEtc: string, newEtc: string, rel: string): Promise<void> {
  if (rel === '.' || rel === '') return;
  await ensureParent(modifiedEtc, newEtc, dirname(rel));
  const target = join(newEtc, rel);
  const existing = await lstatOrUndefined(target);
  if (existing?.isDirectory()) return;
  if (existing) await unlink(target); // a file where the admin has a directory: theirs wins
  const template = await lstat(join(modifiedEtc, rel));
  await mkdir(target, { mode: 0o700 });
  await chown(target, template.uid, template.gid);
  await chmod(target, template.mode & 0o7777);
}

/** `copy_modified_config_file` of ostree-sysroot-deploy.c. */
async function copyModifiedConfigFile(modifiedEtc: string, newEtc: string, path: string, reporter: Reporter): Promise<void> {
  const src = join(modifiedEtc, path);
  const dest = join(newEtc, path);
  const srcStat = await lstat(src);
  await ensureParent(modifiedEtc, newEtc, dirname(path));
  const destStat = await lstatOrUndefined(dest);
  if (destStat) {
    if (destStat.isDirectory()) {
      if (!srcStat.isDirectory()) {
        throw new AtollError('SYSROOT_ETC_MERGE_CONFLICT', `modified config file newly defaults to directory '${path}'`, {
          hint: 'move the local file out of /etc of the merge deployment, or remove it, and deploy again',
        });
      }
      return; // both directories: the children are handled one by one
    }
    await unlink(dest);
  }
  if (srcStat.isDirectory()) await copyDirRecurse(src, dest, reporter);
  else if (srcStat.isSymbolicLink() || srcStat.isFile()) await copyOne(src, dest);
  else info(reporter, `Ignoring non-regular/non-symlink file found during /etc merge: ${path}`);
}

/** Copy one regular file or symlink with owner and mode (xattrs are not carried, as without SELinux). */
export async function copyOne(src: string, dest: string): Promise<void> {
  const st = await lstat(src);
  if (st.isSymbolicLink()) {
    await symlink(await readlink(src), dest);
    await lchown(dest, st.uid, st.gid);
    return;
  }
  await copyFile(src, dest); // libuv's copyfile already gives dest the source's mode
  if (st.uid !== process.getuid?.() || st.gid !== process.getgid?.()) {
    await chown(dest, st.uid, st.gid);
    await chmod(dest, st.mode & 0o7777); // chown clears setuid/setgid: restore them
  }
}

/**
 * `copy_dir_recurse`: a real copy (never hardlinks), keeping owners and modes. Directories
 * are made first (walking the tree), then the files are copied with bounded concurrency: a
 * big /etc has thousands of small files and one-at-a-time copying dominates deploy time.
 */
export async function copyDirRecurse(src: string, dest: string, reporter: Reporter): Promise<void> {
  const files: Array<[string, string]> = [];
  const makeDirs = async (from: string, to: string): Promise<void> => {
    const st = await lstat(from);
    await mkdir(to, { mode: 0o700 });
    await chown(to, st.uid, st.gid);
    await chmod(to, st.mode & 0o7777);
    for (const entry of (await readdir(from, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const kidFrom = join(from, entry.name);
      const kidTo = join(to, entry.name);
      if (entry.isDirectory()) await makeDirs(kidFrom, kidTo);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push([kidFrom, kidTo]);
      else info(reporter, `Ignoring non-regular/non-symlink file ${kidFrom}`);
    }
  };
  await makeDirs(src, dest);
  await mapLimit(files, 16, async ([from, to]) => copyOne(from, to));
}
