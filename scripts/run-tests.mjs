#!/usr/bin/env node
// Runs the compiled node:test suites (unit tests beside the code under dist/src, cross-tool
// tests under dist/test), one suite after the other, printing each suite's duration and a
// closing "tests: N passed, N failed, N skipped" line. Exit status is non-zero if any suite
// failed. Usage: node scripts/run-tests.mjs [--unit] [--interop] [--e2e] [--boot] [FILTER...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const wanted = new Set(args.filter((a) => a.startsWith('--')).map((a) => a.slice(2)));
const filters = args.filter((a) => !a.startsWith('--'));

// timeoutMs: a per-test ceiling, so a test that hangs (say, a WebAssembly kernel looping on a
// broken watch list) fails the suite instead of stalling CI; far above any test's normal time.
const suites = [
  { name: 'unit', dir: 'dist/src', timeoutMs: 600_000 },
  { name: 'arch', dir: 'dist/test/arch', timeoutMs: 600_000 },
  { name: 'interop', dir: 'dist/test/interop', timeoutMs: 1_200_000 },
  { name: 'e2e', dir: 'dist/test/e2e', timeoutMs: 1_200_000 },
  { name: 'ostree-suite', dir: 'dist/test/ostree-suite' },
  // QEMU boot tests (test/boot, issue 13): their own suite, last; `npm run test:boot` runs only them.
  // The scenarios and `demo --boot` fill and read one download cache (~/.cache/atoll-boot, under
  // flock): run them one at a time (each boots QEMU under TCG on a 2-core machine).
  { name: 'boot', dir: 'dist/test/boot', concurrency: 1 },
].filter((s) => wanted.size === 0 || wanted.has(s.name));

function findTests(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

function runSuite(files, concurrency, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--test', '--enable-source-maps', '--test-reporter=spec', '--test-reporter-destination=stdout',
        '--test-reporter=tap', '--test-reporter-destination=' + join(root, 'dist', '.last-tap'),
        `--test-concurrency=${concurrency ?? process.env.ATOLL_TEST_CONCURRENCY ?? 2}`,
        ...(timeoutMs ? [`--test-timeout=${timeoutMs}`] : []), ...files],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function countTap() {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(join(root, 'dist', '.last-tap'), 'utf8').catch(() => '');
  const grab = (key) => Number((text.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  return { pass: grab('pass'), fail: grab('fail'), skipped: grab('skipped') + grab('todo'), cancelled: grab('cancelled') };
}

const totals = { pass: 0, fail: 0, skipped: 0 };
let failed = false;
for (const suite of suites) {
  let files = findTests(join(root, suite.dir));
  // Match against the path inside the project, so a checkout folder named like a module
  // (say /work/wt-rpm3) does not match every file.
  if (filters.length > 0) files = files.filter((f) => filters.some((needle) => relative(root, f).includes(needle)));
  if (files.length === 0) continue;
  const started = Date.now();
  process.stdout.write(`\n=== suite ${suite.name}: ${files.length} files\n`);
  const code = await runSuite(files.map((f) => relative(root, f)), suite.concurrency, suite.timeoutMs);
  const counts = await countTap();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  totals.pass += counts.pass;
  totals.fail += counts.fail + counts.cancelled;
  totals.skipped += counts.skipped;
  process.stdout.write(`=== suite ${suite.name}: ${counts.pass} passed, ${counts.fail + counts.cancelled} failed, ${counts.skipped} skipped in ${seconds}s\n`);
  if (code !== 0) failed = true;
}
process.stdout.write(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped\n`);
process.exitCode = failed || totals.fail > 0 ? 1 : 0;
