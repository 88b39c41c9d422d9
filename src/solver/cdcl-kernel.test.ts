import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CdclSolver } from './cdcl.js';
import { mulberry32 as rng } from '../util/index.js';

// The WebAssembly kernels (cdcl-kernel.ts) against the engine's JS reference loops
// (propagateJs, nextOpenClauseJs): same assignments, reasons, learnt clauses and proofs.

function randomClauses(r: () => number, n: number, m: number, maxLen: number): number[][] {
  const clauses: number[][] = [];
  for (let i = 0; i < m; i++) {
    const len = Math.min(n, 1 + Math.floor(r() * maxLen));
    const c: number[] = [];
    while (c.length < len) {
      const l = (1 + Math.floor(r() * n)) * (r() < 0.5 ? -1 : 1);
      if (!c.includes(l) && !c.includes(-l)) c.push(l);
    }
    clauses.push(c);
  }
  return clauses;
}

function trailOf(s: CdclSolver): string {
  const out: string[] = [];
  for (let k = 0; k < s.trailLen; k++) out.push(`${s.trailLits[k]}/${s.trailWhys[k]}`);
  return out.join(' ');
}

/** The same clauses in an engine on the kernels and in one on the JS references. */
function twoEngines(n: number, clauses: number[][]): { wasm: CdclSolver; js: CdclSolver } {
  const wasm = new CdclSolver(n);
  const js = new CdclSolver(n);
  js.useKernel = false;
  for (const c of clauses) {
    wasm.addClause(c);
    js.addClause(c);
  }
  return { wasm, js };
}

/** Decide random literals on both engines in lockstep; every step must agree. */
function lockstep(r: () => number, n: number, clauses: number[][], label: string): number {
  const { wasm, js } = twoEngines(n, clauses);
  wasm.freeze();
  js.freeze();
  const ra = wasm.assertRoot();
  const rb = js.assertRoot();
  assert.deepEqual(ra, rb, `${label}: root`);
  if (ra) return 0;
  for (let step = 0; step < 4 * n; step++) {
    assert.equal(trailOf(wasm), trailOf(js), `${label}: trail before step ${step}`);
    const open: number[] = [];
    for (let v = 1; v <= n; v++) if (js.decisionMap[v] === 0) open.push(v);
    if (!open.length) return js.conflicts;
    const v = open[Math.floor(r() * open.length)]!;
    const lit = r() < 0.5 ? v : -v;
    const a = wasm.decide(lit);
    const b = js.decide(lit);
    assert.deepEqual(a, b, `${label}: decide ${lit} at step ${step}`);
    assert.equal(wasm.nclauses, js.nclauses, `${label}: learnt clauses`);
    for (let id = 1; id < js.nclauses; id++) assert.deepEqual([...wasm.lits(id)], [...js.lits(id)], `${label}: clause ${id}`);
    if (typeof a !== 'number') return js.conflicts;
  }
  return js.conflicts;
}

test('propagate kernel: random decisions with conflicts, learning and backjumps match the JS loop', () => {
  const r = rng(23);
  let conflicts = 0;
  for (let k = 0; k < 400; k++) {
    const n = 4 + Math.floor(r() * 30);
    // around the 3-SAT threshold (~4.2 clauses a variable): random decisions often conflict
    const clauses = randomClauses(r, n, Math.floor(n * (2 + r() * 3)), 3).filter((c) => c.length > 1);
    conflicts += lockstep(r, n, clauses, `instance ${k}`);
  }
  assert.ok(conflicts > 100, 'the instances exercise conflict analysis');
});

test('propagate kernel: complete solves agree with the JS loop (models, proofs)', () => {
  const r = rng(5);
  for (let k = 0; k < 300; k++) {
    const n = 3 + Math.floor(r() * 12);
    const clauses = randomClauses(r, n, Math.floor(n * (2 + r() * 4)), 3);
    const { wasm: a, js: b } = twoEngines(n, clauses);
    const ra = a.solve();
    const rb = b.solve();
    assert.deepEqual(ra, rb, `instance ${k}`);
    assert.deepEqual([...a.decisionMap], [...b.decisionMap], `instance ${k}: model`);
  }
});

test('kernel memory: clauses added after the engine moved into it (growth) are seen by the kernels', () => {
  const r = rng(99);
  const n = 40;
  const a = new CdclSolver(n);
  const b = new CdclSolver(n);
  b.useKernel = false;
  const first = randomClauses(r, n, 30, 3);
  for (const c of first) {
    a.addClause(c);
    b.addClause(c);
  }
  assert.deepEqual(a.assertRoot(), b.assertRoot());
  a.reset();
  b.reset();
  // far more clauses than the kernel memory has room for: the arrays grow out of it
  const more = randomClauses(r, n, 5000, 6).filter((c) => c.length > 1);
  for (const c of more) {
    a.addClause(c);
    b.addClause(c);
  }
  const ra = a.solve();
  const rb = b.solve();
  assert.deepEqual(ra, rb);
  assert.deepEqual([...a.decisionMap], [...b.decisionMap]);
});

test('scan kernel: the next open clause (skips, runs, wrap-around, candidates) matches the JS loop', () => {
  const r = rng(41);
  let found = 0;
  for (let k = 0; k < 200; k++) {
    const n = 6 + Math.floor(r() * 40);
    const m = 5 + Math.floor(r() * 80);
    const clauses = randomClauses(r, n, m, 6);
    // runs of clauses with one negative first literal (like a package's rules)
    for (let i = 0; i + 3 < clauses.length; i += 4) {
      if (r() < 0.5) continue;
      const head = -(1 + Math.floor(r() * n));
      for (let j = i; j < i + 3; j++) {
        const c = clauses[j]!.filter((l) => Math.abs(l) !== -head);
        clauses[j] = [head, ...c];
      }
    }
    const a = new CdclSolver(n);
    const b = new CdclSolver(n);
    b.useKernel = false;
    for (const c of clauses) {
      a.addClause(c);
      b.addClause(c);
    }
    const end = a.nclauses;
    const runEnd = new Int32Array(end);
    for (let id = end - 1; id >= 1; id--) runEnd[id] = id + 1 < end && a.clauseHead[id + 1] === a.clauseHead[id] ? runEnd[id + 1]! : id + 1;
    const off = 1 + Math.floor(r() * (end - 1));
    for (const s of [a, b]) {
      s.setClauseRuns(runEnd);
      s.assertRoot();
      s.disable(off);
    }
    // a random partial assignment (no propagation: the scan reads decisions only)
    for (let v = 1; v <= n; v++) {
      const x = r();
      if (a.decisionMap[v] !== 0 || x < 0.4) continue;
      const lit = x < 0.7 ? v : -v;
      a.assign(lit, 0);
      b.assign(lit, 0);
    }
    for (let t = 0; t < 20; t++) {
      const nrules = 1 + Math.floor(r() * end);
      const i = 1 + Math.floor(r() * (end + 2));
      const from = Math.floor(r() * nrules);
      const dqa: number[] = [];
      const dqb: number[] = [];
      const fa = a.nextOpenClause(i, from, nrules, dqa);
      const fb = b.nextOpenClause(i, from, nrules, dqb);
      assert.equal(fa, fb, `instance ${k} scan ${t}`);
      assert.deepEqual([a.scanI, a.scanN], [b.scanI, b.scanN], `instance ${k} scan ${t}: position`);
      assert.deepEqual(dqa, dqb, `instance ${k} scan ${t}: candidates`);
      if (fa) found++;
    }
  }
  assert.ok(found > 200, 'scans find open clauses');
});

test('scan kernel: an open clause lists its undecided positive literals in clause order', () => {
  const s = new CdclSolver(6);
  s.addClause([-1, 2, 3]); // 1: needs 1 true to be open
  s.addClause([4, 5, 6]); // 2
  s.addClause([-2, 3]); // 3: negative head, two literals: never open
  s.assertRoot();
  const dq: number[] = [];
  assert.equal(s.nextOpenClause(1, 1, s.nclauses, dq), 2);
  assert.deepEqual(dq, [4, 5, 6]);
  s.assign(1, 0);
  s.assign(-5, 0);
  assert.equal(s.nextOpenClause(1, 1, s.nclauses, dq), 1);
  assert.deepEqual(dq, [2, 3]);
  assert.equal(s.nextOpenClause(2, 2, s.nclauses, dq), 2);
  assert.deepEqual(dq, [4, 6]);
  s.assign(6, 0);
  // clause 2 is satisfied now; from clause 2 (one clause looked at) the scan wraps around to 1
  assert.equal(s.nextOpenClause(2, 1, s.nclauses, dq), 1);
  assert.deepEqual([s.scanI, s.scanN], [1, 3]);
  // with n at 3 it stops before wrapping: every clause was looked at
  assert.equal(s.nextOpenClause(2, 3, s.nclauses, dq), 0);
  assert.deepEqual([s.scanI, s.scanN], [3, 4]);
  // a negative first literal whose variable is not true skips the clause's run
  const t = new CdclSolver(4);
  t.addClause([-1, 2, 3]);
  t.addClause([-1, 3, 4]);
  t.addClause([2, 3, 4]);
  t.setClauseRuns(Int32Array.from([0, 3, 3, 4]));
  t.assertRoot();
  assert.equal(t.nextOpenClause(1, 1, t.nclauses, dq), 3);
  assert.deepEqual([t.scanI, t.scanN], [3, 3]);
});

test('decideAndScan: one kernel call is decide and then, when no conflict came up, nextOpenClause', () => {
  const r = rng(77);
  let scans = 0;
  let conflicts = 0;
  for (let k = 0; k < 300; k++) {
    const n = 5 + Math.floor(r() * 30);
    const clauses = randomClauses(r, n, Math.floor(n * (2 + r() * 3)), 4).filter((c) => c.length > 1);
    // the kernel's combined call, the JS reference's, and the two steps on their own
    const { wasm, js } = twoEngines(n, clauses);
    const ref = new CdclSolver(n);
    for (const c of clauses) ref.addClause(c);
    const engines = [wasm, js, ref];
    for (const s of engines) s.freeze();
    const roots = engines.map((s) => s.assertRoot());
    assert.deepEqual(roots[0], roots[1], `instance ${k}: root`);
    assert.deepEqual(roots[0], roots[2], `instance ${k}: root`);
    if (roots[0]) continue;
    for (let step = 0; step < 2 * n; step++) {
      const open: number[] = [];
      for (let v = 1; v <= n; v++) if (ref.decisionMap[v] === 0) open.push(v);
      if (!open.length) break;
      const v = open[Math.floor(r() * open.length)]!;
      const lit = r() < 0.5 ? v : -v;
      const nrules = ref.nclauses;
      const i = 1 + Math.floor(r() * nrules);
      const from = Math.floor(r() * 3);
      const conflictsBefore = ref.conflicts;
      const dqa: number[] = [];
      const dqb: number[] = [];
      const a = wasm.decideAndScan(lit, i, from, nrules, dqa);
      const b = js.decideAndScan(lit, i, from, nrules, dqb);
      const c = ref.decide(lit);
      const label = `instance ${k} step ${step}`;
      assert.deepEqual(a, c, `${label}: decide ${lit}`);
      assert.deepEqual(b, c, `${label}: decide ${lit} (JS)`);
      assert.equal(trailOf(wasm), trailOf(ref), `${label}: trail`);
      assert.equal(trailOf(js), trailOf(ref), `${label}: trail (JS)`);
      assert.equal(wasm.nclauses, ref.nclauses, `${label}: learnt clauses`);
      assert.equal(wasm.conflicts, ref.conflicts, `${label}: conflicts`);
      if (ref.conflicts === conflictsBefore) {
        const dqc: number[] = [];
        const fc = ref.nextOpenClause(i, from, nrules, dqc);
        for (const [s, dq] of [[wasm, dqa], [js, dqb]] as const) {
          assert.equal(s.scanFound, fc, `${label}: scan`);
          assert.deepEqual([s.scanI, s.scanN], [ref.scanI, ref.scanN], `${label}: scan position`);
          assert.deepEqual(dq, dqc, `${label}: candidates`);
        }
        scans++;
      } else {
        // a conflict was analysed: no scan ran
        assert.equal(wasm.scanFound, -1, `${label}: no scan after a conflict`);
        assert.equal(js.scanFound, -1, `${label}: no scan after a conflict (JS)`);
        conflicts++;
      }
      if (typeof c !== 'number') break;
    }
  }
  assert.ok(scans > 500 && conflicts > 50, `both outcomes are exercised (${scans} scans, ${conflicts} conflicts)`);
});

test('root kernel: the unit clauses (disabled ones, empty clauses, root conflicts) as assertRoot assigns them in JS', () => {
  const r = rng(13);
  const outcomes = new Set<string>();
  for (let k = 0; k < 300; k++) {
    const n = 3 + Math.floor(r() * 25);
    const clauses = randomClauses(r, n, Math.floor(n * (0.5 + r() * 2)), 3);
    if (r() < 0.2) clauses.splice(Math.floor(r() * clauses.length), 0, []);
    const { wasm, js } = twoEngines(n, clauses);
    const off: number[] = [];
    for (let id = 1; id < wasm.nclauses; id++) if (r() < 0.15) off.push(id);
    for (const s of [wasm, js]) for (const id of off) s.disable(id);
    const ra = wasm.assertRoot();
    const rb = js.assertRoot();
    assert.deepEqual(ra, rb, `instance ${k}: root`);
    assert.equal(trailOf(wasm), trailOf(js), `instance ${k}: trail`);
    outcomes.add(ra === null ? 'ok' : wasm.clauseLen[ra.conflict] === 0 ? 'empty' : 'conflict');
    // a second round (assertRoot resets first) gives the same again
    assert.deepEqual(wasm.assertRoot(), ra, `instance ${k}: again`);
    assert.equal(trailOf(wasm), trailOf(js), `instance ${k}: trail again`);
  }
  assert.deepEqual([...outcomes].sort(), ['conflict', 'empty', 'ok']);
});

test('steps kernel: random keep-or-update steps (picks by rank, stops, passes, conflicts) match the JS reference', () => {
  const r = rng(77);
  let conflicts = 0;
  let stops = 0;
  let decisions = 0;
  for (let inst = 0; inst < 300; inst++) {
    const n = 6 + Math.floor(r() * 30);
    const clauses = randomClauses(r, n, Math.floor(n * (1.5 + r() * 2.5)), 3).filter((c) => c.length > 1);
    // the steps' clauses: [v, candidates...] (an update rule), sometimes with a negative literal
    const count = 1 + Math.floor(r() * (n / 2));
    const stepVars: number[] = [];
    const stepLits: number[][] = [];
    for (let k = 0; k < count; k++) {
      const v = 1 + Math.floor(r() * n);
      const lits = [v];
      for (let j = Math.floor(r() * 4); j > 0; j--) {
        const p = 1 + Math.floor(r() * n);
        if (!lits.includes(p) && !lits.includes(-p)) lits.push(r() < 0.1 ? -p : p);
      }
      stepVars.push(v);
      stepLits.push(lits);
    }
    const { wasm, js } = twoEngines(n, clauses);
    const ids = stepLits.map((l) => wasm.addClause(l));
    for (const l of stepLits) js.addClause(l);
    const steps = new Int32Array(4 * count);
    const cands: number[] = [];
    for (let k = 0; k < count; k++) {
      // candidates: the clause's positive literals (some left out), ranks with ties
      const cs = stepLits[k]!.filter((l) => l > 0 && r() < 0.85);
      const off = cands.length / 2;
      for (const p of cs) cands.push(p, Math.floor(r() * 3));
      const flags = (r() < 0.7 ? 1 : 0) | (Math.floor(r() * 3) << 1) | (r() < 0.7 ? 8 : 0) | (cs.length << 8);
      steps.set([stepVars[k]!, ids[k]!, flags, off], 4 * k);
    }
    for (const s of [wasm, js]) {
      s.setSteps(steps, Int32Array.from(cands));
      s.freeze();
    }
    if (r() < 0.3) {
      const id = ids[Math.floor(r() * count)]!;
      wasm.disable(id);
      js.disable(id);
    }
    const ra = wasm.assertRoot();
    assert.deepEqual(ra, js.assertRoot(), `instance ${inst}: root`);
    if (ra) continue;
    let k = Math.floor(r() * count);
    let done = 0;
    const pass = r() < 0.5 ? 0 : 1;
    for (let call = 0; call < 100 && done < count; call++) {
      const label = `instance ${inst} call ${call}`;
      const a = wasm.decideSteps(k, done, count, pass);
      const b = js.decideSteps(k, done, count, pass);
      assert.equal(a, b, label);
      assert.deepEqual(
        [wasm.stepK, wasm.stepN, wasm.stepWhich, wasm.stepDecisions, wasm.level, wasm.decisions],
        [js.stepK, js.stepN, js.stepWhich, js.stepDecisions, js.level, js.decisions],
        `${label}: position`,
      );
      assert.equal(trailOf(wasm), trailOf(js), `${label}: trail`);
      decisions += js.stepDecisions;
      if (a === 0) break;
      k = js.stepK;
      done = js.stepN;
      if (a < 0) {
        conflicts++;
        const la = wasm.propagateLearn(-a);
        assert.deepEqual(la, js.propagateLearn(-b), `${label}: learn`);
        assert.equal(trailOf(wasm), trailOf(js), `${label}: trail after learning`);
        if (typeof la !== 'number') break;
        continue; // the same step again
      }
      // a stop: the caller settles the step (here: its variable false) and goes on
      stops++;
      const v = stepVars[k]!;
      if (js.decisionMap[v] === 0) {
        const la = wasm.decide(-v);
        assert.deepEqual(la, js.decide(-v), `${label}: caller's decision`);
        if (typeof la !== 'number') break;
      }
      k++;
      done++;
    }
  }
  assert.ok(conflicts > 30, `the steps meet conflicts (${conflicts})`);
  assert.ok(stops > 50, `the steps stop for the caller (${stops})`);
  assert.ok(decisions > 300, `the steps decide (${decisions})`);
});
