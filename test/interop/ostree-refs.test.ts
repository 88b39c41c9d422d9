// refs --create/--delete and prefix listing against ostree, on copies of one repo.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, atollBin, run, runOk } from '../helpers/run.js';

/** An archive repo `base` (made by ostree) with one commit on `ref`, in a fresh temp dir. */
function repoWithCommit(t: TestContext, ref: string): { dir: string; base: string } {
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'f'), 'f');
  const base = join(dir, 'base');
  runOk('ostree', [`--repo=${base}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${base}`, 'commit', '-b', ref, '--timestamp=@0', '-s', 's', tree]);
  return { dir, base };
}

test('refs verbs behave as ostree refs', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { dir, base } = repoWithCommit(t, 'a/b');
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  cpSync(base, mine, { recursive: true });
  cpSync(base, theirs, { recursive: true });
  const steps: string[][] = [
    ['refs', '--create=c/d', 'a/b'],
    ['refs', '--create=c/d', 'a/b'],
    ['refs', '--create=c/d', '--force', 'a/b'],
    ['refs', '--create=bad..name', 'a/b'],
    ['refs', 'c'],
    ['refs', '--list', 'c'],
    ['refs', '--delete', 'c'],
    ['refs'],
    ['rev-parse', 'c/d'],
  ];
  for (const step of steps) {
    const a = atoll(['repo', ...step, `--repo=${mine}`]);
    const o = run('ostree', [`--repo=${theirs}`, ...step]);
    assert.equal(a.status === 0, o.status === 0, `${step.join(' ')}: atoll ${a.status} ${a.stderr} / ostree ${o.status} ${o.stderr}`);
    assert.equal(a.stdout, o.stdout, step.join(' '));
  }
});

test('refs and refs --alias treat odd refs/heads entries as ostree does', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { dir, base } = repoWithCommit(t, 'a');
  chmodSync(dir, 0o755); // the unreadable-entry cases run as nobody
  runOk('ostree', [`--repo=${base}`, 'refs', '--create=x/y', 'a']);
  runOk('ostree', [`--repo=${base}`, 'refs', '--alias', '--create=b', 'a']);
  runOk('ostree', [`--repo=${base}`, 'refs', '--alias', '--create=sub/c', 'x/y']);
  const heads = join(base, 'refs', 'heads');
  // Not refs for ostree: names that are no ref fragment (issue 1285) and a FIFO (never opened).
  for (const name of ['.hidden', '-dash', 'sp ace']) writeFileSync(join(heads, name), readFileSync(join(heads, 'a')));
  symlinkSync('a', join(heads, '.hidden-alias'));
  runOk('mkfifo', [join(heads, 'fifo')]);
  const sorted = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();
  const compare = (repo: string, args: string[], asUser?: string): void => {
    const wrap = (program: string, argv: string[]): [string, string[]] => (asUser === undefined ? [program, argv] : ['runuser', ['-u', asUser, '--', program, ...argv]]);
    const a = run(...wrap(process.execPath, [atollBin, '--progress=none', 'repo', ...args, `--repo=${repo}`]), { timeout: 20_000 });
    const o = run(...wrap('ostree', [`--repo=${repo}`, ...args]), { timeout: 20_000 });
    assert.equal(a.status === 0, o.status === 0, `${repo} ${args.join(' ')}: atoll ${a.status} ${a.stderr} / ostree ${o.status} ${o.stderr}`);
    // ostree prints in hash-table order.
    assert.deepEqual(sorted(a.stdout), sorted(o.stdout), `${repo} ${args.join(' ')}`);
    if (o.status !== 0) assert.match(a.stderr, /Listing refs: (openat|opendir)\(/);
  };
  compare(base, ['refs']);
  compare(base, ['refs', '--alias']);
  // A dangling alias: `refs` fails reading it through, `refs --alias` lists it.
  const dangling = join(dir, 'dangling');
  runOk('cp', ['-a', base, dangling]); // cpSync refuses the FIFO
  symlinkSync('missing', join(dangling, 'refs', 'heads', 'dang'));
  compare(dangling, ['refs']);
  compare(dangling, ['refs', '--alias']);
  // Unreadable entries: a ref file fails `refs` (aliases never open ref files); a directory fails both.
  if (process.getuid?.() === 0 && run('runuser', ['-u', 'nobody', '--', 'true']).status !== 0) return;
  const user = process.getuid?.() === 0 ? 'nobody' : undefined;
  const unreadableFile = join(dir, 'unreadable-file');
  runOk('cp', ['-a', base, unreadableFile]); // cpSync refuses the FIFO
  chmodSync(join(unreadableFile, 'refs', 'heads', 'a'), 0);
  compare(unreadableFile, ['refs'], user);
  compare(unreadableFile, ['refs', '--alias'], user);
  const unreadableDir = join(dir, 'unreadable-dir');
  runOk('cp', ['-a', base, unreadableDir]); // cpSync refuses the FIFO
  chmodSync(join(unreadableDir, 'refs', 'heads', 'x'), 0);
  compare(unreadableDir, ['refs'], user);
  compare(unreadableDir, ['refs', '--alias'], user);
});
