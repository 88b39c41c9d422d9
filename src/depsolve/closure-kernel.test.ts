import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTestcase } from './testcase.js';
import { RpmSolver } from './rpm-solver.js';
import { ClosureKernel } from './closure-kernel.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RPMSENSE } from '../rpm/index.js';
import { Pool } from './pool.js';
import { simpleDep, type Dep } from './dep.js';
import { lcgInt as rng } from '../../test/helpers/lcg.js';

// The reference is RpmSolver's JS code (closureKernel = false: the JS walk, the JS distupgrade-all
// loop): for random repositories, the
// kernel must give the same rules in the same order (the rule dump), the same trace and result.

function randomTestcase(seed: number): string {
  const rnd = rng(seed);
  const n = 20 + rnd(40);
  const archs = ['x86_64', 'i686', 'noarch', 'noarch', 'x86_64', 's390x'];
  const name = (k: number): string => `p${k % 25}`;
  const dep = (): string => {
    const k = rnd(n + 5);
    switch (rnd(9)) {
      case 0:
        return `${name(k)} >= ${1 + rnd(3)}`;
      case 1:
        return `${name(k)} < ${1 + rnd(3)}`;
      case 2:
        return `lib${k % 12}`;
      case 3:
        return `/usr/bin/t${k % 6}`;
      case 4:
        return 'rpmlib(PayloadIsXz)';
      case 5:
        return rnd(4) === 0 ? `(${name(k)} | lib${k % 12})` : `lib${k % 12}`;
      default:
        return name(k);
    }
  };
  const pkgs = (count: number, installed: boolean): string[] => {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const k = rnd(40);
      out.push(`#>=Pkg: ${name(k)} ${1 + rnd(3)} ${1 + rnd(2)} ${archs[rnd(archs.length)]}`);
      if (rnd(2)) out.push(`#>=Prv: lib${rnd(12)}`);
      if (rnd(5) === 0) out.push(`#>=Prv: /usr/bin/t${rnd(6)}`);
      for (let r = rnd(4); r > 0; r--) out.push(`#>=Req: ${dep()}`);
      if (rnd(4) === 0) out.push(`#>=Con: ${dep()}`);
      if (rnd(6) === 0) out.push(`#>=Rec: ${dep()}`);
      if (rnd(8) === 0) out.push(`#>=Sug: ${dep()}`);
      if (!installed && rnd(15) === 0) out.push(`#>=Obs: ${name(rnd(40))}`);
      if (rnd(12) === 0) out.push(`#>=Con: ${name(k)}`); // a self-conflict
    }
    return out;
  };
  const withSystem = rnd(2) === 0;
  const lines = ['repo system 0 testtags <inline>', ...(withSystem ? pkgs(5 + rnd(10), true) : []), 'repo available 0 testtags <inline>', ...pkgs(n, false)];
  lines.push(`system ${rnd(3) === 0 ? 'unset' : 'x86_64'} rpm system`);
  const pf: string[] = [];
  if (rnd(2)) pf.push('implicitobsoleteusescolors');
  if (rnd(3) === 0) pf.push('forbidselfconflicts');
  if (pf.length) lines.push(`poolflags ${pf.join(' ')}`);
  for (let j = 1 + rnd(4); j > 0; j--) lines.push(`job install name ${name(rnd(40))}`);
  if (withSystem && rnd(2)) lines.push('job distupgrade all packages');
  if (rnd(6) === 0) lines.push(`job multiversion name ${name(rnd(40))}`);
  lines.push('result transaction,problems <inline>');
  return lines.join('\n') + '\n';
}

function run(text: string, kernel: boolean): { trace: string[]; output: string[] } {
  const before = RpmSolver.closureKernel;
  const dump = Object.getOwnPropertyDescriptor(RpmSolver.prototype, 'dumpRules')!;
  RpmSolver.closureKernel = kernel;
  // the rule dump with each rule's origin too (reason, package, dependency: what problems name)
  Object.defineProperty(RpmSolver.prototype, 'dumpRules', {
    configurable: true,
    value(this: RpmSolver): string[] {
      const lines = (dump.value as (this: RpmSolver) => string[]).call(this);
      return lines.map((l, i) => `${l} [${this.describeRule(i + 1)}]`);
    },
  });
  try {
    const trace: string[] = [];
    const res = runTestcase(text, { readFile: () => '', trace: (l) => trace.push(l), traceRules: true });
    return { trace, output: res.steps.flatMap((s) => s.output) };
  } finally {
    RpmSolver.closureKernel = before;
    Object.defineProperty(RpmSolver.prototype, 'dumpRules', dump);
  }
}

test('the closure and distupgrade kernels give the JS code\'s rules, in its order, on random repositories', () => {
  let nonEmpty = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const text = randomTestcase(seed);
    const js = run(text, false);
    const wasm = run(text, true);
    if (js.trace.some((l) => l.startsWith('pkg #'))) nonEmpty++;
    assert.deepEqual(wasm.trace, js.trace, `seed ${seed}: rule dump and trace\n${text}`);
    assert.deepEqual(wasm.output, js.output, `seed ${seed}: result`);
  }
  // the cases exercise package rules at all
  assert.ok(nonEmpty > 100, `only ${nonEmpty} cases with package rules`);
});

test('a full kernel arena gives the same rules: again with more room, else the JS walk', () => {
  const before = ClosureKernel.roomFactor;
  try {
    for (const factor of [0, 0.0005]) {
      ClosureKernel.roomFactor = factor;
      for (let seed = 200; seed <= 240; seed++) {
        const text = randomTestcase(seed);
        const js = run(text, false);
        const wasm = run(text, true);
        assert.deepEqual(wasm.trace, js.trace, `room factor ${factor}, seed ${seed}`);
        assert.deepEqual(wasm.output, js.output, `room factor ${factor}, seed ${seed}: result`);
      }
    }
  } finally {
    ClosureKernel.roomFactor = before;
  }
});

test('a solver whose rule origins stayed in the pool\'s scratch keeps them when a later solve takes it', () => {
  // two steps on one pool: the second solver's walk reuses the scratch column the first one's
  // origin columns were left in (Pool.holdScratch); the first solver's rules, described after
  // that, must still be its own (as the JS walk, which uses no scratch, gives them)
  const text = [
    'repo system 0 testtags <inline>',
    '#>=Pkg: old 1 1 noarch',
    'repo available 0 testtags <inline>',
    '#>=Pkg: a 1 1 noarch', '#>=Req: b', '#>=Con: old',
    '#>=Pkg: b 1 1 noarch', '#>=Req: missing',
    '#>=Pkg: b 2 1 noarch',
    '#>=Pkg: c 1 1 noarch', '#>=Req: d', '#>=Req: e',
    '#>=Pkg: d 1 1 noarch', '#>=Con: e',
    '#>=Pkg: e 1 1 noarch',
    'system x86_64 rpm system',
    'job install name a',
    'result transaction,problems <inline>',
    'nextjob',
    'job install name c',
    'result transaction,problems <inline>',
  ].join('\n') + '\n';
  const describe = (kernel: boolean): string[][] => {
    const before = RpmSolver.closureKernel;
    RpmSolver.closureKernel = kernel;
    try {
      const solvers: RpmSolver[] = [];
      runTestcase(text, {
        readFile: () => '',
        solvePhase: <T>(solve: () => T): T => {
          const r = solve();
          solvers.push((r as unknown as [RpmSolver])[0]);
          return r;
        },
      });
      return solvers.map((s) => s.dumpRules().map((_, i) => s.describeRule(i + 1)));
    } finally {
      RpmSolver.closureKernel = before;
    }
  };
  const js = describe(false);
  const wasm = describe(true);
  assert.equal(wasm.length, 2);
  assert.notDeepEqual(js[0], js[1], 'the two steps have different rules');
  assert.deepEqual(wasm, js);
});

/** A pool with packages a (requires b and c), b (conflicts with d), c (requires d), d; a's id; `add` adds more. */
function smallPool(): { pool: Pool; a: number; add: (name: string) => void } {
  const pool = new Pool();
  pool.setArch('x86_64');
  const repo = pool.addRepo('base');
  const none: Dep[] = [];
  const pkg = (name: string, requires: Dep[], conflicts = none): number =>
    pool.addSolvable(repo, {
      name, evr: '1-1', arch: 'x86_64', vendor: '',
      provides: [simpleDep(name, RPMSENSE.EQUAL, '1-1')],
      requires, conflicts, obsoletes: none, recommends: none, suggests: none, supplements: none, enhances: none,
      files: [], buildtime: 0,
    }).id;
  const a = pkg('a', [simpleDep('b', 0, ''), simpleDep('c', 0, '')]);
  pkg('b', none, [simpleDep('d', 0, '')]);
  pkg('c', [simpleDep('d', 0, '')]);
  pkg('d', none);
  return { pool, a, add: (name) => void pkg(name, [simpleDep('a', 0, '')]) };
}

test('rule origins read from the scratch after the pool\'s memory grew are still the walk\'s', () => {
  const describe = (kernel: boolean): string[] => {
    const before = RpmSolver.closureKernel;
    RpmSolver.closureKernel = kernel;
    try {
      const { pool, a, add } = smallPool();
      const solver = new RpmSolver(pool, [{ verb: 'install', select: { kind: 'pkg', p: a }, flags: new Set() }]);
      solver.solve();
      const n = solver.dumpRules().length;
      // the first rule read (views of the scratch made), then the memory grows: the views
      // are made again for the others
      const out = [solver.describeRule(1)];
      for (let k = 0; k < 30_000; k++) add(`x${k}`);
      for (let id = 2; id <= n; id++) out.push(solver.describeRule(id));
      return out;
    } finally {
      RpmSolver.closureKernel = before;
    }
  };
  const js = describe(false);
  assert.ok(js.length > 3);
  assert.deepEqual(describe(true), js);
});

test('the pool does not keep a solver alive through the origin columns it left in the scratch', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { pool, a } = smallPool();
  const solve = (): WeakRef<RpmSolver> => {
    const solver = new RpmSolver(pool, [{ verb: 'install', select: { kind: 'pkg', p: a }, flags: new Set() }]);
    // (a problem: b conflicts with d, which c requires; its proof reads the rules' origins)
    assert.equal(solver.solve().problems.length, 1);
    // (the walk was the kernel's: its origins are in the pool's scratch, held for this solver)
    assert.match(solver.describeRule(1), /requires|conflicts|same/);
    return new WeakRef(solver);
  };
  const before = RpmSolver.closureKernel;
  RpmSolver.closureKernel = true;
  try {
    const ref = solve();
    // (a WeakRef's target stays alive until the current job ends)
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(ref.deref(), undefined, 'the solver (and its engine\'s memory) is collectable');
    // the next walk takes the scratch: the hold copies out for nobody, harmlessly
    solve();
  } finally {
    RpmSolver.closureKernel = before;
  }
});
