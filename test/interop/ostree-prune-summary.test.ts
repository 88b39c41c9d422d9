// prune against `ostree prune` on copies of one repo (same objects left, same report), and
// `summary -u` against `ostree summary -u` (same bytes but the last-modified time; readable by
// `ostree summary -v`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';
import { decodeSummary } from '../../src/ostree/objects/index.js';

function atollOk(args: string[]): string {
  const r = atoll(['repo', ...args]);
  if (r.status !== 0) throw new Error(`atoll repo ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function objectNames(repo: string): string[] {
  return runOk('find', [join(repo, 'objects'), '-type', 'f']).split('\n').filter(Boolean).map((p) => p.slice(repo.length)).sort();
}

function historyRepo(dir: string): string {
  const repo = join(dir, 'repo');
  atollOk(['init', `--repo=${repo}`, '--mode=archive']);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  for (let i = 0; i < 5; i++) {
    writeFileSync(join(tree, 'changing'), `generation ${i}\n`);
    writeFileSync(join(tree, `added-${i}`), `${i}`);
    atollOk(['commit', `--repo=${repo}`, '-b', 'main', `--timestamp=@${1_700_000_000 + i * 86_400}`, '-s', `gen ${i}`, '--add-metadata-string', `version=${i}`, tree]);
  }
  writeFileSync(join(tree, 'side'), 'side');
  atollOk(['commit', `--repo=${repo}`, '-b', 'side', '--timestamp=@1700000000', '-s', 'side', tree]);
  // An orphan commit no ref points at, and its objects.
  writeFileSync(join(tree, 'orphan-only'), 'orphan');
  atollOk(['commit', `--repo=${repo}`, '--orphan', '--timestamp=@1600000000', '-s', 'orphan', tree]);
  rmSync(tree, { recursive: true });
  return repo;
}

test('prune leaves the same objects as ostree prune and reports the same counts', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const base = historyRepo(dir);
  const cases: string[][] = [[], ['--refs-only'], ['--refs-only', '--depth=1'], ['--refs-only', '--depth=0'], ['--keep-younger-than=2023-11-16 00:00:00 +0000']];
  for (const args of cases) {
    const mine = join(dir, `atoll-${cases.indexOf(args)}`);
    const theirs = join(dir, `ostree-${cases.indexOf(args)}`);
    cpSync(base, mine, { recursive: true });
    cpSync(base, theirs, { recursive: true });
    const a = atoll(['repo', 'prune', `--repo=${mine}`, ...args]);
    const o = run('ostree', [`--repo=${theirs}`, 'prune', ...args]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(o.status, 0, o.stderr);
    assert.deepEqual(objectNames(mine), objectNames(theirs), `objects after prune ${args.join(' ')}`);
    assert.equal(a.stdout.split('\n')[0], o.stdout.split('\n')[0], `total line of prune ${args.join(' ')}`);
    assert.equal(a.stdout.replace(/, .* freed/, ''), o.stdout.replace(/, .* freed/, ''), `report of prune ${args.join(' ')}`);
    assert.match(runOk('ostree', [`--repo=${mine}`, 'fsck']), /no errors found/);
  }
});

test('summary -u writes what ostree summary -u writes', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const base = historyRepo(dir);
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  cpSync(base, mine, { recursive: true });
  cpSync(base, theirs, { recursive: true });
  atollOk(['summary', '-u', `--repo=${mine}`]);
  runOk('ostree', [`--repo=${theirs}`, 'summary', '-u']);
  const a = readFileSync(join(mine, 'summary'));
  const o = readFileSync(join(theirs, 'summary'));
  assert.equal(a.length, o.length);
  const strip = (bytes: Buffer): unknown => {
    const s = decodeSummary(bytes);
    return { refs: s.refs, metadata: [...s.metadata].filter(([k]) => k !== 'ostree.summary.last-modified') };
  };
  assert.deepEqual(strip(a), strip(o));
  assert.equal(readFileSync(join(mine, 'config'), 'utf8'), readFileSync(join(theirs, 'config'), 'utf8'));
  const view = runOk('ostree', [`--repo=${mine}`, 'summary', '-v']);
  assert.match(view, /\* main\n {4}Latest Commit/);
  assert.equal(atollOk(['summary', '-v', `--repo=${mine}`]), view.replace(/\n+$/, '\n'));
});

test('pruneCommits (the prune after a deployment change) leaves what ostree prune --refs-only --depth=0 leaves', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const base = join(dir, 'repo');
  atollOk(['init', `--repo=${base}`, '--mode=archive']);
  const tree = join(dir, 'tree');
  for (const sub of ['kept/deep', 'changed/deep', 'moved']) mkdirSync(join(tree, sub), { recursive: true });
  writeFileSync(join(tree, 'kept/deep/same'), 'same in both');
  writeFileSync(join(tree, 'changed/deep/file'), 'old');
  writeFileSync(join(tree, 'changed/only-old'), 'only in the old commit');
  writeFileSync(join(tree, 'moved/file'), 'moves to another directory');
  const old = atollOk(['commit', `--repo=${base}`, '-b', 'old', '--timestamp=@1700000000', tree]).trim().split('\n').pop() as string;
  writeFileSync(join(tree, 'changed/deep/file'), 'new');
  rmSync(join(tree, 'changed/only-old'));
  mkdirSync(join(tree, 'elsewhere'));
  cpSync(join(tree, 'moved/file'), join(tree, 'elsewhere/file'));
  rmSync(join(tree, 'moved'), { recursive: true });
  atollOk(['commit', `--repo=${base}`, '-b', 'new', '--timestamp=@1700086400', tree]);
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  for (const copy of [mine, theirs]) {
    cpSync(base, copy, { recursive: true });
    runOk('ostree', [`--repo=${copy}`, 'refs', '--delete', 'old']);
  }
  const { Repo, pruneCommits } = await import('../../src/ostree/repo/index.js');
  const result = await pruneCommits(await Repo.open(mine), [old], { depth: 0 });
  runOk('ostree', [`--repo=${theirs}`, 'prune', '--refs-only', '--depth=0']);
  assert.ok(result.deleted > 0);
  assert.deepEqual(objectNames(mine), objectNames(theirs));
  assert.match(runOk('ostree', [`--repo=${mine}`, 'fsck']), /no errors found/);
});
