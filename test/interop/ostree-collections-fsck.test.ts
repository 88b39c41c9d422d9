// Collection refs, ref aliases, --bind-ref, --tree=ref= with --owner-uid, fsck --delete/-a,
// summary collection-map and remotes inherited from core.parent, each step run by atoll and by
// ostree on copies of the same repository: same exit status, same output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runOk, type Ran } from '../helpers/run.js';

function sortedLines(text: string): string {
  return text.split('\n').filter((l) => l !== '').sort().join('\n');
}

/** stderr without the tools' prefixes ("error: " / "atoll: error: ") and hints. */
function messages(text: string): string {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('hint: '))
    .map((l) => l.replace(/^(atoll: )?error: /, ''))
    .join('\n');
}

function both(mine: string, theirs: string, step: string[]): { a: Ran; o: Ran } {
  const a = atoll(['repo', ...step, `--repo=${mine}`]);
  const o = run('ostree', [`--repo=${theirs}`, ...step]);
  assert.equal(a.status === 0, o.status === 0, `${step.join(' ')}: atoll ${a.status} ${a.stderr} / ostree ${o.status} ${o.stderr}`);
  return { a, o };
}

function setup(t: import('node:test').TestContext, initArgs: string[]): { dir: string; tree: string; mine: string; theirs: string } {
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'baz'), { recursive: true });
  writeFileSync(join(tree, 'firstfile'), 'first\n');
  writeFileSync(join(tree, 'baz', 'cow'), 'moo\n');
  const base = join(dir, 'base');
  runOk('ostree', [`--repo=${base}`, 'init', ...initArgs]);
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  cpSync(base, mine, { recursive: true });
  cpSync(base, theirs, { recursive: true });
  return { dir, tree, mine, theirs };
}

test('collection refs, aliases and ref bindings as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { tree, mine, theirs } = setup(t, ['--mode=archive', '--collection-id=org.example.Collection']);
  const same = (step: string[], compare: 'exact' | 'sorted' | 'status' = 'exact'): void => {
    const { a, o } = both(mine, theirs, step);
    if (compare === 'exact') assert.equal(a.stdout, o.stdout, step.join(' '));
    if (compare === 'sorted') assert.equal(sortedLines(a.stdout), sortedLines(o.stdout), step.join(' '));
  };
  same(['commit', '-b', 'ref1', '--timestamp=@0', '-s', 's', tree]);
  // --bind-ref adds (sorted) ref bindings; an explicit collection binding is kept.
  same(['commit', '--orphan', '--bind-ref', 'ref2', '--bind-ref', 'aaa', '--add-metadata-string=ostree.collection-binding=org.example.Collection2', '--timestamp=@0', '-s', 's', tree]);
  const ref1 = runOk('ostree', [`--repo=${theirs}`, 'rev-parse', 'ref1']).trim();
  same(['commit', '-b', 'owned', '--tree=ref=ref1', '--owner-uid=1', '--owner-gid=2', '--timestamp=@0', '-s', 's']);
  same(['ls', '-R', 'owned']);
  same(['refs', '--collections', '--create=org.example.Collection2:ref2', ref1]);
  same(['refs', '--collections', '--create=org.example.Collection2:ref2', ref1], 'status');
  same(['refs', '--collections'], 'sorted');
  same(['refs', '--collections', '--list', 'org.example.Collection2'], 'sorted');
  same(['refs']);
  same(['fsck', '--verify-bindings'], 'status');
  same(['refs', '--alias', '--create=stable', 'ref1']);
  same(['refs', '--alias', '--create=broken', 'nonexistent'], 'status');
  same(['refs', '--alias']);
  // ostree lists aliases out of order here (hash order): compare the set.
  same(['refs'], 'sorted');
  same(['rev-parse', 'stable']);
  same(['refs', '--delete', 'ref1'], 'status');
  same(['refs', '--create=.bad', 'ref1'], 'status');
  same(['refs', '--collections', '--delete', 'org.example.Collection2']);
  same(['refs', '--collections'], 'sorted');
  const { a, o } = both(mine, theirs, ['fsck', '--verify-back-refs']);
  assert.equal(messages(a.stderr), messages(o.stderr));
});

test('fsck --delete, -a and fsck-partial commits as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { tree, mine, theirs } = setup(t, ['--mode=archive']);
  runOk('ostree', [`--repo=${theirs}`, 'commit', '-b', 'main', '--timestamp=@0', '-s', 's', tree]);
  cpSync(join(theirs, 'objects'), join(mine, 'objects'), { recursive: true });
  cpSync(join(theirs, 'refs'), join(mine, 'refs'), { recursive: true });
  const rev = runOk('ostree', [`--repo=${theirs}`, 'rev-parse', 'main']).trim();
  for (const repo of [mine, theirs]) {
    for (const prefix of readdirSync(join(repo, 'objects'))) {
      for (const name of readdirSync(join(repo, 'objects', prefix))) {
        if (name.endsWith('.filez')) writeFileSync(join(repo, 'objects', prefix, name), 'whoops\n');
      }
    }
  }
  const progress = (text: string): string => text.split('\n').filter((l) => /^(Validating|Enumerating|Verifying|\d+ partial)/.test(l)).join('\n');
  for (const step of [['fsck'], ['fsck', '-a'], ['fsck', '--delete'], ['fsck'], ['fsck', '-a']]) {
    const { a, o } = both(mine, theirs, step);
    assert.equal(progress(a.stdout), progress(o.stdout), step.join(' '));
    // ostree prints objects in hash-table order: compare the set of lines.
    assert.equal(sortedLines(messages(a.stderr)), sortedLines(messages(o.stderr)), step.join(' '));
  }
  assert.equal(readFileSync(join(mine, 'state', `${rev}.commitpartial`), 'utf8'), readFileSync(join(theirs, 'state', `${rev}.commitpartial`), 'utf8'));
});

test('summary collection-map and remotes of core.parent as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { dir, tree, mine, theirs } = setup(t, ['--mode=archive', '--collection-id=org.example.Collection']);
  runOk('ostree', [`--repo=${theirs}`, 'commit', '-b', 'test-1', '--timestamp=@0', '-s', 's', tree]);
  cpSync(join(theirs, 'objects'), join(mine, 'objects'), { recursive: true });
  cpSync(join(theirs, 'refs'), join(mine, 'refs'), { recursive: true });
  for (const step of [['refs', '--collections', '--create=org.example.Other:test-1-mirror', 'test-1'], ['summary', '-u']]) both(mine, theirs, step);
  // ostree also commits an ostree-metadata ref into collection repos on summary -u (atoll does not).
  const refLines = (text: string): string => text.split('\n').filter((l) => l.startsWith('* (') && !l.includes('ostree-metadata')).join('\n');
  const { a, o } = both(mine, theirs, ['summary', '--view']);
  assert.equal(refLines(a.stdout), refLines(o.stdout));
  assert.match(a.stdout, /^Collection Map \(ostree\.summary\.collection-map\): \(printed above\)$/m);

  const parent = join(dir, 'parent');
  runOk('ostree', [`--repo=${parent}`, 'init']);
  runOk('ostree', [`--repo=${parent}`, 'remote', 'add', '--no-sign-verify', 'parent-remote', 'http://example.com/repo']);
  for (const repo of [mine, theirs]) runOk('ostree', [`--repo=${repo}`, 'config', 'set', 'core.parent', parent]);
  const list = both(mine, theirs, ['remote', 'list', '-u']);
  assert.equal(list.a.stdout, list.o.stdout);
  assert.ok(existsSync(parent));
});
