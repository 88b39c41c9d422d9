import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repo, loadCommit, loadDirTree } from '../repo/index.js';
import { commitToRepo } from './commit-to-repo.js';

// `ostree commit` of a directory that holds the repository itself (OSTree's test-refs commits
// `.` with `--repo=repo`): this transaction's temp files appear and vanish while the walk reads
// them, so its own staging directory must be left out (OSTree's temp files are O_TMPFILE).
test('committing a tree that contains the repository skips the transaction staging directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-commit-self-'));
  try {
    const repo = await Repo.init(join(dir, 'repo'), 'archive');
    mkdirSync(join(dir, 'tree'));
    // Many identical files: duplicates are staged and their temp files unlinked mid-walk.
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, 'tree', `f${i}`), i % 2 === 0 ? 'same\n' : `other ${i % 7}\n`);
    for (let round = 0; round < 3; round++) {
      const result = await commitToRepo(repo, { trees: [dir], branch: `self-${round}`, subject: 's', timestamp: 1_700_000_000 });
      const commit = await loadCommit(repo, result.checksum);
      const root = await loadDirTree(repo, commit.rootTree);
      const repoEntry = root.dirs.find((d) => d.name === 'repo');
      assert.ok(repoEntry, 'the repository directory itself is committed, as ostree does');
      const tmp = (await loadDirTree(repo, repoEntry.treeChecksum)).dirs.find((d) => d.name === 'tmp');
      assert.ok(tmp);
      const staging = (await loadDirTree(repo, tmp.treeChecksum)).dirs.filter((d) => d.name.startsWith('staging-'));
      // Directories of earlier (finished) transactions are gone; this one's is not in the tree.
      assert.deepEqual(staging.map((d) => d.name), []);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
