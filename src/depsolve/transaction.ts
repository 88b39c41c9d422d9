import type { RpmSolver } from './rpm-solver.js';
import type { Solvable } from './pool.js';
import { depToString } from './dep.js';

export type StepKind = 'install' | 'erase' | 'obsoleted' | 'upgrade' | 'downgrade' | 'change' | 'reinstall';

export interface TransactionStep {
  kind: StepKind;
  /** The package installed by the step, or the erased one for erase/obsoleted/replacements (passive side). */
  p: number;
  /** For replacements: the package that replaces `p`. */
  by?: number;
}

/**
 * The transaction between the installed system and the solver's decision, classified like
 * libsolv's `transaction_type(..., SHOW_ALL | SHOW_OBSOLETES)`: installed packages that go away
 * are reported with the package replacing them (upgrade/downgrade/change/reinstall for the same
 * name, obsoleted for another name), new packages that replace nothing as installs.
 */
export function createTransaction(solver: RpmSolver, newSet: ReadonlySet<number>): TransactionStep[] {
  const pool = solver.pool;
  const steps: TransactionStep[] = [];
  const erased = solver.installedIds.filter((p) => !newSet.has(p));
  const erasedSet = new Set(erased);
  const incoming = [...newSet].filter((p) => !pool.isInstalled(p)).sort((a, b) => a - b);
  const obsoleter = new Map<number, number>();
  const replacesSomething = new Set<number>();
  for (const q of incoming) {
    // a multiversion package replaces nothing in the transaction (libsolv: "multi")
    if (solver.isMultiversion(q)) continue;
    for (const ip of solver.obsoletedInstalled(q)) {
      if (!erasedSet.has(ip)) continue;
      if (pool.solvables[ip]!.name === pool.solvables[q]!.name) replacesSomething.add(q);
      const cur = obsoleter.get(ip);
      if (cur === undefined) obsoleter.set(ip, q);
      else if (pool.solvables[cur]!.name !== pool.solvables[ip]!.name && pool.solvables[q]!.name === pool.solvables[ip]!.name)
        obsoleter.set(ip, q);
    }
  }
  for (const ip of erased) {
    const q = obsoleter.get(ip);
    if (q === undefined) {
      steps.push({ kind: 'erase', p: ip });
      continue;
    }
    const is = pool.solvables[ip]!;
    const qs = pool.solvables[q]!;
    if (is.name !== qs.name) {
      steps.push({ kind: 'obsoleted', p: ip, by: q });
      continue;
    }
    const r = pool.evrcmp(ip, q);
    let kind: StepKind;
    if (r === 0 && identical(is, qs)) kind = 'reinstall';
    else if (r < 0) kind = 'upgrade';
    else if (r > 0) kind = 'downgrade';
    else kind = 'change';
    steps.push({ kind, p: ip, by: q });
  }
  for (const q of incoming) if (!replacesSomething.has(q)) steps.push({ kind: 'install', p: q });
  return steps;
}

/**
 * libsolv's solvable_identical: same name, EVR, arch and vendor, and the same build time; when
 * a build time is missing, the same requirements (a rebuilt package counts as different).
 */
function identical(a: Solvable, b: Solvable): boolean {
  if (a.name !== b.name || a.evr !== b.evr || a.arch !== b.arch || a.vendor !== b.vendor) return false;
  if (a.buildtime && b.buildtime) return a.buildtime === b.buildtime;
  const reqs = (s: Solvable): string => s.requires.map((d) => depToString(d)).sort().join('\n');
  return reqs(a) === reqs(b);
}

/** testsolv's transaction lines. */
export function transactionLines(solver: RpmSolver, newSet: ReadonlySet<number>): string[] {
  const pool = solver.pool;
  return createTransaction(solver, newSet).map((s) => {
    switch (s.kind) {
      case 'install':
        return `install ${pool.str(s.p)}`;
      case 'erase':
        return `erase ${pool.str(s.p)}`;
      case 'obsoleted':
        return `erase ${pool.str(s.p)} ${pool.str(s.by!)}`;
      default:
        return `${s.kind} ${pool.str(s.p)} ${pool.str(s.by!)}`;
    }
  });
}
