import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unifyOrder } from './rule-unify-kernel.js';

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
