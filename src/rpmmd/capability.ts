import { RPMSENSE, rangesOverlap, type Dependency } from '../rpm/index.js';
import type { RepoPackage } from './types.js';

/*
 * Capability matching for `query --whatprovides` (rpm-format.md §9.3), on rpm's own range
 * rule (rpm/vercmp).
 */

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
