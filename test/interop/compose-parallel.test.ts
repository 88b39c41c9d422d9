// The cold compose's parallel paths at a size that takes them (more than 4096 files): package
// imports on worker threads, the hardlink union on two threads, archive copies of known
// package-cache objects in worker batches, and the transaction's object moves and cache exports
// split across two threads. Real ostree is the referee: both repositories stay fsck-clean, and
// ostree's own commit of the assembled tree names the same root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { runOk } from '../helpers/run.js';
import { fixturePackageSet, writeFixturePackages } from '../../src/rpm/index.js';
import { Repo, DevinoCache, loadCommit } from '../../src/ostree/repo/index.js';
import { commitToRepo } from '../../src/ostree/commit/index.js';
import { importPackages, unionCheckout, OSTREEMETA_XATTR } from '../../src/assemble/index.js';

function countFiles(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return n;
}

test('parallel import, union, archive copies and object moves keep both repositories fsck-clean and the tree ostree commits', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  if (!isRoot()) {
    t.skip('the hardlink union gives files their header owners: needs root');
    return;
  }
  const work = tempDir(t, 'atoll-compose-parallel-');
  const rpms = join(work, 'rpms');
  runOk('mkdir', ['-p', rpms]);
  const paths = await writeFixturePackages(rpms, fixturePackageSet({ count: 12, files: 400, seed: 3 }));
  const pkgcache = await Repo.init(join(work, 'pkgcache'), 'bare-user');

  const imported = await importPackages(pkgcache, paths.map((path) => ({ path })), { workersFrom: 1 });
  assert.equal(imported.length, 12);
  assert.ok(imported.every((r) => !r.reused));
  runOk('ostree', ['fsck', '--repo', pkgcache.path]);
  // A second batch takes every package from the cache (read here, no worker).
  assert.ok((await importPackages(pkgcache, paths.map((path) => ({ path })), { workersFrom: 1 })).every((r) => r.reused));

  const root = join(work, 'root');
  const devino = DevinoCache.empty();
  const files = await unionCheckout(pkgcache, imported.map((r) => r.commit), root, undefined, { hardlink: true, devino });
  assert.ok(files > 4096, `${files} files`);
  assert.ok(devino.size > 4096, `${devino.size} linked`);
  // Linking must leave the cache's objects where they are.
  runOk('ostree', ['fsck', '--repo', pkgcache.path]);

  const commitInto = async (name: string): Promise<{ rootTree: string; repo: Repo }> => {
    runOk('ostree', ['init', '--repo', join(work, name), '--mode', 'archive']);
    const repo = await Repo.open(join(work, name));
    const { checksum } = await commitToRepo(repo, {
      trees: [root],
      branch: 'test',
      timestamp: 0,
      devinoFrom: [pkgcache],
      devinoCache: devino,
      archiveObjectCache: join(work, 'archive-objects'),
      skipXattrs: [OSTREEMETA_XATTR],
    });
    runOk('ostree', ['fsck', '--repo', repo.path]);
    return { rootTree: (await loadCommit(repo, checksum)).rootTree, repo };
  };
  const cold = await commitInto('cold');
  // Every copied object went to the archive object cache; a second commit links them from there.
  assert.ok(countFiles(join(work, 'archive-objects')) > 4096);
  const warm = await commitInto('warm');
  assert.equal(warm.rootTree, cold.rootTree);

  // ostree's own commit of the same directory (the pkgcache's metadata xattr is not the files').
  runOk('ostree', ['init', '--repo', join(work, 'peer'), '--mode', 'archive']);
  runOk('ostree', ['commit', '--repo', join(work, 'peer'), '-b', 'test', '--no-xattrs', `--tree=dir=${root}`]);
  const peerRoot = runOk('ostree', ['ls', '--repo', join(work, 'peer'), '-d', '-C', 'test', '/']).trim().split(/\s+/)[4];
  const ours = runOk('ostree', ['ls', '--repo', cold.repo.path, '-d', '-C', 'test', '/']).trim().split(/\s+/)[4];
  assert.equal(ours, peerRoot);
});
