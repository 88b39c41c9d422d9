// SIGKILL `atoll repo commit` at many points of its run: the ref must never point at an
// incomplete commit, no commit object may be visible before its tree, and the real
// `ostree fsck` must stay clean after every kill. A final commit must then succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { atoll, atollBin, run } from '../helpers/run.js';

function makeTree(root: string, generation: number): void {
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < 20; f++) writeFileSync(join(root, `d${d}`, `f${f}`), `gen ${generation} dir ${d} file ${f}\n`.repeat(1 + ((d * f) % 50)));
  }
  writeFileSync(join(root, 'big'), Buffer.alloc(2_000_000, generation % 251));
}

/** Run one commit, SIGKILL it after `delayMs` (if still running); resolves with how it ended. */
function commitAndKill(repo: string, tree: string, delayMs: number, fsync = false): Promise<{ killed: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [atollBin, '--progress=none', 'repo', 'commit', `--repo=${repo}`, '-b', 'main', '-s', 'crash test', '--timestamp=@1767225600', tree], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A SIGKILL loses no page cache, so the ordering (objects, then commit, then ref) is what
      // is under test; syncfs only matters for power loss and makes each run slow on a busy disk.
      env: { ...process.env, ATOLL_NO_FSYNC: fsync ? '0' : '1' },
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, delayMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' || (killed && code !== 0), stdout });
    });
  });
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('SIGKILL during commit never leaves a ref to an incomplete commit (archive and bare)', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const modes = isRoot() ? (['archive', 'bare'] as const) : (['archive'] as const);
  const dir = tempDir(t);
  const random = prng(42);
  let kills = 0;
  const killPoints: number[] = [];
  for (const mode of modes) {
    const repo = join(dir, `repo-${mode}`);
    assert.equal(atoll(['repo', 'init', `--repo=${repo}`, `--mode=${mode}`]).status, 0);
    const tree = join(dir, `tree-${mode}`);
    makeTree(tree, 0);
    let started = Date.now();
    const first = await commitAndKill(repo, tree, 60_000);
    let fullMs = Date.now() - started;
    assert.equal(first.killed, false);
    const target = Math.ceil(22 / modes.length);
    let modeKills = 0;
    for (let i = 1; modeKills < target && i <= target * 3; i++) {
      makeTree(tree, i);
      // Kill points spread over the whole run: startup, hashing/compressing, linking, ref write.
      const delay = Math.floor(random() * fullMs * 0.95);
      started = Date.now();
      const result = await commitAndKill(repo, tree, delay);
      if (result.killed) {
        modeKills++;
        killPoints.push(delay);
      } else {
        fullMs = Date.now() - started; // runs get faster as caches warm: keep the window honest
      }
      const fsck = run('ostree', [`--repo=${repo}`, 'fsck']);
      assert.equal(fsck.status, 0, `ostree fsck after a kill at ${delay} ms (${mode}): ${fsck.stderr}${fsck.stdout}`);
      const ls = run('ostree', [`--repo=${repo}`, 'ls', '-R', 'main']);
      assert.equal(ls.status, 0, `the ref is readable after a kill at ${delay} ms (${mode}): ${ls.stderr}`);
    }
    kills += modeKills;
    // Recovery: a clean commit works and removes the stale staging directories.
    makeTree(tree, 99);
    const last = await commitAndKill(repo, tree, 120_000, true);
    assert.equal(last.killed, false);
    assert.equal(run('ostree', [`--repo=${repo}`, 'rev-parse', 'main']).stdout.trim(), last.stdout.trim());
    assert.equal(atoll(['repo', 'fsck', `--repo=${repo}`]).status, 0);
    const staging = existsSync(join(repo, 'tmp')) ? readdirSync(join(repo, 'tmp')).filter((n) => n.startsWith('staging-')) : [];
    const owners = staging.map((n) => {
      const pidFile = join(repo, 'tmp', n, '.atoll-pid');
      return `${n}: pid ${existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : '(none)'}`;
    });
    assert.deepEqual(owners, [], 'stale staging directories were removed');
  }
  t.diagnostic(`kill points (ms): ${killPoints.join(' ')}`);
  assert.ok(kills >= 20 || !isRoot(), `at least 20 runs were killed mid-way (got ${kills})`);
});
