// `prune` (--delete-commit and tombstones, --keep-younger-than, --retain-branch-depth,
// --only-branch, --commit-only, --static-deltas-only) and `fsck --add-tombstones`: each step
// run through atoll's `ostree` front end and by Debian's ostree on copies of one repository
// made by ostree; same exit status, same stdout (or error), same objects left (tombstones
// byte for byte), same config, and both fscks of the result agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { repoRoot, requireTool, tempDir } from '../helpers/env.js';
import { run, runOk, type Ran } from '../helpers/run.js';

const atollOstree = join(repoRoot, 'bin', 'atoll-ostree');
const env = { ...process.env, TZ: 'UTC' };

function objects(repo: string): string[] {
  const out: string[] = [];
  const root = join(repo, 'objects');
  for (const prefix of readdirSync(root)) for (const name of readdirSync(join(root, prefix))) out.push(`${prefix}/${name}`);
  return out.sort();
}

function deltas(repo: string): string[] {
  return runOk('ostree', [`--repo=${repo}`, 'static-delta', 'list'], { env }).split('\n').filter((l) => l !== '').sort();
}

function errorOf(r: Ran): string {
  return r.stderr.split('\n').filter((l) => l.startsWith('error: ')).join('\n');
}

/** Two branches (xa, yb; names that are no checksum prefix), three 1985 commits then two recent ones each. */
function makeRepo(dir: string): string {
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  const repo = join(dir, 'base');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  for (const branch of ['xa', 'yb']) {
    for (const day of [1, 2, 3]) {
      writeFileSync(join(tree, 'file'), `${branch} ${day}\n`);
      runOk('ostree', [`--repo=${repo}`, 'commit', '-b', branch, '-s', `old ${branch} ${day}`, `--timestamp=October ${day} 1985`, tree], { env });
    }
    for (const n of [1, 2]) {
      writeFileSync(join(tree, 'file'), `${branch} new ${n}\n`);
      runOk('ostree', [`--repo=${repo}`, 'commit', '-b', branch, '-s', `new ${branch} ${n}`, tree], { env });
    }
  }
  return repo;
}

function compare(dir: string, base: string, label: string, steps: string[][]): void {
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  for (const d of [mine, theirs]) {
    rmSync(d, { recursive: true, force: true });
    cpSync(base, d, { recursive: true });
  }
  for (const step of steps) {
    const a = run(process.execPath, [atollOstree, `--repo=${mine}`, ...step], { env });
    const o = run('ostree', [`--repo=${theirs}`, ...step], { env });
    const what = `${label}: ${step.join(' ')}`;
    assert.equal(a.status, o.status, `${what}: atoll ${a.status} ${a.stderr} / ostree ${o.status} ${o.stderr}`);
    // Sorted: ostree adds tombstones in hash-table order.
    const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('fsck objects')).sort();
    if (o.status === 0) assert.deepEqual(lines(a.stdout), lines(o.stdout), what);
    else assert.equal(errorOf(a), errorOf(o), what);
  }
  assert.deepEqual(objects(mine), objects(theirs), `${label}: objects left`);
  for (const name of objects(theirs).filter((n) => n.endsWith('.tombstone-commit'))) {
    assert.deepEqual(readFileSync(join(mine, 'objects', name)), readFileSync(join(theirs, 'objects', name)), `${label}: tombstone ${name}`);
  }
  assert.equal(readFileSync(join(mine, 'config'), 'utf8'), readFileSync(join(theirs, 'config'), 'utf8'), `${label}: config`);
  assert.deepEqual(deltas(mine), deltas(theirs), `${label}: static deltas`);
  // ostree's fsck judges both results alike (a second `fsck --add-tombstones` deletes the ref
  // tips whose parents the first one deleted, as ostree does, and fsck then fails on both).
  const fsck = [mine, theirs].map((repo) => run('ostree', [`--repo=${repo}`, 'fsck'], { env }));
  assert.equal(fsck[0]!.status, fsck[1]!.status, `${label}: ostree fsck: ${fsck[0]!.stderr} / ${fsck[1]!.stderr}`);
  assert.equal(errorOf(fsck[0]!), errorOf(fsck[1]!), `${label}: ostree fsck error`);
}

test('prune roots, depths and dates as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const base = makeRepo(dir);
  const cases: string[][] = [
    ['--keep-younger-than=1 week ago'],
    ['--keep-younger-than=1 week ago', '--depth=3'],
    ['--keep-younger-than=1 week ago', '--retain-branch-depth=xa=-1'],
    ['--keep-younger-than=1 week ago', '--retain-branch-depth=xa=3', '--depth=3'],
    ['--retain-branch-depth=xa=1'],
    ['--retain-branch-depth=xa=1', '--depth=2'],
    ['--retain-branch-depth=xa=1', '--retain-branch-depth=xa=3'],
    ['--retain-branch-depth=xa=0x'],
    ['--retain-branch-depth=xa=-5'],
    ['--retain-branch-depth=nosuch=1'],
    ['--retain-branch-depth=xa=BACON'],
    ['--retain-branch-depth=xa'],
    ['--only-branch=xa', '--depth=2'],
    ['--only-branch=xa', '--only-branch=yb', '--depth=0'],
    ['--only-branch=xa', '--depth=0', '--retain-branch-depth=yb=2'],
    ['--only-branch=BACON'],
    ['--refs-only', '--depth=1', '--commit-only'],
    ['--commit-only', '--keep-younger-than=1 week ago'],
    ['--refs-only', '--depth=0', '--no-prune'],
    ['--static-deltas-only'],
  ];
  for (const args of cases) compare(dir, base, args.join(' '), [['prune', ...args]]);
});

test('prune --delete-commit, tombstones and fsck --add-tombstones as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const base = makeRepo(dir);
  const log = runOk('ostree', [`--repo=${base}`, 'log', 'xa'], { env });
  const commits = [...log.matchAll(/^commit ([0-9a-f]{64})$/gm)].map((m) => m[1]!);
  const [tip, parent, , , oldest] = commits as [string, string, string, string, string];
  compare(dir, base, 'delete referenced', [['prune', `--delete-commit=${tip}`]]);
  compare(dir, base, 'delete missing', [['prune', `--delete-commit=${'0'.repeat(64)}`]]);
  compare(dir, base, 'delete with --no-prune', [['prune', '--no-prune', `--delete-commit=${parent}`]]);
  compare(dir, base, 'delete oldest', [['prune', `--delete-commit=${oldest}`], ['fsck']]);
  compare(dir, base, 'delete middle, refs only', [['prune', '--refs-only', `--delete-commit=${parent}`]]);
  compare(dir, base, 'commit-only delete', [['prune', '--commit-only', `--delete-commit=${oldest}`]]);
  // Without tombstones, then fsck --add-tombstones turns the commit whose parent is gone into one;
  // afterwards tombstones are on and every pruned commit leaves one.
  compare(dir, base, 'add-tombstones', [
    ['prune', '--refs-only', '--depth=1'],
    ['fsck', '--add-tombstones'],
    ['fsck', '--add-tombstones'],
    ['prune', '--refs-only', '--depth=0'],
  ]);
  // Deltas: --static-deltas-only deletes those leading to the commit; a plain prune those whose target is gone.
  const withDeltas = join(dir, 'deltas');
  cpSync(base, withDeltas, { recursive: true });
  runOk('ostree', [`--repo=${withDeltas}`, 'static-delta', 'generate', 'xa'], { env });
  runOk('ostree', [`--repo=${withDeltas}`, 'static-delta', 'generate', '--empty', 'xa^'], { env });
  runOk('ostree', [`--repo=${withDeltas}`, 'static-delta', 'generate', 'xa^'], { env });
  compare(dir, withDeltas, 'static-deltas-only', [['prune', '--static-deltas-only', `--delete-commit=${tip}`]]);
  compare(dir, withDeltas, 'deltas of deleted commits', [['prune', `--delete-commit=${parent}`]]);
});

test('prune --delete-commit with a path for a checksum touches nothing outside the repository', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const repo = join(dir, 'repo');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive'], { env });
  mkdirSync(join(dir, 'victim'));
  writeFileSync(join(dir, 'victim', 'x.commit'), 'not an object');
  // ostree 2022.7 builds the object path from the text: it would delete victim/x.commit and
  // write victim/x.tombstone-commit. atoll refuses the checksum first.
  const r = run(process.execPath, [atollOstree, `--repo=${repo}`, 'prune', '--delete-commit=../../victim/x'], { env });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /commit checksum/);
  assert.deepEqual(readdirSync(join(dir, 'victim')), ['x.commit']);
  assert.doesNotMatch(readFileSync(join(repo, 'config'), 'utf8'), /tombstone-commits/);
});
