// The check on the bundled demo: after `atoll demo --dir D` (server stopped),
// `atoll install --sysroot D/sysroot --repofrompath demo,file://D/rpms hello-extra` makes a
// new deployment with hello-extra and libextra; real rpm reads its rpmdb.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';
import { requireRoot, tmpfsDir } from '../helpers/sysroot.js';
import { adminStatusRows } from '../helpers/host.js';

test('atoll install hello-extra on the demo sysroot layers it with libextra', (t) => {
  if (!requireTool(t, 'ostree', 'rpm', 'bwrap', 'chattr') || !requireRoot(t)) return;
  const dir = join(tmpfsDir(t), 'demo');
  const demo = atoll(['demo', '--dir', dir]);
  assert.equal(demo.status, 0, demo.stderr);
  const sysroot = join(dir, 'sysroot');
  const before = adminStatusRows(sysroot).map((row) => row.csum);
  const r = atoll(['install', '--sysroot', sysroot, '--repofrompath', `demo,file://${join(dir, 'rpms')}`, 'hello-extra']);
  assert.equal(r.status, 0, r.stderr);
  const status = JSON.parse(atoll(['status', '--sysroot', sysroot, '--json']).stdout) as { deployments: Array<{ osname: string; checksum: string; serial: number; 'requested-packages': string[]; packages: string[] }> };
  const d = status.deployments[0]!;
  assert.deepEqual(d['requested-packages'], ['hello-extra']);
  assert.deepEqual(d.packages, ['hello-extra']);
  assert.ok(!before.includes(d.checksum), 'a new deployment with a new commit');
  assert.equal(adminStatusRows(sysroot)[0]?.csum, d.checksum, 'ostree admin status: the layered deployment is the default');
  const deployDir = join(sysroot, 'ostree/deploy', d.osname, 'deploy', `${d.checksum}.${d.serial}`);
  const qa = runOk('rpm', ['--dbpath', join(deployDir, 'usr/share/rpm'), '-qa', '--qf', '%{NAME}\\n']).split('\n');
  assert.ok(qa.includes('hello-extra') && qa.includes('libextra'), qa.join(' '));
});
