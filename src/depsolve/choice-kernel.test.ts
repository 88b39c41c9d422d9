import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CF_INSTALLED, CF_OBSOLETES, CF_ORPHANED, CF_REPLACES, choiceCandidates, choiceCandidatesIn, choiceScratchBytes, type ChoiceScanInput } from './choice-kernel.js';
import { unifySorter } from './rule-unify-kernel.js';
import { CdclSolver } from '../solver/index.js';

// choiceCandidatesIn reads the clause arrays in the engine's kernel memory (and its other
// inputs from the engine's scratch, which holds a dead staging's leftovers); the reference is
// choiceCandidates on copies of the same arrays in a fresh memory of its own. This pins the
// in-place variant to the copying one only: the scan's logic itself is checked against the JS
// choice-rule code by closure-kernel.test.ts (closureKernel = false runs the full JS scan) and
// by the differential test against testsolv.
test('the choice scan in the engine memory equals the scan on copies', () => {
  let seed = 7;
  const rnd = (m: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 4) % m;
  };
  let total = 0;
  for (let round = 0; round < 12; round++) {
    const size = 20 + rnd(400);
    const n = 50 + rnd(2000);
    const lits: number[] = [];
    const start = new Int32Array(n);
    const len = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      start[i] = lits.length;
      const rule = [-(1 + rnd(size - 1))];
      for (let k = rnd(5); k > 0; k--) {
        const x = (rnd(4) ? 1 : -1) * (1 + rnd(size - 1));
        if (!rule.includes(x) && !rule.includes(-x)) rule.push(x);
      }
      lits.push(...rule);
      len[i] = rule.length;
    }
    const s = new CdclSolver(size);
    s.addClausesSorted(Int32Array.from(lits), lits.length, start, len, n, unifySorter(size));
    const rules = s.nclauses;
    // flags: installed, orphaned (installed ones), with obsoletes, replacing an installed package
    const flags = new Uint8Array(size).map(() => {
      const inst = rnd(3) === 0;
      let f = inst ? CF_INSTALLED : 0;
      if (inst && rnd(6) === 0) f |= CF_ORPHANED;
      if (rnd(10) === 0) f |= CF_OBSOLETES;
      if (!inst && rnd(3) === 0) f |= CF_REPLACES;
      return f;
    });
    const space = s.kernelScratch(choiceScratchBytes(size, rules));
    assert.ok(space, 'the clause arrays are in the kernel memory');
    const inp = (heads: Int32Array, lens: Int32Array, starts: Int32Array, arena: Int32Array): ChoiceScanInput => ({
      rules, heads, lens, starts, lits: arena, litTop: starts[rules - 1]! + lens[rules - 1]!, size, flags,
    });
    const got = choiceCandidatesIn(space.memory, space.at, inp(s.clauseHead, s.clauseLen, s.clauseStart, s.litArena));
    const want = choiceCandidates(inp(s.clauseHead.slice(), s.clauseLen.slice(), s.clauseStart.slice(), s.litArena.slice()));
    assert.deepEqual([...got], [...want], `round ${round}`);
    total += want.length;
  }
  // (the scan finds candidates: the comparison is not between two empty lists)
  assert.ok(total > 0);
});
