import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Repo } from './repo.js';
import { listRefAliases, listRefs, writeRef, writeRefAlias } from './refs.js';
import { isAtollError } from '../../errors/index.js';

test('listRefs ignores the temp files of concurrent atomic ref writes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-refs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = await Repo.init(join(dir, 'repo'), 'archive');
  await writeRef(repo, 'main', 'a'.repeat(64));
  // What writeFileAtomic leaves for an instant while another process updates refs/heads/tree0.
  await writeFile(join(repo.path, 'refs', 'heads', '.tree0.tmp-082c1658bb84'), '');
  assert.deepEqual((await listRefs(repo)).map((e) => e.name), ['main']);
});

test('listRefs and listRefAliases walk refs/heads alike', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-refs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = await Repo.init(join(dir, 'repo'), 'archive');
  const heads = join(repo.path, 'refs', 'heads');
  await writeRef(repo, 'x/y', 'b'.repeat(64));
  await writeRefAlias(repo, 'sub/c', 'x/y');
  // Skipped by both: a FIFO (reading it would block) and names that are no ref fragment.
  spawnSync('mkfifo', [join(heads, 'fifo')]);
  await writeFile(join(heads, '-dash'), `${'c'.repeat(64)}\n`);
  assert.deepEqual((await listRefs(repo)).map((e) => [e.name, e.checksum]), [['sub/c', 'b'.repeat(64)], ['x/y', 'b'.repeat(64)]]);
  assert.deepEqual(await listRefAliases(repo), [{ alias: 'sub/c', target: 'x/y' }]);
  // A dangling alias is listed as an alias but fails the ref listing, as in ostree.
  await symlink('missing', join(heads, 'dang'));
  assert.deepEqual((await listRefAliases(repo)).map((a) => a.alias), ['dang', 'sub/c']);
  await assert.rejects(listRefs(repo), (e: unknown) => isAtollError(e) && e.code === 'OSTREE_IO' && e.message === 'Listing refs: openat(dang): No such file or directory');
  await rm(join(heads, 'dang'));
  // An alias leading out of refs/heads is refused by both.
  await writeFile(join(dir, 'outside'), `${'d'.repeat(64)}\n`);
  await symlink('../../../outside', join(heads, 'out'));
  // (one listing at a time: a second promise made up front can reject before assert.rejects
  // holds it, which node:test reports as an unhandled rejection)
  for (const listing of [() => listRefs(repo), () => listRefAliases(repo)]) {
    await assert.rejects(listing(), (e: unknown) => isAtollError(e) && e.code === 'OSTREE_REF_CORRUPT');
  }
});
