import { RPMSENSE, type Dependency } from '../rpm/index.js';
import type { RepoPackage } from './types.js';

/*
 * Capability matching for `query --whatprovides` (rpm-format.md §9.3). rpm/ has no version
 * comparison yet on this branch; this is a private copy of rpmvercmp to be replaced by
 * rpm's export once it lands.
 */

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);

/** rpm's rpmvercmp (tilde sorts before everything, caret after the base). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i] as string) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j] as string) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const numeric = isDigit(a[i] as string);
    const take = (s: string, k: number): number => {
      let e = k;
      while (e < s.length && (numeric ? isDigit(s[e] as string) : isAlpha(s[e] as string))) e++;
      return e;
    };
    const ei = take(a, i);
    const ej = take(b, j);
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (sb === '') return numeric ? 1 : -1;
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export function parseEvrString(evr: string): { epoch: string; version: string; release: string | null } {
  let rest = evr;
  let epoch = '';
  const colon = rest.indexOf(':');
  if (colon >= 0 && /^\d*$/.test(rest.slice(0, colon))) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest, release: null };
}

/** Compare two dependency EVRs as rpm does for ranges: a missing release matches any release. */
export function compareDepEvr(a: string, b: string): number {
  const x = parseEvrString(a);
  const y = parseEvrString(b);
  const ea = Number(x.epoch || '0');
  const eb = Number(y.epoch || '0');
  if (ea !== eb) return ea < eb ? -1 : 1;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0) return v;
  if (x.release === null || y.release === null) return 0;
  return rpmvercmp(x.release, y.release);
}

/** rpmdsCompare: do the ranges of a provide and a requirement of the same name overlap? */
export function rangesOverlap(provide: Dependency, request: Dependency): boolean {
  const a = provide.flags & RPMSENSE.SENSEMASK;
  const b = request.flags & RPMSENSE.SENSEMASK;
  if (a === 0 || b === 0 || provide.evr === '' || request.evr === '') return true;
  const sense = compareDepEvr(provide.evr, request.evr);
  if (sense < 0) return (a & RPMSENSE.GREATER) !== 0 || (b & RPMSENSE.LESS) !== 0;
  if (sense > 0) return (a & RPMSENSE.LESS) !== 0 || (b & RPMSENSE.GREATER) !== 0;
  return ((a & b) & (RPMSENSE.EQUAL | RPMSENSE.LESS | RPMSENSE.GREATER)) !== 0;
}

/** `name`, `name OP evr` (OP one of = == < > <= >=), as dnf accepts on its command line. */
export function parseCapability(text: string): Dependency {
  const m = /^\s*(\S+)\s*(<=|>=|==|=|<|>)\s*(\S+)\s*$/.exec(text);
  if (!m) return { name: text.trim(), flags: 0, evr: '' };
  const op = m[2] as string;
  const flags =
    (op.includes('<') ? RPMSENSE.LESS : 0) | (op.includes('>') ? RPMSENSE.GREATER : 0) | (op.includes('=') ? RPMSENSE.EQUAL : 0);
  return { name: m[1] as string, flags, evr: m[3] as string };
}

/** Does the package provide `request`, through a Provides entry or (for paths) a listed file? */
export function packageProvides(pkg: RepoPackage, request: Dependency): boolean {
  for (const p of pkg.provides) if (p.name === request.name && rangesOverlap(p, request)) return true;
  if (request.name.startsWith('/')) return pkg.files.some((f) => f.path === request.name);
  return false;
}

/** A path createrepo_c lists in primary (rpm-md.md §3.6): resolvable without filelists. */
export function isPrimaryPath(path: string): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}
