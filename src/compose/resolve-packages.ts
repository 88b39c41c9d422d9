import { AtollError } from '../errors/index.js';
import { depsolve, type DepsolveRepo, type SolverPackage } from '../depsolve/index.js';
import { formatNevra } from '../rpm/index.js';
import type { RepoPackage } from '../rpmmd/index.js';
import type { TreefileConfig } from './treefile/index.js';
import { visiblePackages, type ComposeRepo } from './compose-repos.js';

/** A parsed rpm-ostree lockfile: name → locked EVRA or EVR and optional digest. */
export type Lockfile = Map<string, { evra?: string; evr?: string; digest?: string }>;

export interface ResolveOptions {
  lockfile?: Lockfile;
  /** `--ex-lockfile-strict`: every package must be locked. */
  lockfileStrict?: boolean;
}

/** rpm-ostree's EVR string for matching: epoch only when non-zero. */
function evrOf(p: RepoPackage): string {
  return `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

export interface ResolvedPackage {
  nevra: string;
  repo: ComposeRepo;
  pkg: RepoPackage;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `repo-packages: [{repo: ID, packages: [...]}]`: those names come only from that repo. */
function repoPackages(config: TreefileConfig): Array<{ repo: string; packages: string[] }> {
  const raw = config['repo-packages'];
  if (!Array.isArray(raw)) return [];
  return raw.map((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e?.repo !== 'string' || !Array.isArray(e.packages)) {
      throw new AtollError('COMPOSE_BAD_TREEFILE', `repo-packages[${i}] needs 'repo' (a string) and 'packages' (a list)`);
    }
    return { repo: e.repo, packages: stringList(e.packages).flatMap((p) => p.split(/\s+/)).filter((p) => p !== '') };
  });
}

/** The spec's name part (`foo`, `foo >= 1`, `/usr/bin/foo`). */
function specName(spec: string): string {
  return spec.trim().split(/\s+/)[0]!;
}

/**
 * Depsolve the treefile's package set as rpm-ostree's core does with libdnf: an install job for
 * `packages` (the loader already folded `packages-$basearch` in) and `repo-packages`, dnf
 * excludes for `exclude-packages`, weak dependencies per `recommends` (default true).
 * Requests nothing provides and unsatisfiable sets are coded errors carrying the solver's
 * explanation.
 */
export function resolvePackages(config: TreefileConfig, repos: readonly ComposeRepo[], basearch: string, options: ResolveOptions = {}): ResolvedPackage[] {
  const lock = options.lockfile ?? new Map();
  const lockfileRepos = new Set(Array.isArray(config['lockfile-repos']) ? (config['lockfile-repos'] as string[]) : []);
  const pinned = repoPackages(config);
  for (const p of pinned) {
    if (!repos.some((r) => r.config.id === p.repo)) {
      throw new AtollError('COMPOSE_REPO_NOT_FOUND', `repo-packages names repository '${p.repo}', which is not in 'repos'`, { data: { id: p.repo } });
    }
  }
  const pinnedTo = new Map<string, string>();
  for (const p of pinned) for (const name of p.packages) pinnedTo.set(specName(name), p.repo);
  const install = [...stringList(config.packages), ...pinned.flatMap((p) => p.packages)];
  if (install.length === 0) throw new AtollError('COMPOSE_NO_PACKAGES', "the treefile's 'packages' list is empty");

  for (const name of lock.keys()) {
    const offered = repos.some((r) => visiblePackages(r).some((p) => p.name === name));
    if (!offered) throw new AtollError('COMPOSE_LOCKFILE', `the lockfile locks '${name}', which no repository has`, { data: { name } });
  }
  const byNevra = new Map<string, ResolvedPackage>();
  const solverRepos: DepsolveRepo[] = [];
  for (const entry of repos) {
    const pkgs: SolverPackage[] = [];
    for (const pkg of visiblePackages(entry)) {
      const pin = pinnedTo.get(pkg.name);
      if (pin !== undefined && pin !== entry.config.id) continue;
      // A locked name offers only its locked build; lockfile-repos offer nothing else.
      const locked = lock.get(pkg.name);
      if (locked !== undefined) {
        if (locked.evra !== undefined && locked.evra !== `${evrOf(pkg)}.${pkg.arch}`) continue;
        if (locked.evr !== undefined && locked.evr !== evrOf(pkg)) continue;
      } else if (lockfileRepos.has(entry.config.id)) continue;
      const nevra = formatNevra(pkg);
      if (!byNevra.has(nevra)) byNevra.set(nevra, { nevra, repo: entry, pkg });
      pkgs.push({ ...pkg, files: pkg.files.map((f) => f.path) });
    }
    solverRepos.push({ name: entry.config.id, priority: entry.config.priority, cost: entry.config.cost, packages: pkgs });
  }

  // A request nothing matches gets its own error (dnf: "No match for argument").
  const known = new Set<string>();
  for (const r of solverRepos) {
    for (const p of r.packages) {
      known.add(p.name);
      for (const prov of p.provides) known.add(prov.name);
      for (const f of p.files ?? []) known.add(f);
    }
  }
  const missing = install.map(specName).filter((n) => !known.has(n));
  if (missing.length > 0) {
    throw new AtollError('COMPOSE_PACKAGE_NOT_FOUND', `no package matches ${missing.map((m) => `'${m}'`).join(', ')} in repositories ${repos.map((r) => r.config.id).join(', ')}`, {
      data: { missing },
    });
  }

  const result = depsolve({
    arch: basearch,
    repos: solverRepos,
    install,
    excludes: stringList(config['exclude-packages']),
    weakDeps: config.recommends !== false,
    best: true,
  });
  if (!result.ok) {
    const lines = result.problems.flatMap((p, i) => [`problem ${i + 1}: ${p.message}`, ...p.explanation.map((e) => `  - ${e}`)]);
    throw new AtollError('COMPOSE_DEPSOLVE_FAILED', `the package set cannot be resolved:\n${lines.join('\n')}`, {
      data: { problems: result.problems },
    });
  }
  const resolved = result.packages.map((nevra) => {
    const found = byNevra.get(nevra);
    if (found === undefined) throw new Error(`solver returned unknown package ${nevra}`);
    return found;
  });
  for (const r of resolved) {
    const locked = lock.get(r.pkg.name);
    if (locked === undefined) {
      if (options.lockfileStrict) throw new AtollError('COMPOSE_LOCKFILE', `${r.nevra} is not in the lockfile (--ex-lockfile-strict)`, { data: { nevra: r.nevra } });
      continue;
    }
    if (locked.digest !== undefined && locked.digest !== `${r.pkg.checksumType}:${r.pkg.pkgid}`) {
      throw new AtollError('COMPOSE_LOCKFILE', `${r.nevra}: repository checksum ${r.pkg.checksumType}:${r.pkg.pkgid} differs from the lockfile's ${locked.digest}`, { data: { nevra: r.nevra } });
    }
  }
  return resolved;
}
