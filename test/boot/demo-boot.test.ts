// `atoll demo --boot` as a user runs it: the walkthrough with a real kernel, ending by booting
// the sysroot's default entry (v1 after the rollback) and its rollback entry (v2) in QEMU.
// The booted commits are checked against what the walkthrough composed, and the boot loader
// entries against the real `ostree admin status`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir } from '../helpers/env.js';
import { requireRoot } from '../helpers/sysroot.js';
import { atoll, runOk } from '../helpers/run.js';

test('atoll demo --boot boots the default entry (v1) and the rollback entry (v2)', { timeout: 20 * 60_000 }, async (t) => {
  if (!requireTool(t, 'qemu-system-x86_64', 'debugfs', 'mkfs.ext4', 'cpio', 'apt-get', 'dpkg-deb', 'flock')) return;
  if (!requireRoot(t)) return;
  const dir = join(tempDir(t, 'atoll-demo-boot-'), 'demo');
  const r = atoll(['demo', '--dir', dir, '--boot']);
  assert.equal(r.status, 0, `atoll demo --boot exited ${r.status}:\n${r.stderr}\n${r.stdout.split('\n').slice(-40).join('\n')}`);
  const commits = [...r.stdout.matchAll(/demo\/stable => ([0-9a-f]{64}) \(version (\d+)\)/g)].map((m) => m[1]);
  assert.equal(commits.length, 2, 'two composes');
  const [v1, v2] = commits as [string, string];

  await t.test('the demo says which version each entry booted, and the console lines agree', () => {
    assert.match(r.stdout, /^default entry: booted v1 \(commit [0-9a-f]{12}, VERSION_ID=1\).*\/ is the deployment: yes, \/usr read-only: yes, \/var is the stateroot's: yes/m);
    assert.match(r.stdout, /^rollback entry: booted v2 \(commit [0-9a-f]{12}, VERSION_ID=2\)/m);
    const booted = [...r.stdout.matchAll(/^ATOLL-BOOTED csum=([0-9a-f]{64}) .*os=demo /gm)].map((m) => m[1]);
    assert.deepEqual(booted, [v1, v2]);
  });

  await t.test('the kernel the demo booted came through compose: real ostree lists it in usr/lib/modules', (tt) => {
    if (!requireTool(tt, 'ostree')) return;
    const modules = runOk('ostree', ['ls', '--repo', join(dir, 'repo'), 'demo/stable', '/usr/lib/modules']);
    const kver = /\/usr\/lib\/modules\/(\S+)$/m.exec(modules)?.[1];
    assert.ok(kver, modules);
    const files = runOk('ostree', ['ls', '--repo', join(dir, 'repo'), 'demo/stable', `/usr/lib/modules/${kver}`]);
    assert.match(files, /\/vmlinuz$/m);
    assert.match(files, /\/initramfs\.img$/m);
    assert.ok(readdirSync(join(dir, 'boot')).includes('sysroot.img'), 'the image is left in DIR/boot');
  });
});
