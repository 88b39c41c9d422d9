import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CdclSolver } from './cdcl.js';
import { mulberry32 as rng } from '../util/index.js';

// The reference is addClausesFrom's JS loop (kernelMin = Infinity): the kernel must give the
// same clause store and watch lists, also after clauses added one by one before the bulk load
// (their watch lists are linked through the fix-ups).

type Internals = Record<'w1' | 'w2' | 'next1' | 'next2' | 'watchHead' | 'watchTail', Int32Array>;

function state(s: CdclSolver): unknown {
  const i = s as unknown as Internals;
  const n = s.nclauses;
  const cut = (a: Int32Array): number[] => [...a.subarray(0, n)];
  return {
    n,
    lits: Array.from({ length: n }, (_, id) => [...s.lits(id)]),
    head: cut(s.clauseHead),
    off: [...s.clauseOff.subarray(0, n)],
    w1: cut(i.w1),
    w2: cut(i.w2),
    next1: cut(i.next1),
    next2: cut(i.next2),
    watchHead: [...i.watchHead],
    watchTail: [...i.watchTail],
  };
}

test('the clause-load kernel lays out clauses and watch lists as the JS loop does', () => {
  const r = rng(11);
  const before = CdclSolver.kernelMin;
  try {
    for (let round = 0; round < 60; round++) {
      const nvars = 3 + Math.floor(r() * 40);
      const lit = (): number => (1 + Math.floor(r() * nvars)) * (r() < 0.5 ? -1 : 1);
      // some clauses one by one first (round % 3 === 0: none)
      const singles: number[][] = [];
      for (let k = round % 3 === 0 ? 0 : Math.floor(r() * 8); k > 0; k--) singles.push([lit(), lit(), lit()].filter((x, i, a) => a.indexOf(x) === i && !a.includes(-x)));
      // the bulk: an arena of distinct-literal rules and an order over part of them
      const arena: number[] = [];
      const start: number[] = [];
      const len: number[] = [];
      const rules = Math.floor(r() * 300);
      for (let k = 0; k < rules; k++) {
        const c: number[] = [];
        for (let m = Math.floor(r() * 5); m > 0; m--) {
          const x = lit();
          if (!c.includes(x) && !c.includes(-x)) c.push(x);
        }
        start.push(arena.length);
        len.push(c.length);
        arena.push(...c);
      }
      const order = Array.from({ length: rules }, (_, k) => k).filter(() => r() < 0.8);
      // a rule twice (laid out twice, by the kernel as by the JS loop)
      if (round % 5 === 4 && order.length) order.push(order[0]!, order[0]!);
      const load = (kernelMin: number): CdclSolver => {
        CdclSolver.kernelMin = kernelMin;
        const s = new CdclSolver(nvars);
        for (const c of singles) s.addClause(c);
        const first = s.addClausesFrom(Int32Array.from(arena), Int32Array.from(start), Int32Array.from(len), Int32Array.from(order), order.length, arena.length, rules);
        assert.equal(first, singles.length + 1);
        return s;
      };
      const js = load(Infinity);
      const kernel = load(0);
      assert.deepEqual(state(kernel), state(js), `round ${round}`);
      // and they solve alike
      assert.deepEqual(kernel.solve() === true, js.solve() === true, `round ${round}: solve`);
    }
  } finally {
    CdclSolver.kernelMin = before;
  }
});

test('the clause-load kernel refuses a literal beyond the variables (no write past the per-variable arrays)', () => {
  const before = CdclSolver.kernelMin;
  try {
    CdclSolver.kernelMin = 0;
    for (const bad of [40, -11, 0]) {
      const s = new CdclSolver(10);
      // 600 two-literal rules, the last naming a variable the engine does not have
      const arena = new Int32Array(1200);
      const start = new Int32Array(600);
      const len = new Int32Array(600).fill(2);
      for (let k = 0; k < 600; k++) {
        start[k] = 2 * k;
        arena[2 * k] = -(1 + (k % 5));
        arena[2 * k + 1] = k === 599 ? bad : 6 + (k % 5);
      }
      const order = Int32Array.from({ length: 600 }, (_, k) => k);
      assert.throws(() => s.addClausesFrom(arena, start, len, order, 600), RangeError, `literal ${bad}`);
    }
    // the edges of the range are accepted
    const s = new CdclSolver(10);
    s.addClausesFrom(Int32Array.from([-10, 9, 1]), Int32Array.from([0, 2]), Int32Array.from([2, 1]), Int32Array.from([0, 1]), 2);
    assert.equal(s.nclauses, 3);
  } finally {
    CdclSolver.kernelMin = before;
  }
});

test('an order naming a long rule many times (more literals than the arena has room for) falls back to the JS loop', () => {
  const before = CdclSolver.kernelMin;
  try {
    // one rule of 20,000 literals and 600 short ones, the long one named three times
    const nvars = 20_010;
    const long = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? -1 : 1) * (i + 1));
    const arena: number[] = [...long];
    const start: number[] = [0];
    const len: number[] = [long.length];
    for (let k = 0; k < 600; k++) {
      start.push(arena.length);
      len.push(2);
      arena.push(-(1 + (k % 7)), 20_001 + (k % 9));
    }
    const order = [0, ...Array.from({ length: 600 }, (_, k) => k + 1), 0, 0];
    const load = (kernelMin: number): CdclSolver => {
      CdclSolver.kernelMin = kernelMin;
      const s = new CdclSolver(nvars);
      s.addClausesFrom(Int32Array.from(arena), Int32Array.from(start), Int32Array.from(len), Int32Array.from(order), order.length);
      return s;
    };
    const js = load(Infinity);
    const kernel = load(0);
    assert.equal(kernel.nclauses, order.length + 1);
    assert.deepEqual(state(kernel), state(js));
  } finally {
    CdclSolver.kernelMin = before;
  }
});
