import { createHash } from 'node:crypto';
import { AtollError } from '../errors/index.js';
import { Repo, resolveRev } from '../ostree/repo/index.js';
import { type Deployment, type SysrootLayout, loadSysroot, sameDeployment } from '../sysroot/index.js';
import { rollbackTarget } from './status.js';
import { type CommitPackages, type Package, commitPackages, formatEvr, formatNevra } from './package-list.js';
import { type PackageDiff, diffPackages } from './package-diff.js';

/** `rpm-ostree db ...`: package-level views of commits in the system repo (or `--repo`). */

export interface DbSide {
  /** How it was named: a rev as given, or `booted deployment`, `rollback deployment`, ... */
  label: string;
  checksum: string;
}

export interface DbDiffResult {
  from: DbSide;
  to: DbSide;
  diff: PackageDiff;
}

async function side(repo: Repo, rev: string): Promise<DbSide> {
  return { label: rev, checksum: await resolveRev(repo, rev) };
}

function deploymentSide(label: string, d: Deployment): DbSide {
  return { label: `${label} deployment`, checksum: d.csum };
}

/**
 * The default pair of `db diff`: booted → pending when a deployment is pending, else rollback
 * → booted; on a sysroot that is not booted the default takes the booted one's place (the
 * previous default is the rollback): rollback → default.
 */
async function defaultSides(layout: SysrootLayout): Promise<{ from: DbSide; to: DbSide; current: DbSide }> {
  const state = await loadSysroot(layout);
  const first = state.deployments[0];
  if (!first) throw new AtollError('HOST_NO_DEPLOYMENT', `no deployments in ${layout.root} to diff`);
  const rollback = rollbackTarget(state);
  if (state.booted) {
    const booted = deploymentSide('booted', state.booted);
    if (!sameDeployment(first, state.booted)) return { from: booted, to: deploymentSide('pending', first), current: booted };
    if (!rollback) throw new AtollError('HOST_NO_DEPLOYMENT', 'no pending or rollback deployment to diff against');
    return { from: deploymentSide('rollback', rollback), to: booted, current: booted };
  }
  const current = deploymentSide('default', first);
  if (!rollback) throw new AtollError('HOST_NO_DEPLOYMENT', 'no rollback deployment to diff against', { hint: 'name two commits: atoll db diff FROM TO' });
  return { from: deploymentSide('rollback', rollback), to: current, current };
}

export async function dbDiff(layout: SysrootLayout, repoPath: string | undefined, revs: string[]): Promise<DbDiffResult> {
  if (revs.length > 2) throw new AtollError('CLI_USAGE', 'db diff takes at most two revisions');
  const repo = await Repo.open(repoPath ?? layout.repoDir);
  let from: DbSide;
  let to: DbSide;
  if (revs.length === 2) {
    from = await side(repo, revs[0] as string);
    to = await side(repo, revs[1] as string);
  } else if (revs.length === 1) {
    from = (await defaultSides(layout)).current;
    to = await side(repo, revs[0] as string);
  } else {
    ({ from, to } = await defaultSides(layout));
  }
  const [a, b] = await Promise.all([commitPackages(repo, from.checksum), commitPackages(repo, to.checksum)]);
  return { from, to, diff: diffPackages(a.packages, b.packages) };
}

export interface DbListResult {
  commit: DbSide;
  packages: Package[];
  source: CommitPackages['source'];
}

/** `db list REV [PATTERN...]`: packages whose name starts with a prefix (or matches a glob). */
export async function dbList(layout: SysrootLayout, repoPath: string | undefined, rev: string, patterns: string[]): Promise<DbListResult> {
  const repo = await Repo.open(repoPath ?? layout.repoDir);
  const commit = await side(repo, rev);
  const { packages, source } = await commitPackages(repo, commit.checksum);
  const matchers = patterns.map((p) => {
    if (!/[*?[]/.test(p)) return (pkg: Package) => pkg.name.startsWith(p) || formatNevra(pkg).startsWith(p);
    const re = new RegExp(`^${p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return (pkg: Package) => re.test(pkg.name) || re.test(formatNevra(pkg));
  });
  return { commit, packages: matchers.length === 0 ? packages : packages.filter((pkg) => matchers.some((m) => m(pkg))), source };
}

/**
 * `db version REV`: rpm-ostree's `rpmdbv1:` digest, a SHA-1 over the sorted packages'
 * `epoch:name-version-release.arch` strings. It identifies a package set; atoll computes it from
 * the package list (rpm-ostree reads the headers), so it is atoll's own, not byte-compared.
 */
export async function dbVersion(layout: SysrootLayout, repoPath: string | undefined, rev: string): Promise<{ commit: DbSide; version: string; count: number }> {
  const repo = await Repo.open(repoPath ?? layout.repoDir);
  const commit = await side(repo, rev);
  const { packages } = await commitPackages(repo, commit.checksum);
  const hash = createHash('sha1');
  for (const p of packages) hash.update(`${p.epoch ?? 0}:${p.name}-${p.version}-${p.release}.${p.arch}`);
  return { commit, version: `rpmdbv1:${hash.digest('hex')}`, count: packages.length };
}

export { formatEvr };
