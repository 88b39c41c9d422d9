import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTestcase } from './testcase.js';
import { RpmSolver } from './rpm-solver.js';
import { CdclSolver } from '../solver/index.js';
import { lcgInt as rng } from '../../test/helpers/lcg.js';

// The installed-packages pass through the engine's decideSteps (RpmSolver.installedSteps) against
// the pass in JS only: for random systems with updates, distupgrades, erasures and locks, the
// same transactions and problems. The cases make the engine stop for the JS (picks it has no
// rank for, disabled update rules) and meet conflicts.

function randomTestcase(seed: number): string {
  const rnd = rng(seed);
  const names = 12 + rnd(20);
  const archs = ['x86_64', 'i686', 'noarch', 'x86_64'];
  const name = (k: number): string => `p${k % names}`;
  const dep = (): string => {
    const k = rnd(names);
    switch (rnd(6)) {
      case 0:
        return `${name(k)} >= ${1 + rnd(4)}`;
      case 1:
        return `${name(k)} < ${1 + rnd(4)}`;
      case 2:
        return `lib${k % 8}`;
      default:
        return name(k);
    }
  };
  const pkg = (k: number, v: number, installed: boolean): string[] => {
    const out = [`#>=Pkg: ${name(k)} ${v} ${1 + rnd(2)} ${archs[rnd(archs.length)]}`];
    if (rnd(2)) out.push(`#>=Prv: lib${rnd(8)}`);
    for (let r = rnd(3); r > 0; r--) out.push(`#>=Req: ${dep()}`);
    if (rnd(5) === 0) out.push(`#>=Con: ${dep()}`);
    if (rnd(6) === 0) out.push(`#>=Rec: ${dep()}`);
    if (!installed && rnd(12) === 0) out.push(`#>=Obs: ${name(rnd(names))}`);
    return out;
  };
  const system: string[] = [];
  const available: string[] = [];
  for (let k = 0; k < names; k++) {
    if (rnd(4) !== 0) system.push(...pkg(k, 1 + rnd(2), true));
    // several newer versions: the pass picks among them
    for (let v = rnd(4); v > 0; v--) available.push(...pkg(k, 1 + rnd(5), false));
  }
  const lines = ['repo system 0 testtags <inline>', ...system, 'repo available 0 testtags <inline>', ...available];
  lines.push('system x86_64 rpm system');
  if (rnd(2)) lines.push('poolflags implicitobsoleteusescolors');
  const sf = ['allowvendorchange'];
  if (rnd(3) === 0) sf.push('allowuninstall');
  if (rnd(3) === 0) sf.push('focusinstalled');
  if (rnd(4) === 0) sf.push('bestobeypolicy');
  lines.push(`solverflags ${sf.join(' ')}`);
  switch (rnd(4)) {
    case 0:
      lines.push('job distupgrade all packages');
      break;
    case 1:
      lines.push('job update all packages');
      break;
    default:
      // some packages updated first (the pass's first round), the rest after them
      for (let j = 1 + rnd(3); j > 0; j--) lines.push(`job update name ${name(rnd(names))}`);
      break;
  }
  for (let j = rnd(4); j > 0; j--) {
    const verb = ['install', 'install', 'erase', 'lock'][rnd(4)]!;
    lines.push(`job ${verb} name ${name(rnd(names))}`);
  }
  lines.push('result transaction,problems <inline>');
  return lines.join('\n') + '\n';
}

function run(text: string, steps: boolean): string[] {
  const before = RpmSolver.installedSteps;
  RpmSolver.installedSteps = steps;
  try {
    return runTestcase(text, { readFile: () => '' }).steps.flatMap((s) => s.output);
  } finally {
    RpmSolver.installedSteps = before;
  }
}

test('the installed-packages pass in the engine (decideSteps) decides as the pass in JS, on random systems', () => {
  // what the engine's calls came back with: 0 done, 1 stopped for the JS, <0 a conflict
  const seen = { done: 0, stop: 0, conflict: 0, decisions: 0 };
  const decideSteps = Object.getOwnPropertyDescriptor(CdclSolver.prototype, 'decideSteps')!;
  Object.defineProperty(CdclSolver.prototype, 'decideSteps', {
    configurable: true,
    value(this: CdclSolver, k: number, n: number, count: number, pass: number): number {
      const r = (decideSteps.value as CdclSolver['decideSteps']).call(this, k, n, count, pass);
      if (r === 0) seen.done++;
      else if (r === 1) seen.stop++;
      else seen.conflict++;
      seen.decisions += this.stepDecisions;
      return r;
    },
  });
  try {
    for (let seed = 1; seed <= 300; seed++) {
      const text = randomTestcase(seed);
      assert.deepEqual(run(text, true), run(text, false), `seed ${seed}\n${text}`);
    }
  } finally {
    Object.defineProperty(CdclSolver.prototype, 'decideSteps', decideSteps);
  }
  assert.ok(seen.decisions > 1000, `the engine decides (${JSON.stringify(seen)})`);
  assert.ok(seen.stop > 100, `the engine stops for the JS (${JSON.stringify(seen)})`);
  assert.ok(seen.conflict > 10, `the engine meets conflicts (${JSON.stringify(seen)})`);
});
