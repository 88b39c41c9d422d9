import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';

// The solver loads when the verb runs, not when the CLI starts (start-up cost).
const depsolve = (): Promise<typeof import('../../depsolve/index.js')> => import('../../depsolve/index.js');

function readMaybeGz(path: string): string {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new AtollError('DEPSOLVE_TESTCASE_READ', `cannot read testcase file ${path}`, { cause: err });
  }
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
  return data.toString('utf8');
}

/** `atoll testsolv FILE.t`: run a libsolv testcase through atoll's solver. */
export function registerTestsolvCommand(program: Command, context: CliContext): void {
  program
    .command('testsolv')
    .description('solve a libsolv testcase file and compare with its expected result')
    .argument('<file>', 'the testcase (.t)')
    .option('-r, --result', 'print the result instead of comparing it')
    .option('--json', 'print the per-step outcome as JSON')
    .option('--trace', 'print the solver decisions on stderr')
    .option('--rules', 'with --trace: also print every rule (compare with testsolv -v -v -v -v)')
    .option('--timing', 'print on stderr how long solving took apart from loading the testcase (wall and CPU ms), and its phases')
    .action(async (file: string, opts: { result?: boolean; json?: boolean; trace?: boolean; rules?: boolean; timing?: boolean }) => {
      // The solver's WebAssembly kernels (each function compiled at its first call) stay in
      // V8's baseline compiler (Liftoff), as its JS stays in Sparkplug for the solve (see
      // --max-opt below): with tier-up on, the closure walk took 5-10 ms wall on the 60k-package
      // bench instead of ~2.5 (the tiering checks and the background compiles cost more than
      // the optimized code saves in a one-shot solve).
      setFlagsFromString('--liftoff-only');
      const { runTestcase } = await depsolve();
      const dir = dirname(resolve(file));
      // solving (provides index, rules, solve) apart from reading and parsing, as libsolv's
      // `solver_solve took` (benchmarks compare the two)
      const solveTime = { wall: 0, cpu: 0 };
      const cpuMs = (): number => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      const start = { wall: performance.now(), cpu: cpuMs() };
      // wall ms per phase (summed over the testcase's steps), from the solver's phase ends
      const phases = new Map<string, number>();
      let phaseStart = 0;
      const res = runTestcase(readMaybeGz(file), {
        readFile: (name) => readMaybeGz(resolve(dir, name)),
        trace: opts.trace ? (line) => context.notice(line) : undefined,
        traceRules: opts.rules ?? false,
        phaseEnd: opts.timing
          ? (phase) => {
              const now = performance.now();
              phases.set(phase, (phases.get(phase) ?? 0) + now - phaseStart);
              phaseStart = now;
            }
          : undefined,
        solvePhase: (run) => {
          // Reading the testcase is one long hot loop that V8's optimizing compiler pays off
          // for; the solve runs a large body of code once each for ~0.1 s, where TurboFan
          // compiles cost more CPU (on background threads) than they save: measured on the
          // 60k-package bench, solve-phase CPU 230-250 ms with it, 115-140 ms capped at the
          // baseline compiler (Sparkplug), same transactions. V8 reads the flag at each tiering
          // decision, so the parse before keeps its optimized code (as `rpm unpack` does).
          setFlagsFromString('--max-opt=1');
          const w0 = performance.now();
          const c0 = cpuMs();
          phaseStart = w0;
          try {
            return run();
          } finally {
            solveTime.wall += performance.now() - w0;
            solveTime.cpu += cpuMs() - c0;
          }
        },
      });
      if (opts.timing) {
        const total = { wall: performance.now() - start.wall, cpu: cpuMs() - start.cpu };
        context.notice(
          `timing: solve ${solveTime.wall.toFixed(1)} ms wall, ${solveTime.cpu.toFixed(1)} ms cpu; ` +
            `load and the rest ${(total.wall - solveTime.wall).toFixed(1)} ms wall, ${(total.cpu - solveTime.cpu).toFixed(1)} ms cpu`,
        );
        context.notice(`timing: phases (ms wall) ${[...phases].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
      }
      if (opts.json) {
        context.printJson(res);
      } else {
        res.steps.forEach((step, i) => {
          if (res.steps.length > 1) context.out(`test ${i + 1}:`);
          if (opts.result || step.expected === null) {
            for (const l of [...step.output].sort()) context.out(l);
          } else if (!step.pass) {
            for (const l of step.diff) context.out(l);
            for (const l of step.solutionCheck) context.out(`invalid solution: ${l}`);
          }
        });
        for (const u of new Set(res.unsupported)) context.notice(`atoll: unsupported in this testcase: ${u}`);
      }
      if (!opts.result && !res.pass) {
        throw new AtollError('DEPSOLVE_TESTCASE_MISMATCH', `${file}: result differs from the expectation`);
      }
    });
}
