import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { debug, type Reporter } from '../../report/index.js';
import { runProgram } from '../../util/index.js';
import { readXattrsSync, removeXattrSync, writeXattrsSync } from '../../ostree/repo/index.js';
import { breakHardlinks } from '../union/copy-up.js';

/**
 * Scriptlets may write anywhere in the tree, and the tree's files are hardlinks of repository
 * objects (hardlink checkouts of the base commit and of the package cache). rpm-ostree keeps
 * scripts from writing through them with rofiles-fuse; here the kernel's overlayfs does the
 * same copy-up: the scripts run on an overlay whose lower layer is the tree, every write lands
 * in the upper layer, and the upper layer is then moved into the tree by rename (a file that
 * replaces a hardlink replaces the link, never the object). Where no overlay can be mounted
 * (not root, an upper filesystem overlayfs refuses), every hardlink is copied up first.
 */

function stripOverlayXattrs(path: string): void {
  let names: string[];
  try {
    names = readXattrsSync(path).map((x) => x.name);
  } catch {
    return; // symlinks on filesystems without user xattrs on links: nothing overlay put there either
  }
  for (const name of names) if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) removeXattrSync(path, name);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function isOpaque(path: string): boolean {
  try {
    return readXattrsSync(path).some((x) => (x.name === 'trusted.overlay.opaque' || x.name === 'user.overlay.opaque') && Buffer.from(x.value).toString() === 'y');
  } catch {
    return false;
  }
}

/**
 * Apply an overlayfs upper directory to `root`: whiteouts delete, opaque directories drop what
 * the lower layer had, files and symlinks are renamed over whatever was there, directories
 * take the upper layer's owner, mode and xattrs. `upper` must be on `root`'s filesystem.
 */
export function mergeOverlayUpper(upper: string, root: string): number {
  return moveTreeInto(upper, root, { existingDirs: 'take' });
}

/**
 * Move the tree `src` into `root` by renames (both on one filesystem), overlayfs upper-layer
 * semantics included; `existingDirs` says whether a directory `root` already has takes the
 * metadata of `src`'s (an overlay's upper layer: the script changed it) or keeps its own
 * (package files laid over a base).
 */
export function moveTreeInto(src: string, root: string, options: { existingDirs: 'take' | 'keep' }): number {
  const upper = src;
  let moved = 0;
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(upper, rel))) {
      const up = join(upper, rel, name);
      const target = join(root, rel, name);
      const st = lstatSync(up);
      if (st.isCharacterDevice() && st.rdev === 0) {
        rmSync(target, { recursive: true, force: true });
        continue;
      }
      const existing = lstatOrUndefined(target);
      if (st.isDirectory()) {
        if (existing !== undefined && !existing.isDirectory()) rmSync(target, { force: true });
        if (existing === undefined || !existing.isDirectory()) mkdirSync(target, { mode: 0o700 });
        else if (isOpaque(up)) {
          const keep = new Set(readdirSync(up));
          for (const child of readdirSync(target)) if (!keep.has(child)) rmSync(join(target, child), { recursive: true, force: true });
        }
        walk(join(rel, name));
        if (existing?.isDirectory() && options.existingDirs === 'keep') continue;
        chownSync(target, st.uid, st.gid);
        chmodSync(target, st.mode & 0o7777);
        const xattrs = readXattrsSync(up).filter((x) => !x.name.startsWith('trusted.overlay.') && !x.name.startsWith('user.overlay.'));
        if (xattrs.length > 0) writeXattrsSync(target, xattrs);
        continue;
      }
      if (existing?.isDirectory()) rmSync(target, { recursive: true, force: true });
      renameSync(up, target);
      if (options.existingDirs === 'take') stripOverlayXattrs(target);
      moved++;
    }
  };
  walk('');
  return moved;
}

let overlayBroken = false;

/**
 * Run `fn` with a root it may let scriptlets write to without touching `root`'s hardlinked
 * objects; the changes are in `root` once it returns.
 */
export async function withScriptOverlay<T>(root: string, reporter: Reporter | undefined, fn: (sandboxRoot: string) => Promise<T>): Promise<T> {
  // Beside the root: the upper layer must be on the same filesystem for the final renames.
  const scratch = mkdtempSync(join(dirname(root), `.${basename(root)}-scripts-`));
  const upper = join(scratch, 'upper');
  const work = join(scratch, 'work');
  const merged = join(scratch, 'merged');
  try {
    let mounted = false;
    if (!overlayBroken && (process.getuid?.() ?? 1) === 0 && !/[,:\\]/.test(root + scratch)) {
      for (const dir of [upper, work, merged]) mkdirSync(dir);
      const r = await runProgram('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${root},upperdir=${upper},workdir=${work},redirect_dir=off,index=off,metacopy=off`, merged]).catch((error: unknown) => ({ status: -1, stderr: String(error) }));
      mounted = r.status === 0;
      if (!mounted) {
        overlayBroken = true;
        if (reporter) debug(reporter, `no overlay for scriptlets (${r.stderr.trim()}): copying hardlinked files up instead`);
      }
    }
    if (!mounted) {
      breakHardlinks(root);
      return await fn(root);
    }
    let result: T;
    try {
      result = await fn(merged);
    } finally {
      const u = await runProgram('umount', [merged]);
      if (u.status !== 0) await runProgram('umount', ['-l', merged]);
    }
    mergeOverlayUpper(upper, root);
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
