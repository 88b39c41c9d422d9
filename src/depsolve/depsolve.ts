import type { PackageInfo } from '../rpm/index.js';
import { AtollError } from '../errors/index.js';
import { depFromRpm, simpleDep } from './dep.js';
import { Pool, defaultPoolFlags, type NewSolvable } from './pool.js';
import { RpmSolver, defaultSolverFlags, type Job } from './rpm-solver.js';
import { createTransaction, type StepKind } from './transaction.js';
import { checkSolution } from './checker.js';

/** A package as the depsolver sees it: the shared model plus the file paths it owns (optional). */
export type SolverPackage = PackageInfo & { files?: readonly string[] };

export interface DepsolveRepo {
  name: string;
  /** dnf priority: a lower number wins (default 99). */
  priority?: number;
  /** dnf cost: a lower number wins among equal priorities (default 1000). */
  cost?: number;
  packages: readonly SolverPackage[];
}

export interface DepsolveRequest {
  /** Machine arch (x86_64, aarch64, ...). */
  arch: string;
  repos: readonly DepsolveRepo[];
  /** The installed system (empty for a compose). */
  installed?: readonly SolverPackage[];
  /** Package specs: a name, `name = evr`, or a provide/file path. */
  install?: readonly string[];
  erase?: readonly string[];
  /** Names to update, or 'all'. */
  update?: readonly string[] | 'all';
  distupgrade?: boolean;
  /** Names whose installed state must not change. */
  lock?: readonly string[];
  favor?: readonly string[];
  disfavor?: readonly string[];
  /** Provides that are installonly (dnf: kernel, installonlypkg(kernel), ...). */
  installonly?: readonly string[];
  /** dnf installonly_limit: versions kept per installonly name (default 3; 0 = no limit). */
  installonlyLimit?: number;
  /** NEVRA of the running kernel, never removed by the installonly limit. */
  protectedPackages?: readonly string[];
  /** Names or NEVRAs hidden from the solver (dnf excludes). */
  excludes?: readonly string[];
  /** dnf best=True: fail instead of falling back to older candidates. */
  best?: boolean;
  /** dnf install_weak_deps (default true). */
  weakDeps?: boolean;
  /** dnf --allowerasing. */
  allowErasing?: boolean;
  /** Loads file lists on demand: packages (by NEVRA string) owning a path. */
  fileOwners?: (path: string) => readonly string[];
}

export interface DepsolveStep {
  kind: StepKind;
  /** `name-[epoch:]version-release.arch` of the package installed or erased. */
  nevra: string;
  repo: string;
  /** For replacements: the package replacing `nevra`. */
  replacedBy?: string;
}

export interface DepsolveProblem {
  message: string;
  /** The chain of rules that make the request impossible, one readable line each. */
  explanation: string[];
  /** Ways out, as libsolv offers them (remove a request, allow erasing, ...). */
  solutions: string[];
}

export interface DepsolveResult {
  ok: boolean;
  /** The full new package set (NEVRA strings). */
  packages: string[];
  steps: DepsolveStep[];
  problems: DepsolveProblem[];
  /** Suggested/enhancing packages not installed (reported, never installed). */
  suggested: string[];
}

const EVR_DEP = /^(\S+)\s*(<=|>=|=|<|>)\s*(\S+)$/;

function toSolvable(p: SolverPackage): NewSolvable {
  const deps = (k: keyof PackageInfo) => (p[k] as PackageInfo['requires']).map(depFromRpm);
  const evr = `${p.epoch ? `${p.epoch}:` : ''}${p.version}${p.release ? `-${p.release}` : ''}`;
  return {
    name: p.name,
    evr,
    arch: p.arch,
    vendor: p.vendor ?? '',
    provides: deps('provides'),
    requires: deps('requires'),
    conflicts: deps('conflicts'),
    obsoletes: deps('obsoletes'),
    recommends: deps('recommends'),
    suggests: deps('suggests'),
    supplements: deps('supplements'),
    enhances: deps('enhances'),
    files: [...(p.files ?? [])],
    buildtime: p.buildtime ?? 0,
  };
}

function specDep(spec: string) {
  const m = EVR_DEP.exec(spec.trim());
  if (!m) return simpleDep(spec.trim());
  const op = m[2]!;
  const flags = (op.includes('<') ? 2 : 0) | (op.includes('>') ? 4 : 0) | (op.includes('=') ? 8 : 0);
  return simpleDep(m[1]!, flags, m[3]!);
}

/**
 * Resolve a request the way dnf (libdnf + libsolv) does: dnf's pool and solver flags, repo
 * priority and cost, installonly packages, excludes, weak dependencies. Unsatisfiable requests
 * are a result with problems, not an exception. Every solution is validated by an independent
 * checker before it is returned.
 */
export function depsolve(req: DepsolveRequest): DepsolveResult {
  const pool = new Pool();
  pool.flags = { ...defaultPoolFlags(), implicitobsoleteusescolors: true, whatprovideswithdisabled: true };
  pool.setArch(req.arch);
  const sys = pool.addRepo('@System', 0, 0);
  for (const p of req.installed ?? []) pool.addSolvable(sys, toSolvable(p));
  pool.installed = sys;
  for (const r of req.repos) {
    const repo = pool.addRepo(r.name, -(r.priority ?? 99), -(r.cost ?? 1000));
    for (const p of r.packages) pool.addSolvable(repo, toSolvable(p));
  }
  if (req.fileOwners) {
    const owners = req.fileOwners;
    pool.fileProvidesHook = (path) => {
      const wanted = new Set(owners(path));
      const out: number[] = [];
      for (let p = 2; p < pool.size; p++) if (wanted.has(pool.nevra(p))) out.push(p);
      return out;
    };
  }
  for (const ex of req.excludes ?? []) {
    for (let p = 2; p < pool.size; p++) {
      if (pool.isInstalled(p)) continue;
      const s = pool.solvables[p]!;
      if (s.name === ex || pool.nevra(p) === ex) pool.disabled.add(p);
    }
  }
  pool.invalidate();

  const flags = { ...defaultSolverFlags(), allowvendorchange: true, keeporphans: true, bestobeypolicy: true, yumobsoletes: true };
  if (req.weakDeps === false) flags.ignorerecommended = true;
  if (req.allowErasing) flags.allowuninstall = true;
  const jobs: Job[] = [];
  const f = (extra: string[] = []): ReadonlySet<string> => new Set([...(req.best ? ['forcebest'] : []), ...extra]);
  for (const prov of req.installonly ?? []) jobs.push({ verb: 'multiversion', select: { kind: 'provides', dep: simpleDep(prov) }, flags: new Set() });
  for (const spec of req.install ?? []) {
    const dep = specDep(spec);
    const byName = pool.whatprovides(dep).some((p) => pool.matchNevr(p, dep));
    jobs.push({ verb: 'install', select: byName ? { kind: 'name', dep } : { kind: 'provides', dep }, flags: f() });
  }
  for (const spec of req.erase ?? []) jobs.push({ verb: 'erase', select: { kind: 'name', dep: specDep(spec) }, flags: new Set() });
  if (req.update === 'all') jobs.push({ verb: 'update', select: { kind: 'all' }, flags: f() });
  else for (const n of req.update ?? []) jobs.push({ verb: 'update', select: { kind: 'name', dep: specDep(n) }, flags: f() });
  if (req.distupgrade) jobs.push({ verb: 'distupgrade', select: { kind: 'all' }, flags: f() });
  for (const n of req.lock ?? []) jobs.push({ verb: 'lock', select: { kind: 'name', dep: specDep(n) }, flags: new Set() });
  for (const n of req.favor ?? []) jobs.push({ verb: 'favor', select: { kind: 'name', dep: specDep(n) }, flags: new Set() });
  for (const n of req.disfavor ?? []) jobs.push({ verb: 'disfavor', select: { kind: 'name', dep: specDep(n) }, flags: new Set() });

  let solver = new RpmSolver(pool, jobs, flags);
  let res = solver.solve();
  // dnf's installonly_limit: keep the newest N versions of each installonly name (never the
  // protected ones), by solving again with erase jobs for the oldest installed versions
  const limit = req.installonlyLimit ?? 3;
  if (limit > 0 && req.installonly?.length && res.problems.length === 0) {
    const installonly = new Set<number>();
    for (const prov of req.installonly) for (const p of pool.whatprovides(simpleDep(prov))) installonly.add(p);
    const byName = new Map<string, number[]>();
    for (const p of res.installed) {
      if (!installonly.has(p)) continue;
      const n = pool.solvables[p]!.name;
      byName.set(n, [...(byName.get(n) ?? []), p]);
    }
    const protectedSet = new Set(req.protectedPackages ?? []);
    const extra: Job[] = [];
    for (const list of byName.values()) {
      if (list.length <= limit) continue;
      const oldestFirst = [...list].sort((a, b) => pool.evrcmp(a, b));
      let excess = list.length - limit;
      for (const p of oldestFirst) {
        if (excess <= 0) break;
        if (!pool.isInstalled(p) || protectedSet.has(pool.nevra(p))) continue;
        extra.push({ verb: 'erase', select: { kind: 'pkg', p }, flags: new Set() });
        excess--;
      }
    }
    if (extra.length) {
      solver = new RpmSolver(pool, [...jobs, ...extra], flags);
      res = solver.solve();
    }
  }
  const problems: DepsolveProblem[] = res.problems.map((prob) => ({
    message: solver.problemInfo(prob),
    explanation: [...new Set(prob.proof.map((r) => solver.describeRule(r)))],
    solutions: solver.problemSolutions(prob),
  }));
  if (!problems.length) {
    const violations = checkSolution(pool, res.installed, solver);
    if (violations.length)
      throw new AtollError('DEPSOLVE_INVALID_SOLUTION', `the solver produced an invalid solution: ${violations[0]}`, {
        data: { violations },
        hint: 'this is a bug in atoll; please report it with the request',
      });
  }
  const steps: DepsolveStep[] = createTransaction(solver, res.installed).map((s) => ({
    kind: s.kind,
    nevra: pool.nevra(s.p),
    repo: pool.solvables[s.p]!.repo.name,
    ...(s.by !== undefined ? { replacedBy: pool.nevra(s.by) } : {}),
  }));
  const suggested = new Set<string>();
  for (const p of res.installed) {
    for (const d of pool.solvables[p]!.suggests) for (const q of pool.whatprovides(d)) if (!res.installed.has(q)) suggested.add(pool.nevra(q));
  }
  return {
    ok: problems.length === 0,
    packages: [...res.installed].map((p) => pool.nevra(p)).sort(),
    steps,
    problems,
    suggested: [...suggested].sort(),
  };
}

