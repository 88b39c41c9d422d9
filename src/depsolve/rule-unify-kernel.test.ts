import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unifyOrder, unifySorter } from './rule-unify-kernel.js';
import { CdclSolver } from '../solver/index.js';

// the reference: libsolv's unifyrules_sortcmp as a comparator, a stable sort, duplicates dropped
function reference(lits: Int32Array, start: Int32Array, len: Int32Array, n: number): number[] {
  const rule = (i: number): number[] => [...lits.subarray(start[i]!, start[i]! + len[i]!)];
  const cmp = (x: number, y: number): number => {
    const a = rule(x);
    const b = rule(y);
    if (a[0] !== b[0]) return a[0]! - b[0]!;
    const a1 = a.length > 1 ? a[1]! : 0;
    const b1 = b.length > 1 ? b[1]! : 0;
    const ad = a.length <= 2;
    const bd = b.length <= 2;
    if (ad && bd) return a1 - b1;
    if (ad) return a1 - b1 || -1;
    if (bd) return a1 - b1 || 1;
    let i = 1;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return (i < a.length ? a[i]! : 0) - (i < b.length ? b[i]! : 0);
  };
  const sorted = Array.from({ length: n }, (_, i) => i).sort(cmp);
  const out: number[] = [];
  for (const r of sorted) {
    const q = out[out.length - 1];
    if (q !== undefined && rule(q).join() === rule(r).join()) continue;
    out.push(r);
  }
  return out;
}

test('the WebAssembly unify order equals a comparator sort with unifyrules_sortcmp, duplicates dropped', () => {
  let seed = 11;
  const rnd = (m: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  for (const [n, off] of [
    [0, 5],
    [1, 3],
    [40, 4],
    [3000, 30],
    [20000, 2000],
  ] as const) {
    const lits: number[] = [];
    const start = new Int32Array(n + 3);
    const len = new Int32Array(n + 3);
    for (let i = 0; i < n; i++) {
      start[i] = lits.length;
      const l = 1 + rnd(rnd(3) === 0 ? 6 : 3);
      lits.push(-(2 + rnd(off - 1))); // a package rule: the package's negative literal first
      for (let k = 1; k < l; k++) lits.push((rnd(2) ? 1 : -1) * (2 + rnd(off - 1)));
      len[i] = l;
    }
    const arena = Int32Array.from([...lits, 77, 77]);
    const got = unifyOrder(arena, lits.length, start, len, n, off);
    assert.deepEqual([...got], reference(arena, start, len, n), `n=${n}`);
  }
  assert.throws(() => unifyOrder(Int32Array.from([-9]), 1, Int32Array.from([0]), Int32Array.from([1]), 1, 3), /without a package literal/);
});

// the engine's path for package rules: the rules copied once into its kernel memory, the unify
// order computed there and the clauses laid out from there (addClausesSorted), the clause runs
// by first literal by a kernel (setClauseRunsByHead); the reference: the JS loop given the
// reference order, the runs computed in JS (an engine whose arrays are not the kernel's)
test('addClausesSorted with the unify sorter equals the JS load in the reference order, runs included', () => {
  let seed = 5;
  const rnd = (m: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  const before = CdclSolver.kernelMin;
  try {
    for (const [n, off, singles] of [
      [1, 3, 0],
      [40, 6, 2],
      [3000, 30, 0],
      [5000, 500, 5],
    ] as const) {
      const lits: number[] = [];
      const start = new Int32Array(n);
      const len = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        start[i] = lits.length;
        const rule = [-(1 + rnd(off))];
        for (let k = rnd(rnd(3) === 0 ? 6 : 3); k > 0; k--) {
          const x = (rnd(2) ? 1 : -1) * (1 + rnd(off));
          if (!rule.includes(x) && !rule.includes(-x)) rule.push(x);
        }
        lits.push(...rule);
        len[i] = rule.length;
      }
      const arena = Int32Array.from(lits);
      const ref = Int32Array.from(reference(arena, start, len, n));
      const one = (s: CdclSolver): void => {
        for (let k = 0; k < singles; k++) s.addClause([1 + k, -(2 + k)]);
      };
      CdclSolver.kernelMin = Infinity;
      const js = new CdclSolver(off);
      one(js);
      js.addClausesFrom(arena, start, len, ref, ref.length, arena.length, n);
      js.setClauseRunsByHead(js.nclauses);
      CdclSolver.kernelMin = before;
      const k = new CdclSolver(off);
      one(k);
      const got = k.addClausesSorted(arena, arena.length, start, len, n, unifySorter(off));
      assert.equal(got.first, singles + 1);
      assert.deepEqual([...got.order], [...ref], `n=${n}: order`);
      k.setClauseRunsByHead(k.nclauses);
      const dump = (s: CdclSolver): unknown => ({
        n: s.nclauses,
        lits: Array.from({ length: s.nclauses }, (_, id) => [...s.lits(id)]),
        head: [...s.clauseHead.subarray(0, s.nclauses)],
        runs: [...(s as unknown as { runEnd: Int32Array }).runEnd],
      });
      assert.deepEqual(dump(k), dump(js), `n=${n}`);
      assert.equal(k.solve() === true, js.solve() === true, `n=${n}: solve`);
    }
  } finally {
    CdclSolver.kernelMin = before;
  }
});
