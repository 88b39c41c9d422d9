import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortProvidesByName } from './provides-sort-kernel.js';

// the reference: a plain counting sort (stable, so each name's owners stay in store order)
function reference(pn: Int32Array, po: Int32Array, n: number, names: number): { start: number[]; ids: number[] } {
  const lists: number[][] = Array.from({ length: names }, () => []);
  for (let i = 0; i < n; i++) if (pn[i]! >= 0) lists[pn[i]!]!.push(po[i]!);
  const start = [0];
  for (const l of lists) start.push(start[start.length - 1]! + l.length);
  return { start, ids: lists.flat() };
}

test('the WebAssembly provides sort equals a plain counting sort (rich provides skipped, store order kept)', () => {
  let seed = 7;
  const rnd = (m: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  for (const [n, names] of [
    [0, 0],
    [0, 5],
    [1, 1],
    [17, 3],
    [5000, 40],
    [20000, 30000],
  ] as const) {
    // stores are larger than their used part (the pool grows them by doubling)
    const pn = new Int32Array(n + 9).fill(99);
    const po = new Int32Array(n + 9).fill(99);
    for (let i = 0; i < n; i++) {
      pn[i] = rnd(20) === 0 ? -1 : rnd(names);
      po[i] = 2 + (i >> 1);
    }
    const got = sortProvidesByName(pn, po, n, names);
    const want = reference(pn, po, n, names);
    assert.deepEqual([...got.start], want.start, `start, n=${n}`);
    assert.deepEqual([...got.ids], want.ids, `ids, n=${n}`);
  }
});
