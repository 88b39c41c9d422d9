import { chmodSync, lchownSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { warn, type Reporter } from '../../report/index.js';
import { RPMFILE, S_IFMT, S_IFDIR, formatNevra, fileCapsXattr, type RpmHeaderPackage } from '../../rpm/index.js';
import { writeXattrs } from '../../ostree/repo/index.js';
import { translatePath } from '../import/index.js';
import { copyUp } from './copy-up.js';

/**
 * Give files their header owners once the tree's own passwd/group can resolve the names
 * (after %pre scripts added their users): rpm-ostree's "rpmfi overrides". The package cache
 * stores everything as root, so only files owned by someone else need work. Unknown names
 * fall back to root with a warning, as rpm does. `etcAt` says where /etc currently lives.
 */

function idMap(file: string): Map<string, number> {
  const map = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && fields[0] !== '' && /^\d+$/.test(fields[2]!)) map.set(fields[0]!, Number(fields[2]));
  }
  return map;
}

export function readIdMaps(root: string, etc: string): { users: Map<string, number>; groups: Map<string, number> } {
  const users = idMap(join(root, etc, 'passwd'));
  const groups = idMap(join(root, etc, 'group'));
  for (const extra of ['usr/lib/passwd']) for (const [k, v] of idMap(join(root, extra))) if (!users.has(k)) users.set(k, v);
  for (const extra of ['usr/lib/group']) for (const [k, v] of idMap(join(root, extra))) if (!groups.has(k)) groups.set(k, v);
  return { users, groups };
}

export async function applyOwners(root: string, packages: readonly RpmHeaderPackage[], options: { etcAt: string; reporter?: Reporter }): Promise<number> {
  const { users, groups } = readIdMaps(root, options.etcAt);
  users.set('root', 0);
  groups.set('root', 0);
  let changed = 0;
  const warned = new Set<string>();
  for (const pkg of packages) {
    for (const file of pkg.files) {
      if (file.user === 'root' && file.group === 'root') continue;
      if (file.flags & RPMFILE.GHOST) continue;
      const t = translatePath(file.path, (file.mode & S_IFMT) === S_IFDIR, pkg.name);
      if (t.kind !== 'store') continue;
      let path = t.path;
      if (path === 'usr/etc' || path.startsWith('usr/etc/')) path = options.etcAt + path.slice('usr/etc'.length);
      const resolve = (map: Map<string, number>, name: string, what: string): number => {
        const id = map.get(name);
        if (id !== undefined) return id;
        const key = `${what}:${name}`;
        if (!warned.has(key) && options.reporter) warn(options.reporter, `${what} ${name} of ${file.path} (${formatNevra(pkg)}) does not exist in the tree - using root`);
        warned.add(key);
        return 0;
      };
      const uid = resolve(users, file.user, 'user');
      const gid = resolve(groups, file.group, 'group');
      if (uid === 0 && gid === 0) continue;
      const target = join(root, path);
      let st;
      try {
        st = lstatSync(target);
      } catch {
        continue; // a scriptlet removed it; rpm would not complain either
      }
      // A hardlink of a repository object gets its own inode before its owner changes.
      if (copyUp(target, st)) st = lstatSync(target);
      lchownSync(target, uid, gid);
      changed++;
      // chown clears setuid/setgid and file capabilities: put them back as the header says.
      if (!st.isSymbolicLink()) chmodSync(target, file.mode & 0o7777);
      const caps = file.caps !== '' ? fileCapsXattr(file.caps) : null;
      if (caps && st.isFile()) await writeXattrs(target, [{ name: 'security.capability', value: caps }]);
    }
  }
  return changed;
}
