// Kernel discovery and boot files against `ostree admin deploy` 2022.7: a tree without an
// initramfs (init= is added), a devicetree, and the legacy usr/lib/ostree-boot layout whose
// file names carry the boot checksum. Twin sysroots; entries and /boot must be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, atoll } from '../helpers/run.js';
import { requireRoot, tmpfsDir, twinSysroots, makeFakeOsTree, ostreeCommit, ostreeAdmin, describeTree } from '../helpers/sysroot.js';

function entries(sysroot: string): Record<string, string> {
  const dir = join(sysroot, 'boot/loader/entries');
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

test('kernel layouts: no initramfs, devicetree, legacy ostree-boot names; sealed deployments', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr', 'lsattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const noInitrd = makeFakeOsTree(join(work, 't1'), { initramfs: null });
  const c1 = ostreeCommit(src, 'os/noinitrd', noInitrd, '1');
  const dt = makeFakeOsTree(join(work, 't2'), { kernel: 'K2' });
  writeFileSync(join(dt, 'usr/lib/modules/5.10.0/devicetree'), 'DTB');
  const c2 = ostreeCommit(src, 'os/dt', dt, '2');
  const legacy = makeFakeOsTree(join(work, 't3'));
  rmSync(join(legacy, 'usr/lib/modules'), { recursive: true });
  const csum = createHash('sha256').update('LEGACYK').digest('hex');
  mkdirSync(join(legacy, 'usr/lib/ostree-boot'), { recursive: true });
  writeFileSync(join(legacy, 'usr/lib/ostree-boot', `vmlinuz-5.0-${csum}`), 'LEGACYK');
  writeFileSync(join(legacy, 'usr/lib/ostree-boot', `initramfs-5.0.img-${csum}`), 'LEGACYI');
  const c3 = ostreeCommit(src, 'os/legacy', legacy, '3');

  const { ref, ours } = twinSysroots(work, { os: 'k', source: src, refs: ['os/noinitrd', 'os/dt', 'os/legacy'] });
  for (const c of [c1, c2, c3]) {
    ostreeAdmin(ref, 'deploy', '--os=k', '--retain', c);
    const r = atoll(['admin', 'deploy', '--sysroot', ours, '--os=k', '--retain', c]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(entries(ours), entries(ref), `entries after deploying ${c}`);
  }
  assert.match(Object.values(entries(ours)).join(''), /init=\/ostree\/boot\.\d\/k\/[0-9a-f]{64}\/\d\/usr\/lib\/ostree\/ostree-prepare-root/);
  assert.match(Object.values(entries(ours)).join(''), /devicetree \/ostree\/k-[0-9a-f]{64}\/devicetree-5\.10\.0/);
  assert.match(Object.values(entries(ours)).join(''), new RegExp(`linux /ostree/k-${csum}/vmlinuz-5.0\n`));
  const boot = (root: string): Record<string, string> => describeTree(join(root, 'boot'));
  assert.deepEqual(boot(ours), boot(ref));
  // every deployment directory sealed as ostree seals them
  const deploy = join(ours, 'ostree/deploy/k/deploy');
  for (const name of readdirSync(deploy).filter((n) => !n.endsWith('.origin'))) {
    assert.match(runOk('lsattr', ['-d', join(deploy, name)]), /^\S*i\S* /, `${name} is immutable`);
  }
});

test('a separate /boot filesystem: kernels are copied (not hardlinked), entries match ostree', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  ostreeCommit(src, 'os/a', makeFakeOsTree(join(work, 't1')), '1');
  const { ref, ours } = twinSysroots(work, { os: 'k', source: src, refs: ['os/a'], separateBoot: true });
  ostreeAdmin(ref, 'deploy', '--os=k', 'os/a');
  const r = atoll(['admin', 'deploy', '--sysroot', ours, '--os=k', 'os/a']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(entries(ours), entries(ref));
  assert.deepEqual(describeTree(join(ours, 'boot')), describeTree(join(ref, 'boot')));
  const kernelDir = readdirSync(join(ours, 'boot/ostree'))[0] as string;
  assert.equal(readFileSync(join(ours, 'boot/ostree', kernelDir, 'vmlinuz-5.10.0'), 'utf8'), 'KERNEL');
});
