// What OSTree's basic-test.sh matrix (test-basic-user.sh, test-basic-user-only.sh) needs, each
// step run by atoll and by ostree on copies of the same repository: `checksum`, `diff REV DIR`
// with --owner-uid/--owner-gid, commit --statoverride/--skip-list/--mode-ro-executables/
// --add-metadata/--keep-metadata/--table-output, show's byte-swapping, checkout
// --union-identical/--skip-list/--allow-noent/-M/--whiteouts, and pull-local (trusted sources
// hardlinked without verification, --untrusted, --bareuseronly-files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync, appendFileSync, renameSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runOk, type Ran } from '../helpers/run.js';

function sortedLines(text: string): string {
  return text.split('\n').filter((l) => l !== '').sort().join('\n');
}

function both(mine: string, theirs: string, step: string[]): { a: Ran; o: Ran } {
  const a = atoll(['repo', ...step, `--repo=${mine}`]);
  const o = run('ostree', [`--repo=${theirs}`, ...step]);
  assert.equal(a.status === 0, o.status === 0, `${step.join(' ')}: atoll ${a.status} ${a.stderr} / ostree ${o.status} ${o.stderr}`);
  return { a, o };
}

/** Type, mode, size (or link target) of everything under `root`, sorted. */
function listing(root: string): string {
  const out: string[] = [];
  if (!existsSync(root)) return '(none)';
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? `l->${readlinkSync(path)}` : st.isFile() ? `f${st.size}` : 'other';
      out.push(`${rel}${name} ${kind} ${(st.mode & 0o7777).toString(8)}`);
      if (st.isDirectory()) walk(path, `${rel}${name}/`);
    }
  };
  walk(root, '/');
  return out.join('\n');
}

function makeTree(root: string): void {
  mkdirSync(join(root, 'baz', 'deeper'), { recursive: true });
  mkdirSync(join(root, 'a', 'nested'), { recursive: true });
  writeFileSync(join(root, 'firstfile'), 'first\n');
  writeFileSync(join(root, 'baz', 'cow'), 'moo\n');
  writeFileSync(join(root, 'baz', 'saucer'), 'alien\n');
  writeFileSync(join(root, 'baz', 'deeper', 'ohyeahx'), 'x\n');
  chmodSync(join(root, 'baz', 'deeper', 'ohyeahx'), 0o775);
  writeFileSync(join(root, 'a', 'nested', '2'), '2\n');
  writeFileSync(join(root, 'a', 'nested', '3'), '3\n');
  writeFileSync(join(root, 'empty'), '');
  symlinkSync('nosuchfile', join(root, 'somelink'));
}

function setup(t: import('node:test').TestContext, mode: string): { dir: string; tree: string; mine: string; theirs: string } {
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  makeTree(tree);
  const base = join(dir, 'base');
  runOk('ostree', [`--repo=${base}`, 'init', `--mode=${mode}`]);
  runOk('ostree', [`--repo=${base}`, 'commit', '-b', 'main', '--timestamp=@0', '-s', 's', '--no-xattrs', tree]);
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  // cp -a: bare-user objects keep their user.ostreemeta xattr.
  runOk('cp', ['-a', base, mine]);
  runOk('cp', ['-a', base, theirs]);
  return { dir, tree, mine, theirs };
}

test('checksum and diff against a directory as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { dir, tree, mine, theirs } = setup(t, 'archive');
  for (const path of ['firstfile', 'baz/deeper/ohyeahx', 'somelink', 'baz', 'empty']) {
    for (const flags of [[], ['--ignore-xattrs']]) {
      const a = atoll(['repo', 'checksum', ...flags, join(tree, path)]);
      assert.equal(a.stdout, runOk('ostree', ['checksum', ...flags, join(tree, path)]), `checksum ${path}`);
    }
  }
  const co = join(dir, 'co');
  runOk('ostree', [`--repo=${theirs}`, 'checkout', '-U', 'main', co]);
  writeFileSync(join(co, 'added'), 'new\n');
  mkdirSync(join(co, 'newdir', 'sub'), { recursive: true });
  writeFileSync(join(co, 'newdir', 'sub', 'f'), 'f\n');
  writeFileSync(join(co, 'baz', 'cow'), 'changed\n');
  cpSync(join(co, 'baz', 'saucer'), join(co, 'tmp-saucer'));
  runOk('rm', ['-rf', join(co, 'a', 'nested'), join(co, 'baz', 'saucer')]);
  mkdirSync(join(co, 'baz', 'saucer'));
  for (const extra of [[], ['--owner-uid=4242'], ['--owner-gid=4242']]) {
    const { a, o } = both(mine, theirs, ['diff', ...extra, 'main', co]);
    assert.equal(sortedLines(a.stdout), sortedLines(o.stdout), `diff ${extra.join(' ')}`);
    assert.ok(a.stdout.length > 0);
  }
});

test('commit modifiers, metadata and statistics as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { dir, tree, mine, theirs } = setup(t, 'bare-user');
  const statoverride = join(dir, 'statoverride.txt');
  writeFileSync(statoverride, '+1048 /a/nested/2\n2048 /a/nested/3\n=384 /baz/cow\n');
  const skiplist = join(dir, 'skiplist.txt');
  writeFileSync(skiplist, '/baz/saucer\n/baz/deeper\n');
  const same = (step: string[], compare: 'exact' | 'sorted' | 'status' = 'exact'): Ran => {
    const { a, o } = both(mine, theirs, step);
    if (compare === 'exact') assert.equal(a.stdout, o.stdout, step.join(' '));
    if (compare === 'sorted') assert.equal(sortedLines(a.stdout), sortedLines(o.stdout), step.join(' '));
    return a;
  };
  const c = ['--timestamp=@0', '-s', 's'];
  same(['commit', ...c, '-b', 'so', `--statoverride=${statoverride}`, tree]);
  same(['ls', '-R', 'so']);
  same(['commit', ...c, '-b', 'skip', `--skip-list=${skiplist}`, tree]);
  same(['commit', ...c, '-b', 'roexec', '--mode-ro-executables', tree]);
  // The same modifiers over a tree taken from a commit: objects re-written.
  same(['commit', ...c, '-b', 'ref-mod', '--tree=ref=main', '--mode-ro-executables', `--statoverride=${statoverride}`, `--skip-list=${skiplist}`]);
  same(['ls', '-R', 'ref-mod']);
  writeFileSync(join(dir, 'bad.txt'), '+1 /not/there\n');
  same(['commit', ...c, '-b', 'bad', `--statoverride=${join(dir, 'bad.txt')}`, tree], 'status');
  same(['commit', ...c, '-b', 'meta', '--add-metadata=NUM=uint64 42', "--add-metadata=STR='hi'", '--add-metadata-string=FOO=BAR', tree]);
  same(['commit', ...c, '-b', 'meta', '--tree=ref=meta', '--keep-metadata=NUM', '--keep-metadata=FOO']);
  same(['commit', ...c, '-b', 'meta', '--tree=ref=meta', '--keep-metadata=NOPE'], 'status');
  // ostree shows metadata byte-swapped on little-endian hosts unless -B.
  for (const key of ['NUM', 'FOO']) {
    const swapped = atoll(['repo', 'show', `--repo=${mine}`, '--byteswap', `--print-metadata-key=${key}`, 'meta']);
    const plain = atoll(['repo', 'show', `--repo=${mine}`, `--print-metadata-key=${key}`, 'meta']);
    if (process.arch !== 's390x') assert.equal(swapped.stdout, runOk('ostree', [`--repo=${theirs}`, 'show', `--print-metadata-key=${key}`, 'meta']));
    assert.equal(plain.stdout, runOk('ostree', [`--repo=${theirs}`, 'show', '-B', `--print-metadata-key=${key}`, 'meta']));
  }
  // --table-output: the same commit, the same number of new content objects.
  const co = join(dir, 'co');
  runOk('ostree', [`--repo=${theirs}`, 'checkout', '-U', 'main', co]);
  writeFileSync(statoverride, '=384 /baz/cow\n');
  const { a, o } = both(mine, theirs, ['commit', ...c, '-b', 'stats', '--table-output', `--statoverride=${statoverride}`, co]);
  const lines = (text: string): string => text.split('\n').filter((l) => /^(Commit|Content Written):/.test(l)).join('\n');
  assert.equal(lines(a.stdout), lines(o.stdout));
});

test('checkout options as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { dir, tree, mine, theirs } = setup(t, 'bare-user');
  mkdirSync(join(tree, 'ww'));
  chmodSync(join(tree, 'ww'), 0o777);
  mkdirSync(join(tree, 'baz', 'another'));
  writeFileSync(join(tree, 'baz', 'another', 'y'), 'y\n');
  for (const repo of [mine, theirs]) runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'main', '--timestamp=@0', '-s', 's', '--no-xattrs', tree]);
  const overlay = join(dir, 'overlay');
  mkdirSync(join(overlay, 'baz', 'another'), { recursive: true });
  writeFileSync(join(overlay, 'baz', '.wh.cow'), '');
  writeFileSync(join(overlay, 'baz', 'another', '.wh..wh..opq'), '');
  writeFileSync(join(overlay, 'baz', 'another', 'z'), 'z\n');
  writeFileSync(join(overlay, 'anewfile'), 'new\n');
  const other = join(dir, 'other');
  mkdirSync(join(other, 'baz'), { recursive: true });
  writeFileSync(join(other, 'baz', 'cow'), 'different\n');
  for (const repo of [mine, theirs]) {
    runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'overlay', '--timestamp=@0', '-s', 's', '--no-xattrs', overlay]);
    runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'other', '--timestamp=@0', '-s', 's', '--no-xattrs', other]);
  }
  const skiplist = join(dir, 'skip.txt');
  writeFileSync(skiplist, '/saucer\n/deeper\n');
  let n = 0;
  const checkouts = (steps: string[][]): void => {
    n++;
    const outA = join(dir, `a${n}`);
    const outO = join(dir, `o${n}`);
    for (const step of steps) {
      const a = atoll(['repo', 'checkout', `--repo=${mine}`, ...step, outA]);
      const o = run('ostree', [`--repo=${theirs}`, 'checkout', ...step, outO]);
      assert.equal(a.status === 0, o.status === 0, `checkout ${step.join(' ')}: atoll ${a.stderr} / ostree ${o.stderr}`);
    }
    assert.equal(listing(outA), listing(outO), steps.map((s) => s.join(' ')).join('; '));
  };
  checkouts([['-U', '--skip-list', skiplist, '--subpath=/baz', 'main']]);
  checkouts([['-U', '-H', '-M', 'main']]);
  checkouts([['-U', '-H', '--union-identical', 'main'], ['-U', '-H', '--union-identical', 'main']]);
  checkouts([['-U', '-H', '--union-identical', 'main'], ['-U', '-H', '--union-identical', 'other']]);
  checkouts([['-U', '--union-identical', 'main']]);
  checkouts([['-U', '--union', 'main'], ['-U', '--union', '--whiteouts', 'overlay']]);
  checkouts([['-U', '--allow-noent', '--subpath=/enoent', 'main']]);
  checkouts([['-U', '--subpath=/enoent', 'main']]);
  checkouts([['-U', '--subpath=/baz/saucer', 'main']]);
});

test('pull-local: trusted sources hardlinked unverified, --untrusted, --bareuseronly-files, as ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const { dir, tree } = setup(t, 'bare-user');
  const source = join(dir, 'source');
  runOk('ostree', [`--repo=${source}`, 'init', '--mode=bare-user']);
  runOk('ostree', [`--repo=${source}`, 'commit', '-b', 'main', '--timestamp=@0', '-s', 's', '--no-xattrs', tree]);
  const rev = runOk('ostree', [`--repo=${source}`, 'rev-parse', 'main']).trim();
  const commitPath = `objects/${rev.slice(0, 2)}/${rev.slice(2)}.commit`;
  const cow = runOk('ostree', [`--repo=${source}`, 'ls', '-C', 'main', '/baz/cow']).split(/\s+/)[4] as string;
  const cowPath = `objects/${cow.slice(0, 2)}/${cow.slice(2)}.file`;
  const inode = (path: string): number => lstatSync(path).ino;
  for (const mode of ['archive', 'bare-user']) {
    const a = join(dir, `a-${mode}`);
    const o = join(dir, `o-${mode}`);
    runOk('ostree', [`--repo=${a}`, 'init', `--mode=${mode}`]);
    runOk('ostree', [`--repo=${o}`, 'init', `--mode=${mode}`]);
    const ra = atoll(['repo', 'pull-local', `--repo=${a}`, '--trusted', '--print-stats', source]);
    const line = runOk('ostree', [`--repo=${o}`, 'pull-local', source]);
    assert.equal(ra.stdout.replace(/; .*/, ''), line.replace(/; .*/, ''), `pull-local into ${mode}`);
    // Metadata is hardlinked across modes, content only between the same modes.
    assert.equal(inode(join(a, commitPath)), inode(join(source, commitPath)));
    assert.equal(inode(join(o, commitPath)), inode(join(source, commitPath)));
    if (mode === 'bare-user') assert.equal(inode(join(a, cowPath)), inode(join(source, cowPath)));
  }
  // A corrupted object: --untrusted (atoll: its default) refuses it (libostree's wording), a
  // trusted pull (atoll: --trusted) copies it.
  const bad = join(dir, 'bad');
  runOk('cp', ['-a', source, bad]);
  runOk('cp', ['-a', join(bad, cowPath), join(bad, `${cowPath}.tmp`)]);
  renameSync(join(bad, `${cowPath}.tmp`), join(bad, cowPath));
  appendFileSync(join(bad, cowPath), 'blah\n');
  for (const tool of ['atoll', 'ostree']) {
    const target = join(dir, `corrupt-${tool}`);
    runOk('ostree', [`--repo=${target}`, 'init', '--mode=bare-user']);
    const untrusted = tool === 'atoll' ? atoll(['repo', 'pull-local', `--repo=${target}`, bad]) : run('ostree', [`--repo=${target}`, 'pull-local', '--untrusted', bad]);
    assert.notEqual(untrusted.status, 0, tool);
    assert.match(untrusted.stderr, new RegExp(`Corrupted.*${cow}`), tool);
    const trusted = tool === 'atoll' ? atoll(['repo', 'pull-local', `--repo=${target}`, '--trusted', bad]) : run('ostree', [`--repo=${target}`, 'pull-local', bad]);
    assert.equal(trusted.status, 0, `${tool}: ${trusted.stderr}`);
    assert.notEqual(run('ostree', [`--repo=${target}`, 'fsck']).status, 0, tool);
  }
  // --bareuseronly-files refuses a setuid file, with libostree's message.
  const suid = join(dir, 'suid');
  mkdirSync(suid);
  writeFileSync(join(suid, 'f'), 'f\n');
  const input = join(dir, 'input');
  runOk('ostree', [`--repo=${input}`, 'init', '--mode=archive']);
  writeFileSync(join(dir, 'so.txt'), '2048 /f\n');
  runOk('ostree', [`--repo=${input}`, 'commit', '-b', 'suid', `--statoverride=${join(dir, 'so.txt')}`, suid]);
  for (const tool of ['atoll', 'ostree']) {
    const target = join(dir, `buo-${tool}`);
    runOk('ostree', [`--repo=${target}`, 'init', '--mode=bare-user']);
    const r = tool === 'atoll' ? atoll(['repo', 'pull-local', `--repo=${target}`, '--bareuseronly-files', input, 'suid']) : run('ostree', [`--repo=${target}`, 'pull-local', '--bareuseronly-files', input, 'suid']);
    assert.notEqual(r.status, 0, tool);
    assert.match(r.stderr, /Content object [0-9a-f]{64}: invalid mode 0104644 with bits 04000/, tool);
  }
});
