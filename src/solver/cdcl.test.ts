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

test('clauses added in bulk from an arena (addClausesFrom) solve like clauses added one by one', () => {
  const r = rng(11);
  for (let k = 0; k < 300; k++) {
    const n = 3 + Math.floor(r() * 9);
    const m = Math.floor(n * (2 + r() * 4));
    const clauses: number[][] = [];
    for (let i = 0; i < m; i++) {
      // distinct literals, as addClausesFrom requires
      const len = 1 + Math.floor(r() * 3);
      const c: number[] = [];
      while (c.length < len) {
        const l = (1 + Math.floor(r() * n)) * (r() < 0.5 ? -1 : 1);
        if (!c.includes(l)) c.push(l);
      }
      clauses.push(c);
    }
    // the arena holds the clauses in reverse; the order array puts them back
    const lits = new Int32Array(clauses.flat().length);
    const start = new Int32Array(m);
    const len = new Int32Array(m);
    const order = new Int32Array(m);
    let top = 0;
    for (let i = m - 1; i >= 0; i--) {
      start[i] = top;
      len[i] = clauses[i]!.length;
      for (const l of clauses[i]!) lits[top++] = l;
    }
    for (let i = 0; i < m; i++) order[i] = i;
    const bulk = new CdclSolver(n);
    assert.equal(bulk.addClausesFrom(lits, start, len, order, m), 1);
    const one = new CdclSolver(n);
    for (const c of clauses) one.addClause(c);
    for (let id = 1; id <= m; id++) assert.deepEqual([...bulk.lits(id)], [...one.lits(id)]);
    const a = bulk.solve();
    const b = one.solve();
    assert.equal(a === true, b === true, `instance ${k}`);
    if (a === true && b === true) assert.deepEqual([...bulk.decisionMap].map(Math.sign), [...one.decisionMap].map(Math.sign));
    if (a !== true && b !== true) assert.deepEqual(a.proof, b.proof);
  }
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
