// libsolv's own testcases (../shared/conformance/libsolv/CASES.tsv) run through atoll's solver.
// Transaction lines must match exactly, problems by count (problem ids are libsolv-internal
// hashes). Tiers T0/T1 are the conformance target; the cases atoll does not match yet are
// listed in test/fixtures/solver/known-failures.txt so that any *new* failure (or a fixed
// case still listed) fails this test. Per-tier counts are printed as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { repoRoot, requireShared } from '../helpers/env.js';
import { runTestcase } from '../../src/depsolve/index.js';

function read(path: string): string {
  let data = readFileSync(path);
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
  return data.toString('utf8');
}

function knownFailures(): Set<string> {
  const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'solver', 'known-failures.txt'), 'utf8');
  return new Set(text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean));
}

test('libsolv testcases per tier (T0, T1-core, T1-derived must match; T2-T4 reported)', (t) => {
  const base = requireShared(t, 'conformance/libsolv');
  if (!base) return;
  const rows = readFileSync(join(base, 'CASES.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'));
  const known = knownFailures();
  const tiers = new Map<string, { passed: number; failed: number }>();
  const unexpected: string[] = [];
  const fixed: string[] = [];
  for (const [path, tier] of rows) {
    const file = join(base, path!);
    let pass = false;
    let detail = '';
    try {
      const res = runTestcase(read(file), { readFile: (n) => read(resolve(dirname(file), n)) });
      pass = res.pass;
      if (!pass) detail = res.steps.flatMap((s, i) => (s.pass ? [] : [`step ${i + 1}: ${[...s.diff, ...s.solutionCheck].join(' | ')}`])).join('; ');
    } catch (err) {
      detail = String(err);
    }
    const counts = tiers.get(tier!) ?? { passed: 0, failed: 0 };
    counts[pass ? 'passed' : 'failed']++;
    tiers.set(tier!, counts);
    const gated = tier === 'T0-evrcmp' || tier === 'T1-core' || tier === 'T1-derived';
    if (!gated) continue;
    if (!pass && !known.has(path!)) unexpected.push(`${path}: ${detail}`);
    if (pass && known.has(path!)) fixed.push(path!);
  }
  for (const [tier, c] of [...tiers].sort()) t.diagnostic(`${tier}: ${c.passed} passed, ${c.failed} failed`);
  assert.deepEqual(unexpected, [], 'testcases that fail but are not in known-failures.txt');
  assert.deepEqual(fixed, [], 'testcases that pass now: remove them from known-failures.txt');
});

test('regression testcases minimized from the differential test (test/fixtures/solver/diff-*.t)', (t) => {
  const dir = join(repoRoot, 'test', 'fixtures', 'solver');
  const known = knownFailures();
  const files = readdirSync(dir).filter((f) => f.endsWith('.t')).sort();
  let passed = 0;
  const unexpected: string[] = [];
  const fixed: string[] = [];
  for (const f of files) {
    const res = runTestcase(read(join(dir, f)), { readFile: (n) => read(join(dir, n)) });
    if (res.pass) passed++;
    const key = `fixtures/${f}`;
    if (!res.pass && !known.has(key)) unexpected.push(`${f}: ${res.steps.flatMap((s) => s.diff).join(' | ')}`);
    if (res.pass && known.has(key)) fixed.push(key);
  }
  t.diagnostic(`${passed} passed, ${files.length - passed} failed (of ${files.length})`);
  assert.deepEqual(unexpected, []);
  assert.deepEqual(fixed, [], 'fixtures that pass now: remove them from known-failures.txt');
});

test('atoll testsolv CLI: exit 0 on a matching case, 1 with a diff on a mismatch', (t) => {
  const base = requireShared(t, 'conformance/libsolv');
  if (!base) return;
  const atoll = join(repoRoot, 'bin', 'atoll');
  const ok = spawnSync(process.execPath, [atoll, 'testsolv', join(base, 'choose/default.t')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const text = read(join(base, 'choose/default.t')).replace('install A-1-1', 'install B-1-1');
  const tmp = join(repoRoot, 'dist', 'wrong-default.t');
  spawnSync('sh', ['-c', 'cat > "$1"', 'sh', tmp], { input: text });
  const bad = spawnSync(process.execPath, [atoll, 'testsolv', tmp], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /^\+install A-1-1\.noarch@test$/m);
  assert.match(bad.stdout, /^-install B-1-1\.noarch@test$/m);
});
