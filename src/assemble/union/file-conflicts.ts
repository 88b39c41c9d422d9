import { AtollError } from '../../errors/index.js';
import { formatNevra, RPMFILE, S_IFMT, S_IFDIR, S_IFLNK, S_IFREG, type RpmFile, type RpmHeaderPackage } from '../../rpm/index.js';
import { translatePath } from '../import/index.js';

/**
 * File conflicts between the packages of one transaction, decided as rpm decides them
 * (rpmfilesCompare, lib/rpmfi.c) on the paths as they land in the tree (after /etc → /usr/etc
 * and UsrMove relocation): %ghost entries never conflict; a mode difference is a conflict
 * except between two symlinks; regular files and symlinks must agree on owner and group;
 * symlinks on their target; regular files on digest and size. Directories merge.
 */

export interface FileConflict {
  path: string;
  packages: [string, string];
}

function differs(a: RpmFile, b: RpmFile): boolean {
  if (a.flags & RPMFILE.GHOST || b.flags & RPMFILE.GHOST) return false;
  const ta = a.mode & S_IFMT;
  const tb = b.mode & S_IFMT;
  if (ta === S_IFDIR && tb === S_IFDIR) return false;
  if (!(ta === S_IFLNK && tb === S_IFLNK) && a.mode !== b.mode) return true;
  if (ta === S_IFLNK || ta === S_IFREG) {
    if (a.user !== b.user || a.group !== b.group) return true;
  }
  if (ta === S_IFLNK) return a.linkto !== b.linkto;
  if (ta === S_IFREG) return a.digest !== b.digest || a.size !== b.size;
  return false;
}

/** All conflicts (empty when the set installs cleanly). */
export function findFileConflicts(packages: readonly RpmHeaderPackage[]): FileConflict[] {
  const owners = new Map<string, { pkg: RpmHeaderPackage; file: RpmFile }>();
  const conflicts: FileConflict[] = [];
  // Stored symlinks: a file of another package below one of them would be written through it.
  const symlinks = new Map<string, RpmHeaderPackage>();
  for (const pkg of packages) {
    for (const file of pkg.files) {
      if ((file.mode & S_IFMT) !== S_IFLNK || file.flags & RPMFILE.GHOST) continue;
      const t = translatePath(file.path, false, pkg.name);
      if (t.kind === 'store') symlinks.set(t.path, pkg);
    }
  }
  for (const pkg of packages) {
    for (const file of pkg.files) {
      const t = translatePath(file.path, (file.mode & S_IFMT) === S_IFDIR, pkg.name);
      if (t.kind === 'skip') continue;
      if (t.kind === 'store' && symlinks.size > 0) {
        const parts = t.path.split('/');
        for (let i = 1; i < parts.length; i++) {
          const owner = symlinks.get(parts.slice(0, i).join('/'));
          if (owner !== undefined) {
            conflicts.push({ path: file.path, packages: [formatNevra(owner), formatNevra(pkg)] });
            break;
          }
        }
      }
      const key = `${t.kind}:${t.path}`;
      const previous = owners.get(key);
      if (previous === undefined) {
        owners.set(key, { pkg, file });
        continue;
      }
      if (previous.pkg === pkg) continue;
      if (differs(previous.file, file)) conflicts.push({ path: file.path, packages: [formatNevra(previous.pkg), formatNevra(pkg)] });
    }
  }
  return conflicts;
}

export function assertNoFileConflicts(packages: readonly RpmHeaderPackage[]): void {
  const conflicts = findFileConflicts(packages);
  if (conflicts.length === 0) return;
  const first = conflicts[0]!;
  const lines = conflicts.slice(0, 10).map((c) => `file ${c.path} from install of ${c.packages[1]} conflicts with file from package ${c.packages[0]}`);
  throw new AtollError('ASSEMBLE_FILE_CONFLICT', `${lines.join('; ')}${conflicts.length > 10 ? `; and ${conflicts.length - 10} more` : ''}`, {
    hint: 'the packages ship different content at the same path; remove one of them from the set',
    data: { conflicts, path: first.path, packages: first.packages },
  });
}
