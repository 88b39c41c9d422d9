// bin/atoll through the bundled CLI and its V8 code cache (src/cli/code-cache.ts,
// scripts/build-cli-bundle.mjs) against the same commands through dist's ES modules
// (ATOLL_NO_CODE_CACHE=1): same output, same exit codes, and the cache really used.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inCI, repoRoot, tempDir } from '../helpers/env.js';
import { atollBin, run, type Ran } from '../helpers/run.js';
import { staleReason, bundlePaths } from '../../src/cli/code-cache.js';

const ostreeBin = join(repoRoot, 'bin', 'atoll-ostree');
const USED = /^atoll: code cache: used \(.*atoll-cli\.cjs\)\n/;

/** The bundle of this build must be current (npm run build makes it; a tsc-only build does not). */
function requireBundle(t: TestContext): boolean {
  const reason = staleReason(bundlePaths());
  if (reason === null) return true;
  if (inCI) throw new Error(`the bundled CLI is not usable: ${reason}`);
  t.skip(`bundled CLI: ${reason}`);
  return false;
}

function runBoth(bin: string, args: string[], options: { cwd?: string; nodeArgs?: string[] } = {}): { bundled: Ran; esm: Ran } {
  const go = (env: Record<string, string>): Ran =>
    run(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], { cwd: options.cwd, env: { ...process.env, ATOLL_CODE_CACHE_DEBUG: '1', ...env } });
  return { bundled: go({ ATOLL_NO_CODE_CACHE: '' }), esm: go({ ATOLL_NO_CODE_CACHE: '1' }) };
}

/** The bundled run used the cache; then both runs printed the same and exited the same. */
function assertSame({ bundled, esm }: { bundled: Ran; esm: Ran }): void {
  assert.match(bundled.stderr, USED);
  assert.match(esm.stderr, /^atoll: code cache: not used: ATOLL_NO_CODE_CACHE=1\n/);
  assert.equal(bundled.status, esm.status);
  assert.equal(bundled.stdout, esm.stdout);
  assert.equal(bundled.stderr.replace(USED, ''), esm.stderr.replace(/^atoll: code cache: not used: .*\n/, ''));
}

test('--version and --help: the bundle with its code cache, same output as the ES modules', (t) => {
  if (!requireBundle(t)) return;
  const version = runBoth(atollBin, ['--version']);
  assertSame(version);
  assert.match(version.bundled.stdout, /^\d+\.\d+\.\d+\n$/); // package.json found through import.meta.url
  assertSame(runBoth(atollBin, ['--help']));
});

test('usage errors exit 2 and coded errors exit 1 through the bundle (one AtollError class)', (t) => {
  if (!requireBundle(t)) return;
  const unknown = runBoth(atollBin, ['frobnicate']);
  assertSame(unknown);
  assert.equal(unknown.bundled.status, 2);
  const badOption = runBoth(atollBin, ['repo', 'init', '--repo', '/nonexistent/x', '--mode', 'nope']);
  assertSame(badOption);
  assert.equal(badOption.bundled.status, 2);
  const missing = runBoth(atollBin, ['testsolv', '/nonexistent/case.t']);
  assertSame(missing);
  assert.equal(missing.bundled.status, 1);
  assert.match(missing.bundled.stderr, /atoll: error: cannot read testcase file \/nonexistent\/case\.t/);
});

test('testsolv through the bundle solves as the ES modules do', (t) => {
  if (!requireBundle(t)) return;
  const file = join(repoRoot, 'test/fixtures/solver/diff-25-4.t');
  const solved = runBoth(atollBin, ['testsolv', '-r', file]);
  assertSame(solved);
  assert.equal(solved.bundled.status, 0);
  assert.match(solved.bundled.stdout, /^upgrade pl-1-1\.x86_64@system pl-2-1\.x86_64@available$/m);
});

test('a repository round trip through the bundle (workers and addons found from dist/)', (t) => {
  if (!requireBundle(t)) return;
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'usr/bin'), { recursive: true });
  writeFileSync(join(tree, 'usr/bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  for (const mode of ['bundled', 'esm'] as const) {
    const repo = join(dir, `repo-${mode}`);
    const env = { ...process.env, ATOLL_CODE_CACHE_DEBUG: '1', ATOLL_NO_CODE_CACHE: mode === 'esm' ? '1' : '' };
    const atoll = (args: string[]): Ran => {
      const ran = run(process.execPath, [atollBin, '--progress=none', ...args], { env });
      assert.equal(ran.status, 0, ran.stderr);
      assert.equal(USED.test(ran.stderr), mode === 'bundled');
      return ran;
    };
    atoll(['repo', 'init', '--repo', repo, '--mode', 'archive']);
    const commit = atoll(['repo', 'commit', '--repo', repo, '-b', 'main', '-s', 's', '--timestamp', '2026-01-01 00:00:00 +0000', tree]).stdout.trim();
    atoll(['repo', 'checkout', '--repo', repo, '-U', 'main', join(dir, `co-${mode}`)]);
    t.diagnostic(`${mode}: ${commit}`);
    if (mode === 'esm') {
      const bundled = readFileSync(join(dir, 'repo-bundled/refs/heads/main'), 'utf8').trim();
      assert.equal(commit, bundled);
    }
  }
});

test('bin/atoll-ostree loads the same bundle', (t) => {
  if (!requireBundle(t)) return;
  const version = runBoth(ostreeBin, ['--version']);
  assertSame(version);
  assert.match(version.bundled.stdout, /^libostree:\n Version: '/);
});

test('a cache V8 would reject (other V8 flags): dist\'s modules, same output, said on the debug line', (t) => {
  if (!requireBundle(t)) return;
  const flagged = runBoth(atollBin, ['--help'], { nodeArgs: ['--max-opt=2'] });
  assert.match(flagged.bundled.stderr, /^atoll: code cache: not used: V8 would reject the code cache/);
  assert.equal(flagged.bundled.status, 0);
  assert.equal(flagged.bundled.stdout, flagged.esm.stdout);
  assert.equal(flagged.bundled.stderr.replace(/^atoll: code cache: .*\n/, ''), flagged.esm.stderr.replace(/^atoll: code cache: .*\n/, ''));
  const quiet = run(process.execPath, ['--max-opt=2', atollBin, '--version'], { env: { ...process.env, ATOLL_CODE_CACHE_DEBUG: '', ATOLL_NO_CODE_CACHE: '' } });
  assert.equal(quiet.stderr, '');
  assert.match(quiet.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('--debug and ATOLL_DEBUG=1 use dist\'s modules (stacks point into dist/, not the bundle)', (t) => {
  if (!requireBundle(t)) return;
  const env = { ...process.env, ATOLL_CODE_CACHE_DEBUG: '1', ATOLL_NO_CODE_CACHE: '' };
  const flag = run(process.execPath, [atollBin, '--debug', 'testsolv', '/nonexistent/case.t'], { env });
  assert.equal(flag.status, 1);
  assert.match(flag.stderr, /^atoll: code cache: not used: --debug or ATOLL_DEBUG=1/);
  assert.match(flag.stderr, /^\[DEPSOLVE_TESTCASE_READ\] AtollError/m);
  assert.match(flag.stderr, /dist\/src\/.*\.js:\d+/);
  assert.doesNotMatch(flag.stderr, /atoll-cli\.cjs/);
  const envDebug = run(process.execPath, [atollBin, '--version'], { env: { ...env, ATOLL_DEBUG: '1' } });
  assert.match(envDebug.stderr, /^atoll: code cache: not used: --debug or ATOLL_DEBUG=1/);
  assert.match(envDebug.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('a short command through the bundle does not load the packages of other commands', (t) => {
  if (!requireBundle(t)) return;
  // NODE_DEBUG=module logs every CommonJS load on stderr (no V8 flag: the cache stays valid).
  const ran = run(process.execPath, [atollBin, 'status', '--help'], { env: { ...process.env, NODE_DEBUG: 'module', ATOLL_CODE_CACHE_DEBUG: '1', ATOLL_NO_CODE_CACHE: '' } });
  assert.equal(ran.status, 0);
  assert.match(ran.stderr, /atoll: code cache: used/);
  assert.match(ran.stderr, /node_modules\/commander/);
  for (const pkg of ['undici', 'saxes', 'openpgp', 'better-sqlite3', 'yaml']) assert.doesNotMatch(ran.stderr, new RegExp(`node_modules/${pkg}/`), pkg);
});
