// Committing a tree hardlinked from another repository (a compose's bare-user package cache)
// into an archive repository: files that are the source's objects take their checksum from
// the devino cache (no hashing), the target gets valid copies of those objects, and the
// result is the tree the source commit holds. Referee: `ostree fsck` and `ostree ls -C`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, mkdirSync, chmodSync, symlinkSync, linkSync, lstatSync, appendFileSync, rmSync, copyFileSync, renameSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { runOk } from '../helpers/run.js';
import { Repo, loadCommit } from '../../src/ostree/repo/index.js';
import { commitToRepo } from '../../src/ostree/commit/index.js';
import { checkout } from '../../src/ostree/checkout/index.js';

function makeTree(root: string): void {
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'usr/share/doc'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/tool'), '#!/bin/sh\necho tool\n');
  chmodSync(join(root, 'usr/bin/tool'), 0o755);
  writeFileSync(join(root, 'usr/share/doc/readme'), 'hello\n');
  writeFileSync(join(root, 'usr/share/doc/big'), Buffer.alloc(200_000, 'abcdefgh'));
  writeFileSync(join(root, 'usr/share/doc/empty'), '');
  linkSync(join(root, 'usr/share/doc/readme'), join(root, 'usr/share/doc/readme-link'));
  symlinkSync('../bin/tool', join(root, 'usr/share/tool-link'));
}

test('a hardlinked checkout of a bare-user repo commits into an archive repo through the devino cache', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  makeTree(join(dir, 'src-tree'));
  const cache = await Repo.init(join(dir, 'cache'), 'bare-user');
  const source = await commitToRepo(cache, { trees: [join(dir, 'src-tree')], branch: 'pkg', timestamp: 1700000000 });
  const sourceCommit = await loadCommit(cache, source.checksum);

  const root = join(dir, 'root');
  await checkout(cache, source.checksum, root, { userMode: true });
  assert.ok(lstatSync(join(root, 'usr/bin/tool')).nlink > 1, 'the checkout hardlinks the cache objects');
  // A file whose link was broken before a change (as the union must do) is hashed normally.
  copyFileSync(join(root, 'usr/share/doc/big'), join(root, 'usr/share/doc/big.new'));
  appendFileSync(join(root, 'usr/share/doc/big.new'), 'changed');
  renameSync(join(root, 'usr/share/doc/big.new'), join(root, 'usr/share/doc/big'));

  const archive = await Repo.init(join(dir, 'archive'), 'archive');
  const result = await commitToRepo(archive, { trees: [root], branch: 'os', timestamp: 1700000000, devinoFrom: [cache] });
  assert.equal(result.stats.devinoHits, 2, 'tool and readme (one inode with its hardlink) come from the cache'); // empty files and symlinks are never links
  runOk('ostree', [`--repo=${join(dir, 'archive')}`, 'fsck']);

  // Same tree as committing the changed tree without any cache.
  const plain = await Repo.init(join(dir, 'plain'), 'archive');
  rmSync(join(dir, 'src-tree/usr/share/doc/big'));
  writeFileSync(join(dir, 'src-tree/usr/share/doc/big'), Buffer.concat([Buffer.alloc(200_000, 'abcdefgh'), Buffer.from('changed')]));
  const expected = await commitToRepo(plain, { trees: [join(dir, 'src-tree')], branch: 'os', timestamp: 1700000000 });
  const got = await loadCommit(archive, result.checksum);
  const want = await loadCommit(plain, expected.checksum);
  assert.equal(got.rootTree, want.rootTree);
  assert.equal(got.rootMeta, want.rootMeta);
  assert.notEqual(got.rootTree, sourceCommit.rootTree);
  const ls = (repo: string): string => runOk('ostree', [`--repo=${repo}`, 'ls', '-R', '-C', 'os']);
  assert.equal(ls(join(dir, 'archive')), ls(join(dir, 'plain')));
});
