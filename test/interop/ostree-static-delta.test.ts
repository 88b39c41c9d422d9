import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runAsync, runOk } from '../helpers/run.js';
import { startAtollServe } from '../helpers/servers.js';

/**
 * Static deltas across implementations: deltas Debian's `ostree` generates are applied and
 * pulled by atoll, deltas atoll generates are applied, shown and pulled by `ostree`, and a
 * corrupt part is refused with nothing written under refs. Every resulting repository is
 * checked with `ostree fsck` and `ostree ls -R`.
 */

function pseudoRandom(seed: string, size: number): Buffer {
  const out: Buffer[] = [];
  let n = 0;
  for (let k = 0; n < size; k++) {
    const block = createHash('sha512').update(`${seed} ${k}`).digest();
    out.push(block);
    n += block.length;
  }
  return Buffer.concat(out).subarray(0, size);
}

interface Fixture {
  repo: string;
  c1: string;
  c2: string;
}

/** An archive repo with two commits: a modified binary (bsdiff material), new, removed and symlinked files. */
function fixture(dir: string): Fixture {
  const repo = join(dir, 'src-repo');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  const files = join(dir, 'files');
  mkdirSync(join(files, 'sub'), { recursive: true });
  const binary = pseudoRandom('binary', 200_000);
  writeFileSync(join(files, 'binary'), binary);
  writeFileSync(join(files, 'sub', 'gone'), 'removed later\n');
  writeFileSync(join(files, 'sub', 'kept'), 'kept\n');
  symlinkSync('sub/kept', join(files, 'link'));
  const commit = (subject: string): string => runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'main', '--timestamp=@1700000000', '-s', subject, `--tree=dir=${files}`]).trim();
  const c1 = commit('one');
  writeFileSync(join(files, 'binary'), Buffer.concat([Buffer.from('aheader\n'), binary]));
  rmSync(join(files, 'sub', 'gone'));
  writeFileSync(join(files, 'sub', 'new'), 'a new file\n');
  symlinkSync('binary', join(files, 'link2'));
  const c2 = commit('two');
  return { repo, c1, c2 };
}

function lsR(repo: string, commit: string): string {
  return runOk('ostree', [`--repo=${repo}`, 'ls', '-R', '-C', commit]);
}

function fsckClean(repo: string): void {
  const out = runOk('ostree', [`--repo=${repo}`, 'fsck']);
  assert.match(out, /no errors found/);
}

function deltaDir(repo: string, withDash: boolean): string {
  for (const prefix of readdirSync(join(repo, 'deltas'))) {
    for (const name of readdirSync(join(repo, 'deltas', prefix))) if (name.includes('-') === withDash) return join(repo, 'deltas', prefix, name);
  }
  throw new Error('no delta');
}

function userRepo(dir: string, name: string): string {
  const repo = join(dir, name);
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=bare-user']);
  return repo;
}

function setup(t: TestContext): { dir: string; fx: Fixture } | undefined {
  if (!requireTool(t, 'ostree', 'xz')) return undefined;
  const dir = tempDir(t, 'atoll-delta-');
  return { dir, fx: fixture(dir) };
}

test("deltas ostree generates: atoll applies them offline and pulls through them", (t) => {
  const s = setup(t);
  if (!s) return;
  const { dir, fx } = s;
  runOk('ostree', [`--repo=${fx.repo}`, 'static-delta', 'generate', '--empty', '--inline', `--to=${fx.c1}`]);
  const gen = run('ostree', [`--repo=${fx.repo}`, 'static-delta', 'generate', `--from=${fx.c1}`, `--to=${fx.c2}`]);
  assert.equal(gen.status, 0, gen.stderr);
  assert.match(gen.stderr, /bsdiff=1 objects/);
  runOk('ostree', [`--repo=${fx.repo}`, 'summary', '-u']);

  const target = userRepo(dir, 'offline');
  for (const delta of [deltaDir(fx.repo, false), deltaDir(fx.repo, true)]) {
    const r = atoll(['repo', 'static-delta', 'apply-offline', '--repo', target, delta]);
    assert.equal(r.status, 0, r.stderr);
  }
  fsckClean(target);
  assert.equal(lsR(target, fx.c2), lsR(fx.repo, fx.c2));

  // atoll's show prints what ostree's does (same delta, same numbers).
  const name = `${fx.c1}-${fx.c2}`;
  const ours = atoll(['repo', 'static-delta', 'show', '--repo', fx.repo, name]).stdout.trim();
  assert.equal(ours, runOk('ostree', [`--repo=${fx.repo}`, 'static-delta', 'show', name]).trim());
  assert.equal(atoll(['repo', 'static-delta', 'list', '--repo', fx.repo]).stdout.split('\n').filter(Boolean).sort().join('\n'), runOk('ostree', [`--repo=${fx.repo}`, 'static-delta', 'list']).split('\n').filter(Boolean).sort().join('\n'));

  // A pull through the deltas (file:// remote, delta index from ostree's summary -u).
  const pulled = userRepo(dir, 'pulled');
  runOk('ostree', [`--repo=${pulled}`, 'remote', 'add', '--no-gpg-verify', 'origin', `file://${fx.repo}`]);
  let r = atoll(['repo', 'pull', '--repo', pulled, '--require-static-deltas', 'origin', `main@${fx.c1}`]);
  assert.equal(r.status, 0, r.stderr);
  r = atoll(['repo', 'pull', '--repo', pulled, '--require-static-deltas', '--print-stats', 'origin', 'main']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^1 delta parts, 0 loose fetched/);
  fsckClean(pulled);
  assert.equal(runOk('ostree', [`--repo=${pulled}`, 'rev-parse', 'origin:main']).trim(), fx.c2);
});

test('deltas atoll generates: ostree applies, shows and pulls them', (t) => {
  const s = setup(t);
  if (!s) return;
  const { dir, fx } = s;
  let r = atoll(['repo', 'static-delta', 'generate', '--repo', fx.repo, '--empty', `--to=${fx.c1}`, '--inline']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync(join(deltaDir(fx.repo, false), '0')), false, '--inline writes no part file');
  r = atoll(['repo', 'static-delta', 'generate', '--repo', fx.repo, `--from=${fx.c1}`, `--to=${fx.c2}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /bsdiff=1 objects/);

  const target = userRepo(dir, 'offline');
  runOk('ostree', [`--repo=${target}`, 'static-delta', 'apply-offline', deltaDir(fx.repo, false)]);
  runOk('ostree', [`--repo=${target}`, 'static-delta', 'apply-offline', deltaDir(fx.repo, true)]);
  fsckClean(target);
  assert.equal(lsR(target, fx.c2), lsR(fx.repo, fx.c2));
  // (ostree's show cannot read inline parts, so the from-delta is the one with a part file.)
  const show = runOk('ostree', [`--repo=${fx.repo}`, 'static-delta', 'show', `${fx.c1}-${fx.c2}`]);
  assert.match(show, /PartPayloadOps0: openspliceclose=\d+ open=1 write=0 setread=1 unsetread=1 close=1 bspatch=1/);

  // ostree pulls through atoll's deltas, indexed by atoll's summary -u.
  r = atoll(['repo', 'summary', '-u', '--repo', fx.repo]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(runOk('ostree', [`--repo=${fx.repo}`, 'static-delta', 'indexes']).split('\n').filter(Boolean).sort(), [fx.c1, fx.c2].sort());
  const pulled = userRepo(dir, 'pulled');
  runOk('ostree', [`--repo=${pulled}`, 'remote', 'add', '--no-gpg-verify', 'origin', `file://${fx.repo}`]);
  runOk('ostree', [`--repo=${pulled}`, 'pull', '--require-static-deltas', 'origin', `main@${fx.c1}`]);
  const dry = runOk('ostree', [`--repo=${pulled}`, 'pull', '--require-static-deltas', '--dry-run', 'origin', 'main']);
  const ours = atoll(['repo', 'pull', '--repo', pulled, '--require-static-deltas', '--dry-run', 'origin', 'main']);
  assert.equal(ours.stdout, dry, 'the dry-run line of atoll and ostree for the same delta');
  runOk('ostree', [`--repo=${pulled}`, 'pull', '--require-static-deltas', 'origin', 'main']);
  fsckClean(pulled);
  assert.equal(runOk('ostree', [`--repo=${pulled}`, 'rev-parse', 'origin:main']).trim(), fx.c2);
});

test('a corrupt delta part is refused with a coded error; nothing is written under refs', (t) => {
  const s = setup(t);
  if (!s) return;
  const { dir, fx } = s;
  runOk('ostree', [`--repo=${fx.repo}`, 'static-delta', 'generate', `--from=${fx.c1}`, `--to=${fx.c2}`]);
  runOk('ostree', [`--repo=${fx.repo}`, 'summary', '-u']);
  const part = join(deltaDir(fx.repo, true), '0');
  const bytes = readFileSync(part);
  bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff;
  writeFileSync(part, bytes);

  const target = userRepo(dir, 'offline');
  runOk('ostree', [`--repo=${target}`, 'pull-local', fx.repo, fx.c1]);
  const r = atoll(['--debug', 'repo', 'static-delta', 'apply-offline', '--repo', target, deltaDir(fx.repo, true)]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /\[DELTA_CHECKSUM\]/);
  assert.equal(existsSync(join(target, 'objects', fx.c2.slice(0, 2), `${fx.c2.slice(2)}.commit`)), false);
  fsckClean(target);

  const pulled = userRepo(dir, 'pulled');
  runOk('ostree', [`--repo=${pulled}`, 'pull-local', fx.repo, fx.c1]);
  runOk('ostree', [`--repo=${pulled}`, 'remote', 'add', '--no-gpg-verify', 'origin', `file://${fx.repo}`]);
  runOk('ostree', [`--repo=${pulled}`, 'refs', '--create=origin:main', fx.c1]);
  const p = atoll(['--debug', 'repo', 'pull', '--repo', pulled, '--require-static-deltas', 'origin', 'main']);
  assert.notEqual(p.status, 0);
  assert.match(p.stderr, /\[DELTA_CHECKSUM\]/);
  assert.equal(runOk('ostree', [`--repo=${pulled}`, 'rev-parse', 'origin:main']).trim(), fx.c1);
  fsckClean(pulled);
});


test("ostree pulls atoll's deltas over HTTP from atoll repo serve", async (t) => {
  const s = setup(t);
  if (!s) return;
  const { dir, fx } = s;
  let r = atoll(['repo', 'static-delta', 'generate', '--repo', fx.repo, `--from=${fx.c1}`, `--to=${fx.c2}`]);
  assert.equal(r.status, 0, r.stderr);
  r = atoll(['repo', 'summary', '-u', '--repo', fx.repo]);
  assert.equal(r.status, 0, r.stderr);
  const server = await startAtollServe(t, fx.repo);
  const pulled = userRepo(dir, 'pulled');
  runOk('ostree', [`--repo=${pulled}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);
  let p = await runAsync('ostree', [`--repo=${pulled}`, 'pull', 'origin', `main@${fx.c1}`]);
  assert.equal(p.status, 0, p.out);
  p = await runAsync('ostree', [`--repo=${pulled}`, 'pull', '--require-static-deltas', 'origin', 'main']);
  assert.equal(p.status, 0, p.out);
  assert.match(p.out, /1 delta parts, \d+ loose fetched/);
  assert.ok(server.log().some((l) => /^GET \/deltas\/\S+\/0 200 \d+$/.test(l)), server.log().join('\n'));
  fsckClean(pulled);
  assert.equal(runOk('ostree', [`--repo=${pulled}`, 'rev-parse', 'origin:main']).trim(), fx.c2);
});
