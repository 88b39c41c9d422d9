// atoll's checkout against `ostree checkout` on the same repos (copy from archive, hardlinks
// from bare, user mode from bare-user, --union, --subpath), and hostile trees that must be
// refused with a coded error without writing anything outside the target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync, readdirSync, statSync, unlinkSync, chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';
import { makeTestTree } from '../helpers/ostree-tree.js';
import { encodeGVariant, bswap32, bswap64 } from '../../src/gvariant/index.js';
import { Repo, resolveRev } from '../../src/ostree/repo/index.js';
import { checkout } from '../../src/ostree/checkout/index.js';
import { AtollError } from '../../src/errors/index.js';

const TS = '2026-01-01 00:00:00 +0000';

function atollOk(args: string[]): string {
  const r = atoll(['repo', ...args]);
  if (r.status !== 0) throw new Error(`atoll repo ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** Everything about a checked-out tree except timestamps and inode numbers. */
function describe(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const r = `${rel}/${name}`;
      let extra = '';
      if (st.isFile()) extra = createHash('sha256').update(runOk('cat', [path])).digest('hex').slice(0, 16);
      if (st.isSymbolicLink()) extra = `-> ${runOk('readlink', [path]).trim()}`;
      const xattrs = st.isSymbolicLink() ? '' : runOk('getfattr', ['--absolute-names', '-d', '-m', '-', path]).split('\n').filter((l) => l && !l.startsWith('#')).join(',');
      const dirMtime = st.isDirectory() ? ` mtime=${Math.floor(st.mtimeMs / 1000)}` : '';
      out.push(`${r} ${(st.mode & 0o177777).toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? 0 : st.size} ${extra} ${xattrs}${dirMtime}`);
      if (st.isDirectory()) walk(path, r);
    }
  };
  walk(root, '');
  return out;
}

test('checkout matches ostree checkout: copy, hardlink, user mode, subpath, union', (t) => {
  if (!requireTool(t, 'ostree', 'getfattr')) return;
  if (!isRoot()) {
    t.skip('needs root for ownership');
    return;
  }
  const dir = tempDir(t);
  const tree = makeTestTree(join(dir, 'tree'));
  for (const mode of ['archive', 'bare', 'bare-user'] as const) {
    const repo = join(dir, `repo-${mode}`);
    atollOk(['init', `--repo=${repo}`, `--mode=${mode}`]);
    atollOk(['commit', `--repo=${repo}`, '-b', 'os/x', `--timestamp=${TS}`, '-s', 's', tree.root]);
    const variants: Array<{ name: string; atoll: string[]; ostree: string[] }> = [
      { name: 'default', atoll: [], ostree: [] },
      { name: 'subpath-dir', atoll: ['--subpath=/usr'], ostree: ['--subpath=/usr'] },
      { name: 'subpath-file', atoll: ['--subpath=/usr/bin/tool'], ostree: ['--subpath=/usr/bin/tool'] },
      { name: 'user', atoll: ['-U'], ostree: ['-U'] },
    ];
    if (mode === 'bare') variants.push({ name: 'hardlink', atoll: ['-H'], ostree: ['-H'] });
    if (mode === 'bare-user') variants.push({ name: 'user-hardlink', atoll: ['-U', '-H'], ostree: ['-U', '-H'] });
    for (const v of variants) {
      if (mode === 'bare-user' && !v.atoll.includes('-U')) continue; // root checkouts of bare-user need its xattrs as root: covered by -U
      const mine = join(dir, `co-${mode}-${v.name}-atoll`);
      const theirs = join(dir, `co-${mode}-${v.name}-ostree`);
      atollOk(['checkout', `--repo=${repo}`, ...v.atoll, 'os/x', mine]);
      runOk('ostree', [`--repo=${repo}`, 'checkout', ...v.ostree, 'os/x', theirs]);
      assert.deepEqual(describe(mine), describe(theirs), `${mode} ${v.name}`);
      if (v.atoll.includes('-H')) {
        const st = statSync(join(mine, 'usr/bin/tool'));
        assert.ok(st.nlink >= 3, 'hardlinked to the repo object');
      }
    }
    if (mode === 'archive') {
      const h = atoll(['repo', 'checkout', `--repo=${repo}`, '-H', 'os/x', join(dir, 'no-hardlinks')]);
      assert.equal(h.status, 1);
      assert.match(h.stderr, /cannot hardlink/);
    }
  }
  // --union over an existing tree: files are replaced; a pre-planted symlink where the tree has
  // a directory is replaced, never followed.
  const repo = join(dir, 'repo-archive');
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  const target = join(dir, 'union');
  mkdirSync(join(target), { recursive: true });
  writeFileSync(join(target, 'hello'), 'old');
  writeFileSync(join(target, 'keep-me'), 'mine');
  symlinkSync(outside, join(target, 'usr'));
  atollOk(['checkout', `--repo=${repo}`, '--union', 'os/x', target]);
  assert.equal(runOk('cat', [join(target, 'hello')]), 'hello\n');
  assert.equal(runOk('cat', [join(target, 'keep-me')]), 'mine');
  assert.ok(lstatSync(join(target, 'usr')).isDirectory());
  assert.deepEqual(readdirSync(outside), []);
  const again = atoll(['repo', 'checkout', `--repo=${repo}`, 'os/x', target]);
  assert.equal(again.status, 1, 'an existing target needs --union');
});

test('hardlink checkout through the link worker thread matches ostree -H, inode for inode', async (t) => {
  if (!requireTool(t, 'ostree', 'getfattr')) return;
  if (!isRoot()) {
    t.skip('needs root for ownership');
    return;
  }
  const dir = tempDir(t);
  const tree = makeTestTree(join(dir, 'tree'));
  // Enough directories and files that several batches are posted (and some run here).
  for (let d = 0; d < 40; d++) {
    const sub = join(tree.root, 'many', `d${d}`, 'inner');
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 60; f++) writeFileSync(join(sub, `f${f}`), `${d}/${f}\n`);
    chmodSync(join(tree.root, 'many', `d${d}`), d % 2 ? 0o700 : 0o555);
  }
  const repoPath = join(dir, 'repo');
  runOk('ostree', [`--repo=${repoPath}`, 'init', '--mode=bare']);
  runOk('ostree', [`--repo=${repoPath}`, 'commit', '-b', 'os/x', `--timestamp=${TS}`, '-s', 's', tree.root]);
  const repo = await Repo.open(repoPath);
  const rev = await resolveRev(repo, 'os/x');
  const mine = join(dir, 'co-atoll');
  const theirs = join(dir, 'co-ostree');
  const stats = await checkout(repo, rev, mine, { requireHardlinks: true, linkWorkerAfter: 0 });
  runOk('ostree', [`--repo=${repoPath}`, 'checkout', '-H', 'os/x', theirs]);
  assert.equal(stats.files, stats.hardlinked + stats.copied);
  // One find per tree (describe() spawns per file): modes, owners, sizes, symlink targets,
  // directory mtimes, and for non-empty files the inode, so the same repo object is linked
  // (ostree copies empty files; atoll links them too, as long as the link count allows).
  const list = (root: string): string[] =>
    runOk('find', [root, '-mindepth', '1', '(', '-type', 'f', '-size', '+0', '-printf', '%P f %m %U:%G %s %i\n', ')', '-o', '(', '-type', 'd', '-printf', '%P d %m %U:%G %T@\n', ')', '-o', '-printf', '%P %y %m %U:%G %s %l\n'])
      .split('\n')
      .filter(Boolean)
      .sort();
  const mineList = list(mine);
  assert.ok(mineList.length > 2400);
  const theirList = list(theirs);
  const firstDiff = mineList.findIndex((line, i) => line !== theirList[i]);
  assert.equal(firstDiff === -1 && mineList.length === theirList.length ? '' : `${mineList[firstDiff]} != ${theirList[firstDiff]}`, '', 'same tree as ostree checkout -H');

  // A file object missing from the repo: the worker's failure is retried here and reported.
  const victim = runOk('ostree', [`--repo=${repoPath}`, 'ls', '-C', 'os/x', '/many/d7/inner/f3']).split(' ').filter(Boolean)[4] as string;
  unlinkSync(join(repoPath, 'objects', victim.slice(0, 2), `${victim.slice(2)}.file`));
  await assert.rejects(checkout(repo, rev, join(dir, 'co-missing'), { requireHardlinks: true, linkWorkerAfter: 0 }), (error: unknown) => {
    assert.ok(error instanceof AtollError);
    assert.equal(error.code, 'OSTREE_OBJECT_MISSING');
    assert.match(error.message, new RegExp(victim));
    return true;
  });
});

/** Write raw object bytes into a repo, as a corrupt or hostile peer could. */
function plant(repo: string, ext: string, bytes: Uint8Array, mode: 'archive'): string {
  void mode;
  const sum = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(repo, 'objects', sum.slice(0, 2)), { recursive: true });
  writeFileSync(join(repo, 'objects', sum.slice(0, 2), `${sum.slice(2)}.${ext}`), bytes);
  return sum;
}

const raw = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

/** A commit whose root dirtree is built from raw (unvalidated) entries. */
function hostileCommit(repo: string, files: Array<[string, string]>, dirs: Array<[string, string, string]>): string {
  const dirmeta = plant(repo, 'dirmeta', encodeGVariant('(uuua(ayay))', [0, 0, bswap32(0o40755), []]), 'archive');
  const tree = plant(repo, 'dirtree', encodeGVariant('(a(say)a(sayay))', [files.map(([n, c]) => [n, raw(c)]), dirs.map(([n, t, m]) => [n, raw(t), raw(m)])]), 'archive');
  const commit = plant(repo, 'commit', encodeGVariant('(a{sv}aya(say)sstayay)', [[], new Uint8Array(0), [], 'evil', '', bswap64(1n), raw(tree), raw(dirmeta)]), 'archive');
  writeFileSync(join(repo, 'refs', 'heads', 'evil'), `${commit}\n`);
  return dirmeta;
}

test('hostile trees are refused with a coded error and nothing is written outside the target', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'payload'), 'pwned');
  const repo = join(dir, 'repo');
  atollOk(['init', `--repo=${repo}`, '--mode=archive']);
  atollOk(['commit', `--repo=${repo}`, '-b', 'good', `--timestamp=${TS}`, '-s', 's', tree]);
  const fileSum = runOk('ostree', [`--repo=${repo}`, 'ls', '-C', 'good', '/payload']).split(' ').filter(Boolean)[4] as string;
  const emptyTree = plant(repo, 'dirtree', new Uint8Array([0]), 'archive');
  const cases: Array<{ name: string; files: Array<[string, string]>; dirs: Array<[string, string, string]>; code: RegExp }> = [
    { name: 'dotdot file', files: [['..', fileSum]], dirs: [], code: /Invalid (\/ in )?filename/ },
    { name: 'slash file', files: [['../../escaped', fileSum]], dirs: [], code: /Invalid (\/ in )?filename/ },
    { name: 'dotdot dir', files: [], dirs: [['..', emptyTree, '']], code: /Invalid (\/ in )?filename/ },
    { name: 'unsorted', files: [['b', fileSum], ['a', fileSum]], dirs: [], code: /not sorted/ },
    { name: 'file and dir with one name', files: [['x', fileSum]], dirs: [['x', emptyTree, '']], code: /duplicate name/ },
  ];
  for (const c of cases) {
    const meta = hostileCommit(repo, [], []);
    const dirs = c.dirs.map(([n, tr]) => [n, tr, meta] as [string, string, string]);
    hostileCommit(repo, c.files, dirs);
    const target = join(dir, 'work', 'co');
    mkdirSync(join(dir, 'work'), { recursive: true });
    const r = atoll(['repo', 'checkout', `--repo=${repo}`, 'evil', target]);
    assert.equal(r.status, 1, `${c.name}: ${r.stderr}`);
    assert.match(r.stderr, c.code, c.name);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal(existsSync(join(dir, 'escaped')), false, c.name);
    assert.equal(existsSync(join(dir, 'work', 'payload')), false, c.name);
    const ls = atoll(['repo', 'ls', '-R', `--repo=${repo}`, 'evil']);
    assert.equal(ls.status, 1, `ls of ${c.name}`);
    runOk('rm', ['-rf', join(dir, 'work')]);
  }
});

test('checkout -H onto another filesystem fails as ostree does, leaving the empty destination', (t) => {
  if (!requireTool(t, 'ostree')) return;
  if (!isRoot()) {
    t.skip('mounting a tmpfs needs root');
    return;
  }
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'f'), 'f\n');
  const repo = join(dir, 'repo');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=bare']);
  runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'main', `--timestamp=${TS}`, tree]);
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
  if (mounted.status !== 0) {
    t.skip(`cannot mount a tmpfs here: ${mounted.stderr.toString().trim()}`);
    return;
  }
  // Unmounted before tempDir's cleanup (an after hook would run after it).
  try {
    checkAcrossDevices(repo, mnt);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

function checkAcrossDevices(repo: string, mnt: string): void {
  for (const flags of [['-H'], ['-U', '-H']]) {
    const name = flags.join('');
    const o = spawnSync('ostree', [`--repo=${repo}`, 'checkout', ...flags, 'main', join(mnt, `ostree${name}`)]);
    const a = atoll(['repo', 'checkout', `--repo=${repo}`, ...(flags.includes('-U') ? ['--user-mode'] : []), '--require-hardlinks', 'main', join(mnt, `atoll${name}`)]);
    assert.notEqual(o.status, 0);
    assert.notEqual(a.status, 0);
    const message = /error: (.*)/.exec(o.stderr.toString())?.[1];
    assert.match(message ?? '', /^Unable to do hardlink checkout across devices \(src=\d+ destination=\d+\)$/);
    assert.match(a.stderr, new RegExp(message!.replace(/[()]/g, '\\$&')));
    assert.deepEqual(readdirSync(join(mnt, `atoll${name}`)), readdirSync(join(mnt, `ostree${name}`)));
  }
}
