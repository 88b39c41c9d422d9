// Writer and reader are independent implementations of rpm-format.md: every matrix package the
// writer builds must read back through rpm/header and verify through rpm/payload (as `rpm -K`
// plus the install-time checks do) with the values the writer's normalized model holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../../../test/helpers/env.js';
import { readRpmPackage } from '../header/index.js';
import { verifyRpmFile } from '../payload/index.js';
import { DEPENDENCY_KINDS } from '../package/index.js';
import { buildRpmDetailed } from './build-rpm.js';
import { writeRpm } from './write-rpm.js';
import { featureMatrix } from './fixtures.js';
import { normalizePackage } from './normalize.js';

test('every matrix package reads back through rpm/header with the described values', async () => {
  for (const c of featureMatrix()) {
    const built = await buildRpmDetailed(c.description);
    const { pkg } = readRpmPackage(built.bytes);
    const want = normalizePackage(c.description);
    assert.deepEqual(
      { name: pkg.name, epoch: pkg.epoch, version: pkg.version, release: pkg.release, arch: pkg.arch, size: pkg.installedSize },
      { name: want.name, epoch: want.epoch, version: want.version, release: want.release, arch: want.arch, size: want.installedSize },
      c.id,
    );
    for (const kind of DEPENDENCY_KINDS) assert.deepEqual(pkg[kind], want.deps[kind], `${c.id} ${kind}`);
    assert.deepEqual(pkg.orderwithrequires, want.orderWithRequires, `${c.id} order-with-requires`);
    assert.deepEqual(
      pkg.files.map((f) => [f.path, f.mode, f.size, f.user, f.group, f.mtime, f.digest, f.flags, f.linkto, f.inode, f.caps, f.lang, f.verifyFlags >>> 0]),
      want.files.map((f) => [f.path, f.mode, f.size, f.user, f.group, f.mtime, f.digest, f.flags, f.linkto, f.inode, f.caps, f.lang, f.verifyFlags]),
      c.id,
    );
    for (const [kind, s] of Object.entries(want.scripts)) {
      const got = pkg.scripts[kind as keyof typeof pkg.scripts];
      assert.deepEqual(got && { prog: got.prog, body: got.body, flags: got.flags }, { prog: s.prog, body: s.body ?? null, flags: s.flags }, `${c.id} ${kind}`);
    }
    assert.deepEqual(pkg.headerRange, { start: built.headerStart, end: built.headerEnd }, c.id);
    assert.equal(pkg.payload.stripped, want.largeFiles, c.id);
  }
});

test('every installable matrix package passes the reader\'s full verification', async (t) => {
  const dir = tempDir(t, 'atoll-rpmbuild-rt-');
  for (const c of featureMatrix()) {
    const path = join(dir, `${c.id}.rpm`);
    await writeRpm(c.description, path);
    const report = await verifyRpmFile(path);
    if (c.installable) {
      assert.equal(report.ok, true, `${c.id}: ${JSON.stringify(report.error)}`);
      for (const check of ['payload-digest', 'payload-digest-alt', 'md5']) assert.ok(report.checked.includes(check), `${c.id}: ${check} in ${report.checked.join(',')}`);
    } else {
      // The faked 4 GiB size is in the header only: the payload cannot match it.
      assert.equal(report.ok, false, c.id);
    }
  }
});
