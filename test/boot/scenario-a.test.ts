// Scenario A of the QEMU boot test (issue 13, shared/docs/boot-test.md): the test OS is composed
// by `atoll compose tree` from packages built by `atoll rpm build` (test-os.ts); atoll writes the
// sysroot on the host with the product verbs (init-fs, os-init, `rebase` from a file:// remote
// serving the compose repository, `kargs`, `upgrade`, `rollback`); the harness builds the disk
// image, plays the bootloader from the image's BLS entries and boots it under TCG.
// The referee at boot time is the real ostree-prepare-root inside the fixture's initramfs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { repoRoot, requireTool, tempDir } from '../helpers/env.js';
import { requireRoot, tmpfsDir } from '../helpers/sysroot.js';
import { runOk } from '../helpers/run.js';
import { bootImage, explain, makeImage, readEntries, syncBack, type BootResult } from './harness.js';
import { OS, REF, REMOTE, atollOk, installTestOs, prepareTestOs } from './test-os.js';

function mustBoot(r: BootResult): Record<string, string> {
  assert.ok(r.booted, explain(r));
  return r.fields;
}

/** The checks every good boot must pass, whatever version it is. */
function assertSane(f: Record<string, string>): void {
  assert.equal(f['root-is-deployment'], 'yes', 'dev:inode of / must be the deployment ostree= resolves to');
  assert.equal(f['var-is-stateroot'], 'yes', '/var must be the stateroot var');
  assert.equal(f['usr-ro'], 'yes', '/usr must be read-only');
  assert.equal(f['run-ostree-booted'], 'yes', '/run/ostree-booted must exist');
  assert.equal(f.os, OS);
}

test('boot scenario A: install, upgrade, reboot, menu rollback, rollback, reboot', { timeout: 20 * 60_000 }, async (t) => {
  if (!requireTool(t, 'qemu-system-x86_64', 'debugfs', 'mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb')) {
    process.stderr.write('\n*** boot test SKIPPED: qemu-system-x86_64 or e2fsprogs missing (scripts/setup-peers.sh installs them) ***\n\n');
    return;
  }
  if (!requireRoot(t)) return;
  const work = tempDir(t, 'atoll-boot-');
  const os = prepareTestOs(work);
  os.build('1');
  const v1 = os.compose('1');

  const sysroot = tmpfsDir(t);
  const img = join(work, 'sys.img');
  const boots: string[] = [];
  const boot = async (name: string, opts: { entry?: number; kargs?: string[] } = {}): Promise<BootResult> => {
    const r = await bootImage(img, { workDir: work, name, ...opts });
    boots.push(`${name} ${r.seconds.toFixed(1)}s`);
    return r;
  };

  installTestOs(sysroot, os);
  makeImage(sysroot, img);

  await t.test('the composed v1 (real ostree reads it): kernel and initramfs in usr/lib/modules/$kver, initramfs-args recorded', (tt) => {
    if (!requireTool(tt, 'ostree')) return;
    const ls = runOk('ostree', ['ls', '--repo', os.repo, REF, `/usr/lib/modules/${os.kver}`]);
    assert.match(ls, /\/vmlinuz$/m);
    assert.match(ls, /\/initramfs\.img$/m);
    assert.match(runOk('ostree', ['show', '--repo', os.repo, '--print-metadata-key=rpmostree.initramfs-args', REF]), /--no-hostonly/);
    assert.match(runOk('ostree', ['cat', '--repo', os.repo, REF, '/usr/etc/atoll-shipped.conf']), /^1$/m);
    const origins = readdirSync(join(sysroot, 'ostree/deploy', OS, 'deploy')).filter((n) => n.endsWith('.origin'));
    assert.equal(origins.length, 1, 'one deployment after rebase + kargs + cleanup -r');
    assert.match(readFileSync(join(sysroot, 'ostree/deploy', OS, 'deploy', origins[0]!), 'utf8'), new RegExp(`^refspec=${REMOTE}:${REF}$`, 'm'));
  });

  await t.test('boot 1: v1 boots through the real ostree-prepare-root; the guest edits /etc', async () => {
    const f = mustBoot(await boot('1-v1', { kargs: ['atoll.test.write-etc=edited-in-v1'] }));
    assertSane(f);
    assert.equal(f.csum, v1);
    assert.equal(f.version, '1');
    assert.equal(f['etc-local'], 'edited-in-v1');
    assert.equal(f['boots-in-var'], '1');
  });

  await t.test('boot 2: same disk, shell prepare-root fallback; /etc edit and /var survive a reboot', async () => {
    const f = mustBoot(await boot('2-v1-shell', { kargs: ['atoll.prepare=shell'] }));
    assertSane(f);
    assert.equal(f.csum, v1);
    assert.equal(f['etc-local'], 'edited-in-v1');
    assert.equal(f['boots-in-var'], '2');
  });

  syncBack(img, sysroot, OS, work);
  // The distribution publishes v2: new packages, re-indexed, composed from v2's treefile; the
  // client's `atoll upgrade` pulls it through the origin's remote.
  os.build('2');
  const v2 = os.compose('2');
  const upgraded = atollOk(['upgrade', '--sysroot', sysroot, '--os', OS]);
  makeImage(sysroot, img);

  await t.test('atoll upgrade pulled v2 from the remote and printed the package diff', () => {
    assert.match(upgraded, /testos-release 1-1 -> 2-1/);
    assert.match(upgraded, /testos-news-2-1\.x86_64/);
  });

  await t.test('the image has two BLS entries after the upgrade, v2 first', () => {
    const entries = readEntries(img);
    assert.equal(entries.length, 2);
    assert.match(entries[0]!.options, /ostree=\/ostree\/boot\.\d\/testos\/[0-9a-f]{64}\/0/);
    assert.match(entries[0]!.options, /root=\/dev\/vda/, 'kargs are inherited by the new deployment');
  });

  await t.test('boot 3: upgrade boots v2 with the /etc edit merged, new defaults present, /var kept', async () => {
    const f = mustBoot(await boot('3-v2'));
    assertSane(f);
    assert.equal(f.csum, v2);
    assert.equal(f.version, '2');
    assert.equal(f['etc-shipped'], '2');
    assert.equal(f['etc-new-in-v2'], 'yes');
    assert.equal(f['etc-local'], 'edited-in-v1');
    assert.equal(f['boots-in-var'], '3');
  });

  await t.test('boot 4: the second menu entry (boot-menu rollback) boots v1', async () => {
    const f = mustBoot(await boot('4-v1-menu', { entry: 1 }));
    assertSane(f);
    assert.equal(f.csum, v1);
    assert.equal(f['etc-shipped'], '1');
    assert.equal(f['etc-new-in-v2'], 'no');
    assert.equal(f['boots-in-var'], '4');
  });

  syncBack(img, sysroot, OS, work);
  atollOk(['rollback', '--sysroot', sysroot]);
  makeImage(sysroot, img);

  await t.test('real ostree admin status agrees: v1 is the default after atoll rollback', (tt) => {
    if (!requireTool(tt, 'ostree')) return;
    const out = runOk('ostree', ['admin', 'status', '--sysroot', sysroot]);
    const lines = out.split('\n').filter((l) => /^\S*\s*testos [0-9a-f]{64}\.\d/.test(l.trim()) || / testos [0-9a-f]{64}/.test(l));
    assert.ok(lines[0]?.includes(v1), `ostree admin status lists v1 first:\n${out}`);
    assert.ok(lines[1]?.includes(v2), `ostree admin status lists v2 second:\n${out}`);
  });

  await t.test('boot 5: after atoll rollback the default entry boots v1', async () => {
    const f = mustBoot(await boot('5-v1-rollback'));
    assertSane(f);
    assert.equal(f.csum, v1);
    assert.equal(f['etc-local'], 'edited-in-v1');
    assert.equal(f['boots-in-var'], '5');
  });

  await t.test('boot 6: v2 is now the rollback entry and still boots', async () => {
    const f = mustBoot(await boot('6-v2-menu', { entry: 1 }));
    assertSane(f);
    assert.equal(f.csum, v2);
    assert.equal(f['boots-in-var'], '6');
  });

  await t.test('negative: an unknown prepare mode fails fast and visibly in the initramfs', async () => {
    const r = await boot('7-bogus', { kargs: ['atoll.prepare=bogus'] });
    assert.equal(r.booted, false);
    assert.equal(r.timedOut, false);
    assert.equal(r.initrdFail, 'ATOLL-INITRD-FAIL: unknown atoll.prepare=bogus');
  });

  await t.test('negative: a corrupted initramfs in the deployment fails its boot check, within its timeout, with a clear message', async () => {
    // Corrupt the deployed initramfs on the sysroot itself (what a broken deploy would leave) and rebuild the image.
    const entry = readEntries(img)[0]!;
    const path = join(sysroot, 'boot', entry.initrd);
    runOk('chattr', ['-i', join(path, '..')]);
    const bytes = readFileSync(path);
    bytes.fill(0x5a, 64, bytes.length); // keep the gzip magic, destroy the payload
    writeFileSync(path, bytes);
    const bad = join(work, 'bad.img');
    makeImage(sysroot, bad);
    const r = await bootImage(bad, { workDir: work, name: '8-corrupt-initramfs', timeoutMs: 120_000 });
    boots.push(`8-corrupt-initramfs ${r.seconds.toFixed(1)}s`);
    assert.equal(r.booted, false, 'a corrupted initramfs must not report a successful boot');
    assert.equal(r.timedOut, false, 'the broken boot must end on its own (panic=-1, -no-reboot), not by the kill timeout');
    const msg = explain(r);
    assert.match(msg, /without an ATOLL-BOOTED line/);
    assert.match(r.log, /Kernel panic|Initramfs unpacking failed|ATOLL-INITRD-FAIL/);
  });

  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  writeFileSync(join(repoRoot, 'dist', 'boot-timings.txt'), boots.join('\n') + '\n');
  t.diagnostic(`boots: ${boots.join(', ')}`);
});
