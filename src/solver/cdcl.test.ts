import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CdclSolver } from './cdcl.js';
import { solveWithProvider, type DependencyProvider } from './provider.js';
import { mulberry32 as rng } from '../util/index.js';


function bruteForce(nvars: number, clauses: number[][]): boolean {
  for (let m = 0; m < 1 << nvars; m++) {
    const val = (l: number): boolean => (((m >> (Math.abs(l) - 1)) & 1) === 1) === l > 0;
    if (clauses.every((c) => c.some(val))) return true;
  }
  return false;
}

test('CDCL agrees with brute force on 1500 random 3-SAT instances, and models satisfy every clause', () => {
  const r = rng(7);
  let sat = 0;
  for (let k = 0; k < 1500; k++) {
    const n = 3 + Math.floor(r() * 9);
    const m = Math.floor(n * (2 + r() * 4));
    const clauses: number[][] = [];
    for (let i = 0; i < m; i++) {
      const len = 1 + Math.floor(r() * 3);
      clauses.push(Array.from({ length: len }, () => (1 + Math.floor(r() * n)) * (r() < 0.5 ? -1 : 1)));
    }
    const s = new CdclSolver(n);
    for (const c of clauses) s.addClause(c);
    const res = s.solve();
    const expected = bruteForce(n, clauses);
    assert.equal(res === true, expected, `instance ${k}`);
    if (res === true) {
      sat++;
      assert.equal(s.unsatisfiedClause(), 0);
    } else {
      // the proof only names clauses of the instance
      assert.ok(res.proof.length > 0 && res.proof.every((id) => id >= 1 && id <= clauses.length));
    }
  }
  assert.ok(sat > 100 && sat < 1400, 'a mix of satisfiable and unsatisfiable instances');
});

test('root conflict proof is a real unsat core', () => {
  const s = new CdclSolver(3);
  const a = s.addClause([1]);
  s.addClause([2, 3]); // irrelevant
  const c = s.addClause([-1, 2]);
  const d = s.addClause([-2]);
  const res = s.solve();
  assert.notEqual(res, true);
  if (res === true) return;
  assert.deepEqual([...res.proof].sort(), [a, c, d].sort());
});

interface Pkg {
  name: string;
  version: number;
  requires: string[];
  conflicts?: string[];
}

test('provider: lazy loading, best-first choice, backtracking and explanations', () => {
  const repo: Pkg[] = [
    { name: 'app', version: 1, requires: ['lib', 'tool'] },
    { name: 'lib', version: 2, requires: ['core'], conflicts: ['tool'] },
    { name: 'lib', version: 1, requires: [] },
    { name: 'tool', version: 1, requires: [] },
    { name: 'core', version: 1, requires: [] },
    { name: 'unrelated', version: 1, requires: ['missing'] },
  ];
  const asked = new Set<string>();
  const provider: DependencyProvider<Pkg, string> = {
    candidates: (r) => {
      asked.add(r);
      return repo.filter((p) => p.name === r).sort((a, b) => b.version - a.version);
    },
    dependencies: (p) => ({
      requires: p.requires,
      constrains: (p.conflicts ?? []).flatMap((n) => repo.filter((q) => q.name === n)),
    }),
    nameOf: (p) => p.name,
    describeCandidate: (p) => `${p.name}-${p.version}`,
  };
  const res = solveWithProvider(provider, ['app']);
  assert.ok(res.ok);
  if (!res.ok) return;
  assert.deepEqual(res.selection.map((p) => `${p.name}-${p.version}`).sort(), ['app-1', 'lib-1', 'tool-1']);
  assert.ok(!asked.has('missing'), 'unreached requirements are never asked for');
  const bad = solveWithProvider(provider, ['unrelated']);
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.ok(bad.explanation.some((l) => l.includes('unrelated-1 requires missing')), bad.explanation.join('; '));
});
