// Re-committing an unchanged hardlink checkout of a bare repo takes the content checksums from
// the devino cache (the checkout's files are the repo's objects): no file is re-hashed, and the
// commit is the same as ostree's commit of that checkout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';
import { makeTestTree } from '../helpers/ostree-tree.js';
import { Repo } from '../../src/ostree/repo/index.js';
import { commitToRepo } from '../../src/ostree/commit/index.js';

test('re-commit of a hardlink checkout uses the devino cache', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  if (!isRoot()) {
    t.skip('bare repos need root');
    return;
  }
  const dir = tempDir(t);
  const tree = makeTestTree(join(dir, 'tree'));
  const path = join(dir, 'repo');
  const repo = await Repo.init(path, 'bare');
  const first = await commitToRepo(repo, { trees: [tree.root], branch: 'main', subject: 's', timestamp: 1767225600 });
  assert.equal(first.stats.devinoHits, 0);
  const co = join(dir, 'co');
  assert.equal(atoll(['repo', 'checkout', `--repo=${path}`, '-H', 'main', co]).status, 0);
  const again = await commitToRepo(repo, { trees: [co], branch: 'again', subject: 's', timestamp: 1767225600, parent: null });
  assert.ok(again.stats.devinoHits >= 7, `devino hits: ${again.stats.devinoHits}`);
  // Only what a hardlink checkout copies (symlinks, empty files) was hashed again.
  assert.ok(again.stats.files <= 4, `re-hashed files: ${again.stats.files}`);
  const ostreeSum = runOk('ostree', [`--repo=${path}`, 'commit', '-b', 'theirs', '-s', 's', '--timestamp=@1767225600', '--orphan', '--no-bindings', co]).trim();
  const mine = await commitToRepo(repo, { trees: [co], branch: 'mine', subject: 's', timestamp: 1767225600, parent: null, noBindings: true });
  assert.equal(mine.checksum, ostreeSum);
  // A modified file is not taken from the cache when it is no longer a hardlink.
  runOk('rm', [join(co, 'hello')]);
  writeFileSync(join(co, 'hello'), 'new content\n');
  const changed = await commitToRepo(repo, { trees: [co], branch: 'changed', subject: 's', timestamp: 1767225600, parent: null, noXattrs: true });
  assert.notEqual(changed.checksum, mine.checksum);
  assert.match(runOk('ostree', [`--repo=${path}`, 'fsck']), /no errors found/);
});
