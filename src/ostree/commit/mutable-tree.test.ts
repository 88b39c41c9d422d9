import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectType, Repo, Transaction, writeContent, encodeDirMeta, S_IFDIR, S_IFREG, S_IFLNK } from '../repo/index.js';
import { isAtollError } from '../../errors/index.js';
import { MutableTree } from './mutable-tree.js';
import { commitDirectoryToTree } from './commit-directory.js';
import { writeCommit } from './write-commit.js';

// Compose builds trees in memory; they must hash exactly like the same tree committed from disk.
test('an in-memory tree commits to the same checksum as the directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-mtree-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  mkdirSync(join(src, 'usr/bin'), { recursive: true });
  writeFileSync(join(src, 'usr/bin/tool'), 'tool\n');
  chmodSync(join(src, 'usr/bin/tool'), 0o755);
  symlinkSync('tool', join(src, 'usr/bin/link'));
  chmodSync(src, 0o755);
  chmodSync(join(src, 'usr'), 0o755);
  chmodSync(join(src, 'usr/bin'), 0o755);
  const repo = await Repo.init(join(dir, 'repo'), 'archive');
  const owner = { ownerUid: 0, ownerGid: 0, noXattrs: true };

  const tx1 = await Transaction.begin(repo);
  const fromDisk = new MutableTree();
  await commitDirectoryToTree(tx1, src, fromDisk, owner);
  const a = await writeCommit(tx1, fromDisk, { subject: 's', timestamp: 1 });
  await tx1.commit();

  const tx2 = await Transaction.begin(repo);
  const meta = await tx2.writeMetadata(ObjectType.DirMeta, encodeDirMeta({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] }));
  const root = new MutableTree(meta);
  const bin = root.ensurePath('usr/bin', meta);
  bin.setFile('tool', await writeContent(tx2, { uid: 0, gid: 0, mode: S_IFREG | 0o755, xattrs: [] }, { kind: 'bytes', bytes: Buffer.from('tool\n') }));
  bin.setFile('link', await writeContent(tx2, { uid: 0, gid: 0, mode: S_IFLNK | 0o777, symlinkTarget: 'tool', xattrs: [] }, undefined));
  const b = await writeCommit(tx2, root, { subject: 's', timestamp: 1 });
  await tx2.commit();
  assert.equal(b, a);

  assert.throws(() => root.setFile('usr', a), (e) => isAtollError(e, 'OSTREE_MTREE_CONFLICT'));
  assert.throws(() => root.ensureDir('..'), (e) => isAtollError(e, 'OSTREE_MTREE_BAD_NAME'));
  await assert.rejects(writeCommit(await Transaction.begin(repo), new MutableTree(), { timestamp: 1 }), (e) => isAtollError(e, 'OSTREE_MTREE_NO_METADATA'));
});
