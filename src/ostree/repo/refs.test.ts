import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repo } from './repo.js';
import { listRefs, writeRef } from './refs.js';

test('listRefs ignores the temp files of concurrent atomic ref writes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-refs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = await Repo.init(join(dir, 'repo'), 'archive');
  await writeRef(repo, 'main', 'a'.repeat(64));
  // What writeFileAtomic leaves for an instant while another process updates refs/heads/tree0.
  await writeFile(join(repo.path, 'refs', 'heads', '.tree0.tmp-082c1658bb84'), '');
  assert.deepEqual((await listRefs(repo)).map((e) => e.name), ['main']);
});
