/**
 * Depsolver benchmark: a generated RPM-like universe written as a libsolv testcase, solved by
 * `atoll testsolv -r` and by Debian's `testsolv -r` (libsolv 0.7.23) with dnf's flags:
 *   1. install a ~400-package, CoreOS-like set into an empty system;
 *   2. distupgrade an installed 1,500-package system.
 * The figure is the solve time excluding the metadata load. Both sides parse the same
 * testtags text (most of a whole run), so each reports its own solve phase: testsolv's `-v`
 * prints libsolv's `addfileprovides took`, `createwhatprovides took` (the provides index, built
 * after the repositories are read) and `solver_solve took` (rules and solving); `atoll testsolv
 * --timing` prints the same work (provides index, rules, solve) as `timing: solve N ms`. The
 * ratio is taken on these; the whole-process wall and CPU figures (start-up and parsing
 * included) are printed beside them.
 * Sizes: ATOLL_BENCH_SOLVER_PACKAGES (default 60000).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark } from './harness.js';
import { atollBin } from './harness.js';

/** libsolv's own timing of the work after loading: whatprovides index, rules, solving (seconds). */
export function testsolvSolveSeconds(stdout: string): number {
  let ms = 0;
  let seen = false;
  for (const m of stdout.matchAll(/^(addfileprovides|createwhatprovides|solver_solve) took (\d+) ms$/gm)) {
    ms += Number(m[2]);
    seen = true;
  }
  return seen ? ms / 1000 : Number.NaN;
}

/**
 * atoll testsolv --timing: `timing: solve N ms wall, M ms cpu` on stderr (seconds). The wall
 * figure is compared, like for like with libsolv's `solv_timems` (wall time of one thread):
 * on a loaded machine both are stretched by the other processes alike, while atoll's CPU time
 * against testsolv's wall time would flatter atoll. The CPU figure is printed beside it.
 */
export function atollSolveSeconds(stderr: string): number {
  const m = /timing: solve ([\d.]+) ms wall/.exec(stderr);
  return m ? Number(m[1]) / 1000 : Number.NaN;
}

export function atollSolveCpuSeconds(stderr: string): number {
  const m = /timing: solve [\d.]+ ms wall, ([\d.]+) ms cpu/.exec(stderr);
  return m ? Number(m[1]) / 1000 : Number.NaN;
}

import { mulberry32 as rng } from '../src/util/index.js';

/** A layered universe: package i only requires libraries of lower layers, like a distribution. */
export function generateUniverse(total: number, seed = 1): { repo: string[]; names: string[]; installedLines: string[] } {
  const r = rng(seed);
  const names: string[] = [];
  const repo: string[] = [];
  const installedLines: string[] = [];
  const perName = 2;
  const count = Math.floor(total / perName);
  for (let i = 0; i < count; i++) names.push(`pkg${i}`);
  for (let i = 0; i < count; i++) {
    const nreq = i < 50 ? 0 : 1 + Math.floor(r() * 4);
    const reqs: string[] = [];
    for (let k = 0; k < nreq; k++) {
      // prefer "core" packages, as real distributions do
      const j = r() < 0.5 ? Math.floor(r() * Math.min(i, 200)) : Math.floor(r() * i);
      reqs.push(r() < 0.2 ? `lib${j}.so()(64bit)` : names[j]!);
    }
    for (let v = 1; v <= perName; v++) {
      const arch = r() < 0.3 ? 'noarch' : 'x86_64';
      const lines = [`#>=Pkg: ${names[i]} ${v}.0 1 ${arch}`];
      lines.push(`#>=Prv: lib${i}.so()(64bit)`);
      for (const q of reqs) lines.push(`#>=Req: ${q}`);
      if (r() < 0.05) lines.push(`#>=Rec: ${names[Math.floor(r() * count)]}`);
      if (r() < 0.01) lines.push(`#>=Con: ${names[Math.floor(r() * count)]} < 1.0`);
      repo.push(...lines);
      if (v === 1 && i < 1500) installedLines.push(...lines);
    }
  }
  return { repo, names, installedLines };
}

const bench: Benchmark = {
  name: 'solver',
  description: 'depsolve on a generated 60k-package repository: atoll testsolv vs testsolv',
  async run(ctx) {
    const total = Number(process.env.ATOLL_BENCH_SOLVER_PACKAGES ?? 60000);
    const { repo, names, installedLines } = generateUniverse(total);
    const flags = ['poolflags implicitobsoleteusescolors', 'solverflags allowvendorchange keeporphans bestobeypolicy'];
    const r = rng(2);
    const wanted = new Set<string>();
    while (wanted.size < 120) wanted.add(names[200 + Math.floor(r() * (names.length - 200))]!);
    const install = [
      'repo system 0 empty',
      'repo available 0 testtags <inline>',
      ...repo,
      'system x86_64 rpm system',
      ...flags,
      ...[...wanted].map((n) => `job install name ${n}`),
    ].join('\n');
    const dup = [
      'repo system 0 testtags <inline>',
      ...installedLines,
      'repo available 0 testtags <inline>',
      ...repo,
      'system x86_64 rpm system',
      ...flags,
      'job distupgrade all packages',
    ].join('\n');
    const files = { install: join(ctx.workDir, 'install.t'), dup: join(ctx.workDir, 'dup.t') };
    writeFileSync(files.install, install + '\n');
    writeFileSync(files.dup, dup + '\n');
    for (const [label, file] of Object.entries(files)) {
      await ctx.compare({
        label: `solver ${label} (${total} packages)`,
        atoll: { argv: [process.execPath, atollBin, 'testsolv', '--timing', '-r', file], phase: (_out, err) => atollSolveSeconds(err), phaseCpu: (_out, err) => atollSolveCpuSeconds(err) },
        peer: { argv: ['testsolv', '-v', '-r', file], phase: (out) => testsolvSolveSeconds(out) },
        phaseLabel: 'solve excl. metadata load (wall)',
        target: { ratioMax: 2.0, rssMaxMB: 500 },
      });
    }
  },
};

export default bench;
