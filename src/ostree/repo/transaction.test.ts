import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repo } from './repo.js';
import { readRef } from './refs.js';
import { Transaction, repoTestErrors } from './transaction.js';

test('OSTREE_REPO_TEST_ERROR is parsed as g_parse_debug_string does', () => {
  assert.deepEqual([...repoTestErrors('pre-commit')], ['pre-commit']);
  assert.deepEqual([...repoTestErrors('PRE_COMMIT,invalid-cache')].sort(), ['invalid-cache', 'pre-commit']);
  assert.deepEqual([...repoTestErrors('all')].sort(), ['invalid-cache', 'pre-commit']);
  assert.deepEqual([...repoTestErrors('bogus')], []);
  assert.deepEqual([...repoTestErrors(undefined)], []);
});

test('pre-commit fault: nothing committed, the staging dir named after OSTREE_BOOTID stays until the next transaction', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-tx-'));
  const saved = { bootid: process.env.OSTREE_BOOTID, err: process.env.OSTREE_REPO_TEST_ERROR };
  t.after(async () => {
    for (const [k, v] of [['OSTREE_BOOTID', saved.bootid], ['OSTREE_REPO_TEST_ERROR', saved.err]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(dir, { recursive: true, force: true });
  });
  const repo = await Repo.init(join(dir, 'repo'), 'archive');
  process.env.OSTREE_BOOTID = '4072029c-8b10-60d1-d31b-8422eeff9b42';
  process.env.OSTREE_REPO_TEST_ERROR = 'pre-commit';
  const tx = await Transaction.begin(repo);
  tx.setRef('main', 'a'.repeat(64));
  await assert.rejects(tx.commit(), (e: Error & { code?: string }) => e.code === 'OSTREE_REPO_TEST_ERROR' && /OSTREE_REPO_TEST_ERROR_PRE_COMMIT/.test(e.message));
  await tx.abort();
  assert.equal(await readRef(repo, 'main'), undefined);
  const left = (await readdir(join(repo.path, 'tmp'))).filter((n) => n.startsWith('staging-'));
  assert.equal(left.length, 1);
  assert.match(left[0] as string, /^staging-4072029c-8b10-60d1-d31b-8422eeff9b42-/);

  delete process.env.OSTREE_REPO_TEST_ERROR;
  process.env.OSTREE_BOOTID = '5072029c-8b10-60d1-d31b-8422eeff9b42';
  const next = await Transaction.begin(repo);
  next.setRef('main', 'b'.repeat(64));
  await next.commit();
  assert.equal(await readRef(repo, 'main'), 'b'.repeat(64));
  // The failed one's owner (this process) is alive, so it is reclaimed only once it is gone:
  // here it is still there, and the committed one is removed.
  const after = (await readdir(join(repo.path, 'tmp'))).filter((n) => n.startsWith('staging-'));
  assert.deepEqual(after, left);
});
