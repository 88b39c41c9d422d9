import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { findKernel } from './kernel.js';

function tree(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-kernel-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('modern layout: bootcsum is sha256(kernel ‖ initramfs) (golden G15)', async (t) => {
  const dir = tree(t);
  mkdirSync(join(dir, 'usr/lib/modules/6.1.0-test'), { recursive: true });
  writeFileSync(join(dir, 'usr/lib/modules/6.1.0-test/vmlinuz'), 'KERNEL');
  writeFileSync(join(dir, 'usr/lib/modules/6.1.0-test/initramfs.img'), 'INITRD');
  const k = await findKernel(dir);
  assert.equal(k.bootcsum, 'fb13acf66d021b3783543b13f262f424ca339a8546258f6319333a83c111dc09');
  assert.equal(k.kernelName, 'vmlinuz-6.1.0-test');
  assert.equal(k.initramfsName, 'initramfs-6.1.0-test.img');
});

test('legacy layout: the checksum in the names is the bootcsum; names drop it; mismatches are refused', async (t) => {
  const dir = tree(t);
  const c = 'a'.repeat(64);
  mkdirSync(join(dir, 'usr/lib/ostree-boot'), { recursive: true });
  writeFileSync(join(dir, 'usr/lib/ostree-boot', `vmlinuz-5.0-${c}`), 'K');
  writeFileSync(join(dir, 'usr/lib/ostree-boot', `initramfs-5.0.img-${c}`), 'I');
  const k = await findKernel(dir);
  assert.deepEqual([k.bootcsum, k.kernelName, k.initramfsName], [c, 'vmlinuz-5.0', 'initramfs-5.0.img']);
  writeFileSync(join(dir, 'usr/lib/ostree-boot', `devicetree-5.0-${'b'.repeat(64)}`), 'D');
  await assert.rejects(findKernel(dir), { code: 'SYSROOT_KERNEL_CHECKSUM_MISMATCH' });
});

test('the modern layout wins unless only the legacy one has an initramfs; no kernel is an error', async (t) => {
  const dir = tree(t);
  await assert.rejects(findKernel(dir), { code: 'SYSROOT_NO_KERNEL' });
  mkdirSync(join(dir, 'usr/lib/modules/6.1'), { recursive: true });
  writeFileSync(join(dir, 'usr/lib/modules/6.1/vmlinuz'), 'K');
  assert.equal((await findKernel(dir)).kernelName, 'vmlinuz-6.1');
  mkdirSync(join(dir, 'boot'));
  const c = 'c'.repeat(64);
  writeFileSync(join(dir, 'boot', `vmlinuz-5.0-${c}`), 'K');
  writeFileSync(join(dir, 'boot', `initramfs-5.0.img-${c}`), 'I');
  assert.equal((await findKernel(dir)).bootcsum, c);
});

test('dtb/ directory: hashed after kernel and initramfs, files in strcmp order depth first; no-dtb ignores it', async (t) => {
  const dir = tree(t);
  const mod = join(dir, 'usr/lib/modules/3.6.0');
  mkdirSync(join(mod, 'dtb/overlays'), { recursive: true });
  writeFileSync(join(mod, 'vmlinuz'), 'K');
  writeFileSync(join(mod, 'initramfs.img'), 'I');
  writeFileSync(join(mod, 'dtb/b.dtb'), 'B');
  writeFileSync(join(mod, 'dtb/Z.dtb'), 'Z');
  writeFileSync(join(mod, 'dtb/overlays/o.dtbo'), 'O');
  // strcmp order of dtb/: Z.dtb, b.dtb, overlays/ (ostree's checksum_dir_recurse; the
  // layout matches what ostree admin deploy wrote for test-osupdate-dtb's tree)
  const expected = createHash('sha256').update('KIZBO').digest('hex');
  const k = await findKernel(dir);
  assert.equal(k.bootcsum, expected);
  assert.equal(k.devicetreeDir, 'dtb');
  assert.equal(k.devicetreeName, undefined);
  const saved = process.env.OSTREE_SYSROOT_DEBUG;
  process.env.OSTREE_SYSROOT_DEBUG = 'mutable-deployments,no-dtb';
  try {
    const plain = await findKernel(dir);
    assert.equal(plain.bootcsum, createHash('sha256').update('KI').digest('hex'));
    assert.equal(plain.devicetreeDir, undefined);
  } finally {
    if (saved === undefined) delete process.env.OSTREE_SYSROOT_DEBUG;
    else process.env.OSTREE_SYSROOT_DEBUG = saved;
  }
  assert.equal((await findKernel(dir, { checksum: false })).bootcsum, '');
});

test('legacy layout without a version: vmlinuz-BOOTCSUM, initrd-BOOTCSUM, devicetree-BOOTCSUM (as ostree installs them: vmlinuz, initrd, devicetree)', async (t) => {
  const dir = tree(t);
  const c = 'd'.repeat(64);
  mkdirSync(join(dir, 'boot'), { recursive: true });
  writeFileSync(join(dir, 'boot', `vmlinuz-${c}`), 'K');
  writeFileSync(join(dir, 'boot', `initrd-${c}`), 'I');
  writeFileSync(join(dir, 'boot', `devicetree-${c}`), 'D');
  const k = await findKernel(dir);
  assert.deepEqual([k.bootcsum, k.kernelName, k.initramfsName, k.devicetreeName], [c, 'vmlinuz', 'initrd', 'devicetree']);
});
