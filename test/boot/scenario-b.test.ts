// Scenario B of the QEMU boot test: atoll runs INSIDE the guest. The composed test OS (test-os.ts)
// carries node 20 and atoll's built JS as packages (testos-node, testos-atoll); the compose
// repository holding v1 and v2 is a second, read-only disk; the guest points the origin's remote at
// it (file:///tmp/srv/repo) and runs `atoll upgrade`, the harness "reboots" (re-reads the BLS entries from the one
// persistent disk), the guest's `atoll status` marks v2 as booted (dev/inode of / +
// /run/ostree-booted), then `atoll rollback` in the guest and a last reboot into v1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { requireRoot, tmpfsDir } from '../helpers/sysroot.js';
import { runOk } from '../helpers/run.js';
import { bootImage, explain, makeImage, type BootResult } from './harness.js';
import { installTestOs, prepareTestOs } from './test-os.js';

// Node under TCG on a shared 2-core machine is slow; the in-guest boots get a longer kill timeout.
const GUEST_CMD_TIMEOUT_MS = 300_000;

interface GuestStatus { deployments: Array<{ checksum: string; booted: boolean; index: number; version?: string }> }

function statuses(r: BootResult): GuestStatus[] {
  return r.log.split('\n').filter((l) => l.startsWith('ATOLL-STATUS ')).map((l) => JSON.parse(l.slice('ATOLL-STATUS '.length)) as GuestStatus);
}

function cmdRc(r: BootResult, name: string): string | undefined {
  return (r.cmds.find((l) => l.startsWith(`ATOLL-CMD ${name} `))?.match(/rc=(\d+)/) ?? [])[1];
}

test('boot scenario B: atoll upgrade and rollback inside the guest', { timeout: 30 * 60_000 }, async (t) => {
  if (!requireTool(t, 'qemu-system-x86_64', 'debugfs', 'mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb', 'node')) return;
  if (!requireRoot(t)) return;
  const work = tempDir(t, 'atoll-bootb-');
  const os = prepareTestOs(work, { guest: true });
  os.build('1');
  const v1 = os.compose('1');
  const sysroot = tmpfsDir(t);
  installTestOs(sysroot, os);
  // The server: the compose repository, v2 composed after the client installed v1, on its own disk.
  os.build('2');
  const v2 = os.compose('2');
  const srv = join(work, 'srv');
  mkdirSync(srv);
  runOk('cp', ['-al', os.repo, join(srv, 'repo')]);
  const img = join(work, 'sys.img');
  const srvImg = join(work, 'srv.img');
  makeImage(sysroot, img, 512);
  makeImage(srv, srvImg, 512);
  const boots: string[] = [];
  const boot = async (name: string, opts: { entry?: number; kargs?: string[] } = {}): Promise<BootResult> => {
    const r = await bootImage(img, { workDir: work, name, extraDisks: [srvImg], timeoutMs: GUEST_CMD_TIMEOUT_MS, ...opts });
    boots.push(`${name} ${r.seconds.toFixed(1)}s`);
    return r;
  };

  await t.test('boot A: v1; the guest edits /etc, runs atoll upgrade from the read-only disk; `atoll status` marks v1 booted, v2 pending', async () => {
    const r = await boot('A-v1-upgrade', { kargs: ['atoll.test.write-etc=edited-in-guest', 'atoll.test.cmd=status,upgrade,status'] });
    assert.ok(r.booted, explain(r));
    assert.equal(r.fields.csum, v1);
    assert.equal(cmdRc(r, 'upgrade'), '0', `in-guest atoll upgrade failed:\n${r.log.split('\n').slice(-30).join('\n')}`);
    const [before, after] = statuses(r);
    assert.ok(before && after, 'two ATOLL-STATUS lines');
    assert.deepEqual(before.deployments.map((d) => [d.checksum, d.booted]), [[v1, true]]);
    assert.deepEqual(after.deployments.map((d) => [d.checksum, d.booted]), [[v2, false], [v1, true]]);
  });

  await t.test('boot B: the harness reboots into v2; `atoll status` in the guest marks v2 booted; /etc edit merged', async () => {
    const r = await boot('B-v2', { kargs: ['atoll.test.cmd=status'] });
    assert.ok(r.booted, explain(r));
    assert.equal(r.fields.csum, v2);
    assert.equal(r.fields['root-is-deployment'], 'yes');
    assert.equal(r.fields['etc-local'], 'edited-in-guest');
    assert.equal(r.fields['boots-in-var'], '2');
    const [st] = statuses(r);
    assert.deepEqual(st?.deployments.map((d) => [d.checksum, d.booted]), [[v2, true], [v1, false]]);
  });

  await t.test('boot C: atoll rollback inside the booted v2', async () => {
    const r = await boot('C-v2-rollback', { kargs: ['atoll.test.cmd=rollback,status'] });
    assert.ok(r.booted, explain(r));
    assert.equal(r.fields.csum, v2);
    assert.equal(cmdRc(r, 'rollback'), '0', `in-guest atoll rollback failed:\n${r.log.split('\n').slice(-30).join('\n')}`);
    const [st] = statuses(r);
    assert.deepEqual(st?.deployments.map((d) => [d.checksum, d.booted]), [[v1, false], [v2, true]]);
  });

  await t.test('boot D: the reboot after the in-guest rollback boots v1; /var counted every boot', async () => {
    const r = await boot('D-v1', { kargs: ['atoll.test.cmd=status'] });
    assert.ok(r.booted, explain(r));
    assert.equal(r.fields.csum, v1);
    assert.equal(r.fields['boots-in-var'], '4');
    const [st] = statuses(r);
    assert.deepEqual(st?.deployments.map((d) => [d.checksum, d.booted]), [[v1, true], [v2, false]]);
  });

  t.diagnostic(`boots: ${boots.join(', ')}`);
});
