// refs --create/--delete and prefix listing against ostree, on copies of one repo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';

test('refs verbs behave as ostree refs', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'f'), 'f');
  const base = join(dir, 'base');
  runOk('ostree', [`--repo=${base}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${base}`, 'commit', '-b', 'a/b', '--timestamp=@0', '-s', 's', tree]);
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
