// atoll's commit against `ostree commit` (same tree, subject, body, timestamp, metadata → same
// checksum, in every repo mode), `ostree fsck` on atoll's repos, and the read verbs (ls, cat,
// log, show, refs, rev-parse, diff) compared byte for byte in both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, rmSync, mkdirSync, chmodSync } from 'node:fs';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';
import { makeTestTree } from '../helpers/ostree-tree.js';

const TS = '2026-01-01 00:00:00 +0000';

function ostree(repo: string, ...args: string[]): string {
  return runOk('ostree', [`--repo=${repo}`, ...args]);
}

function atollOk(args: string[]): string {
  const r = atoll(['repo', ...args]);
  if (r.status !== 0) throw new Error(`atoll repo ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const MODES = ['archive', 'bare', 'bare-user', 'bare-user-only'] as const;

test('commit gives the same checksum as ostree commit in every mode, and ostree fsck accepts it', (t) => {
  if (!requireTool(t, 'ostree')) return;
  if (!isRoot()) {
    t.skip('bare mode needs root (chown)');
    return;
  }
  const dir = tempDir(t);
  const tree = makeTestTree(join(dir, 'tree'));
  if (!tree.xattrs) t.diagnostic('filesystem refused user.* xattrs: testing without them');
  for (const mode of MODES) {
    const a = join(dir, `atoll-${mode}`);
    const o = join(dir, `ostree-${mode}`);
    atollOk(['init', `--repo=${a}`, `--mode=${mode}`]);
    ostree(o, 'init', `--mode=${mode}`);
    const common = ['-b', 'os/x', `--timestamp=${TS}`, '-s', 'the subject', '--body', 'line one\nline two', '--add-metadata-string=version=1.2.3', '--add-metadata-string=zz=last'];
    const mine = atollOk(['commit', `--repo=${a}`, ...common, tree.root]).trim();
    const theirs = ostree(o, 'commit', ...common, tree.root).trim();
    assert.equal(mine, theirs, `commit checksum in ${mode} mode`);
    assert.match(ostree(a, 'fsck'), /no errors found/);
    // A second commit gets the first as parent, with --owner-uid/gid and --no-xattrs.
    writeFileSync(join(tree.root, 'hello'), `changed ${mode}\n`);
    const second = ['-b', 'os/x', `--timestamp=${TS}`, '-s', 'second', '--owner-uid=1000', '--owner-gid=1000'];
    if (mode !== 'bare-user-only') {
      assert.equal(atollOk(['commit', `--repo=${a}`, ...second, tree.root]).trim(), ostree(o, 'commit', ...second, tree.root).trim(), `second commit in ${mode}`);
      const third = ['-b', 'os/y', `--timestamp=${TS}`, '-s', 'third', '--no-xattrs'];
      assert.equal(atollOk(['commit', `--repo=${a}`, ...third, tree.root]).trim(), ostree(o, 'commit', ...third, tree.root).trim(), `--no-xattrs commit in ${mode}`);
    }
    writeFileSync(join(tree.root, 'hello'), 'hello\n');
    assert.match(ostree(a, 'fsck'), /no errors found/);
    // Whole repos hold the same object set.
    assert.deepEqual(objectNames(a), objectNames(o), `object names in ${mode}`);
    // Real ostree can copy commits out of atoll's repos.
    const copy = join(dir, `pulled-from-${mode}`);
    ostree(copy, 'init', '--mode=bare-user');
    ostree(copy, 'pull-local', a, 'os/x');
    assert.match(ostree(copy, 'fsck'), /no errors found/);
  }
});

function objectNames(repo: string): string[] {
  return runOk('find', [join(repo, 'objects'), '-type', 'f', '-o', '-type', 'l']).split('\n').filter(Boolean).map((p) => p.slice(repo.length)).sort();
}

test('read verbs print what ostree prints, on atoll-made and ostree-made repos', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = makeTestTree(join(dir, 'tree'));
  const a = join(dir, 'atoll');
  const o = join(dir, 'ostree');
  atollOk(['init', `--repo=${a}`, '--mode=archive']);
  ostree(o, 'init', '--mode=archive');
  for (const repo of [a, o]) {
    const commit = (args: string[]): void => {
      if (repo === a) atollOk(['commit', `--repo=${a}`, ...args]);
      else ostree(o, 'commit', ...args);
    };
    commit(['-b', 'os/x', `--timestamp=${TS}`, '-s', 'first', '--body', 'body\n\nmore', '--add-metadata-string=version=1', '--add-detached-metadata-string=note=detached value', tree.root]);
    writeFileSync(join(tree.root, 'hello'), 'changed\n');
    rmSync(join(tree.root, 'usr/lib/empty'), { recursive: true });
    mkdirSync(join(tree.root, 'new/deeper'), { recursive: true });
    writeFileSync(join(tree.root, 'new/deeper/f'), 'f');
    chmodSync(join(tree.root, 'etc/secret/key'), 0o640);
    chmodSync(join(tree.root, 'usr/bin'), 0o750);
    rmSync(join(tree.root, 'empty-file'));
    mkdirSync(join(tree.root, 'empty-file/now-a-dir'), { recursive: true });
    commit(['-b', 'os/x', '--timestamp=2026-02-01T10:20:30Z', '-s', '', tree.root]);
    commit(['-b', 'other', `--timestamp=${TS}`, '-s', 'other branch', tree.root]);
    rmSync(tree.root, { recursive: true });
    makeTestTree(tree.root);
  }
  const cases: string[][] = [
    ['ls', '-R', 'os/x'],
    ['ls', '-R', '-C', 'os/x'],
    ['ls', '-R', 'os/x^'],
    ['ls', 'os/x', '/usr/bin', '/hello', '/usr/bin/tool-link'],
    ['ls', '-d', 'os/x', '/etc'],
    ['ls', '-X', 'os/x', '/etc'],
    ['cat', 'os/x', '/usr/lib/big.bin'],
    ['cat', 'os/x^', '/hello', '/etc/secret/key'],
    ['log', 'os/x'],
    ['show', 'os/x'],
    ['show', 'os/x^'],
    ['show', '--print-metadata-key=version', 'os/x^'],
    ['show', '--print-metadata-key=ostree.ref-binding', 'os/x'],
    ['show', '--print-detached-metadata-key=note', 'os/x^'],
    ['refs'],
    ['refs', 'os'],
    ['refs', '--list', 'os'],
    ['rev-parse', 'os/x'],
    ['rev-parse', 'os/x^'],
    ['diff', 'os/x^', 'os/x'],
    ['diff', 'os/x'],
  ];
  for (const repo of [a, o]) {
    for (const args of cases) {
      const expected = run('ostree', [`--repo=${repo}`, ...args]);
      const actual = atoll(['repo', ...args, `--repo=${repo}`]);
      assert.equal(actual.status, expected.status, `exit status of ${args.join(' ')} on ${repo === a ? 'atoll' : 'ostree'} repo: ${actual.stderr}`);
      // ostree 2022.7 prints refs in GHashTable order; atoll sorts them (strcmp).
      const sorted = (text: string): string => (args[0] === 'refs' ? `${text.split('\n').filter(Boolean).sort().join('\n')}\n` : text);
      assert.equal(actual.stdout, sorted(expected.stdout), `${args.join(' ')} on ${repo === a ? 'atoll' : 'ostree'} repo`);
    }
    // A short checksum resolves like a full one.
    const full = ostree(repo, 'rev-parse', 'os/x').trim();
    assert.equal(atollOk(['rev-parse', `--repo=${repo}`, full.slice(0, 12)]).trim(), full);
  }
  // The two repos hold the same commits (same trees and metadata).
  assert.equal(ostree(a, 'rev-parse', 'os/x'), ostree(o, 'rev-parse', 'os/x'));
  // Errors are coded, not crashes.
  const missing = atoll(['repo', 'rev-parse', `--repo=${a}`, 'nope']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /Refspec 'nope' not found/);
  const noParent = atoll(['repo', 'rev-parse', `--repo=${a}`, 'other^^^^']);
  assert.equal(noParent.status, 1);
  assert.match(noParent.stderr, /has no parent/);
});

test('init writes the config and layout ostree writes', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  for (const mode of MODES) {
    atollOk(['init', `--repo=${join(dir, `a-${mode}`)}`, `--mode=${mode}`]);
    ostree(join(dir, `o-${mode}`), 'init', `--mode=${mode}`);
    assert.equal(runOk('cat', [join(dir, `a-${mode}`, 'config')]), runOk('cat', [join(dir, `o-${mode}`, 'config')]));
    const layout = (r: string): string[] => runOk('find', [r, '-type', 'd']).split('\n').filter(Boolean).map((p) => p.slice(r.length)).sort();
    assert.deepEqual(layout(join(dir, `a-${mode}`)), layout(join(dir, `o-${mode}`)));
  }
  const bad = atoll(['repo', 'init', `--repo=${join(dir, 'bad')}`, '--mode=zip']);
  assert.equal(bad.status, 2);
});

test('--bootable records the kernel version as ostree does', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'usr/lib/modules/6.1.0-test'), { recursive: true });
  writeFileSync(join(tree, 'usr/lib/modules/6.1.0-test/vmlinuz'), 'KERNEL');
  const repo = join(dir, 'repo');
  atollOk(['init', `--repo=${repo}`, '--mode=archive']);
  atollOk(['commit', `--repo=${repo}`, '-b', 'os', '--bootable', `--timestamp=${TS}`, '-s', 's', tree]);
  assert.equal(ostree(repo, 'show', '--print-metadata-key=ostree.linux', 'os'), "'6.1.0-test'\n");
  assert.equal(ostree(repo, 'show', '--print-metadata-key=ostree.bootable', 'os'), 'true\n');
  // ostree orders bootable metadata as its GHashTable iterates; the checksums must agree.
  const theirs = join(dir, 'theirs');
  ostree(theirs, 'init', '--mode=archive');
  const keySets = [[], ['version=1'], ['a=1', 'b=2', 'c=3', 'version=4', 'zz=5'], ['zz=1', 'version=2', 'c=3', 'b=4', 'a=5', 'x=6', 'y=7', 'w=8', 'ostree.endoflife=9']];
  for (const [i, keys] of keySets.entries()) {
    const args = ['-b', `boot${i}`, '--bootable', `--timestamp=${TS}`, '-s', 's', ...keys.map((k) => `--add-metadata-string=${k}`), tree];
    assert.equal(atollOk(['commit', `--repo=${repo}`, ...args]).trim(), ostree(theirs, 'commit', ...args).trim(), `bootable commit with ${keys.join(' ')}`);
  }
  mkdirSync(join(tree, 'usr/lib/modules/6.2.0'), { recursive: true });
  writeFileSync(join(tree, 'usr/lib/modules/6.2.0/vmlinuz'), 'K2');
  const two = atoll(['repo', 'commit', `--repo=${repo}`, '-b', 'os', '--bootable', '-s', 's', tree]);
  assert.equal(two.status, 1);
  assert.match(two.stderr, /more than one kernel/);
});

test('commit --tree=ref= layers an existing commit like ostree (same checksum)', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  mkdirSync(join(dir, 'd1', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'd2', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'd1', 'a'), 'a\n');
  writeFileSync(join(dir, 'd1', 'sub', 'b'), 'b\n');
  writeFileSync(join(dir, 'd2', 'a'), 'A\n');
  writeFileSync(join(dir, 'd2', 'sub', 'c'), 'c\n');
  const real = join(dir, 'real');
  const ours = join(dir, 'ours');
  ostree(real, 'init', '--mode=archive');
  atollOk(['init', '--repo', ours, '--mode', 'archive']);
  const layered = ['-b', 'top', `--tree=ref=base`, `--tree=dir=${join(dir, 'd2')}`, `--timestamp=${TS}`, '-s', 'y'];
  ostree(real, 'commit', '-b', 'base', `--tree=dir=${join(dir, 'd1')}`, `--timestamp=${TS}`, '-s', 'x');
  atollOk(['commit', '--repo', ours, '-b', 'base', `--tree=dir=${join(dir, 'd1')}`, `--timestamp=${TS}`, '-s', 'x']);
  assert.equal(atollOk(['commit', '--repo', ours, ...layered]).trim(), ostree(real, 'commit', ...layered).trim());
});
