import { AtollError } from '../../errors/index.js';

/**
 * Where a file of an RPM lands in an OSTree-shaped tree (compose.md step 8, rpm-ostree's
 * importer): `/etc` under `/usr/etc`, `/boot` under `/usr/lib/ostree-boot`, `/opt` under
 * `/usr/lib/opt`, UsrMove's `/bin /sbin /lib /lib64` under `/usr`, and `/var`, `/run` (and
 * the `/var`-backed `/usr/local`) not stored at all but turned into tmpfiles.d lines.
 */

export type Translation =
  /** Store at this tree path (no leading slash). */
  | { kind: 'store'; path: string; optLink?: string }
  /** Not stored: becomes a tmpfiles.d line for this absolute path. */
  | { kind: 'tmpfiles'; path: string }
  /** Dropped silently (top-level mount points and the UsrMove links compose creates itself). */
  | { kind: 'skip' };

/** Top-level directories every OSTree root has or that compose recreates; packages may list them. */
const TOPLEVEL_SKIP = new Set(['/', '/dev', '/proc', '/sys', '/tmp', '/home', '/root', '/mnt', '/media', '/srv', '/afs', '/sysroot', '/ostree', '/bin', '/sbin', '/lib', '/lib64', '/usr/local', '/opt', '/var', '/run', '/boot', '/etc']);
const USRMOVE = ['/bin', '/sbin', '/lib', '/lib64'];
/** /var paths rpm-ostree keeps in /usr because the tree owns them. */
const VAR_TO_USR: Array<[string, string]> = [
  ['/var/lib/alternatives', 'usr/lib/alternatives'],
  ['/var/lib/vagrant', 'usr/lib/vagrant'],
];

function under(path: string, prefix: string): string | undefined {
  if (path === prefix) return '';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
}

function join(prefix: string, rest: string): string {
  return rest === '' ? prefix : `${prefix}/${rest}`;
}

/** Translate one header path; `isDir` tells whether it is a directory entry. */
export function translatePath(path: string, isDir: boolean, pkgName: string): Translation {
  // The top-level directories and links (filesystem's /bin → usr/bin...) are compose's to create.
  if (TOPLEVEL_SKIP.has(path)) return { kind: 'skip' };
  for (const [from, to] of VAR_TO_USR) {
    const rest = under(path, from);
    if (rest !== undefined) return { kind: 'store', path: join(to, rest) };
  }
  let rest: string | undefined;
  if ((rest = under(path, '/usr/local')) !== undefined) return { kind: 'tmpfiles', path: join('/var/usrlocal', rest) };
  if ((rest = under(path, '/usr')) !== undefined) return { kind: 'store', path: join('usr', rest) };
  if ((rest = under(path, '/etc')) !== undefined) return { kind: 'store', path: join('usr/etc', rest) };
  if ((rest = under(path, '/boot')) !== undefined) return { kind: 'store', path: join('usr/lib/ostree-boot', rest) };
  if ((rest = under(path, '/opt')) !== undefined) {
    const top = rest.split('/')[0]!;
    return { kind: 'store', path: join('usr/lib/opt', rest), optLink: rest === '' ? undefined : top };
  }
  if (under(path, '/var') !== undefined || under(path, '/run') !== undefined) return { kind: 'tmpfiles', path };
  for (const dir of USRMOVE) {
    if ((rest = under(path, dir)) !== undefined) return { kind: 'store', path: join(`usr${dir}`, rest) };
  }
  if (isDir && TOPLEVEL_SKIP.has(`/${path.split('/')[1]}`)) return { kind: 'skip' };
  throw new AtollError('ASSEMBLE_UNSUPPORTED_PATH', `package ${pkgName}: unsupported path ${path}`, {
    hint: 'an OSTree tree stores only /usr, /etc, /boot, /opt, /var and /run content (and the UsrMove directories); see rpm-ostree issue #233',
    data: { package: pkgName, path },
  });
}

/**
 * rpm-ostree's ref escaping (append_quoted): alphanumerics, `.` and `-` stay, `_` doubles,
 * anything else becomes `_XX` (hex, upper case). A leading `0:` epoch is dropped.
 */
export function quoteRefComponent(value: string): string {
  let out = '';
  for (const ch of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(ch);
    if (c === '.' || c === '-' || /[A-Za-z0-9]/.test(c)) out += c;
    else if (c === '_') out += '__';
    else out += `_${ch.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function pkgcacheRef(name: string, evr: string, arch: string): string {
  const e = evr.startsWith('0:') ? evr.slice(2) : evr;
  return `rpmostree/pkg/${quoteRefComponent(name)}/${quoteRefComponent(e)}.${quoteRefComponent(arch)}`;
}
