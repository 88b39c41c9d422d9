import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parsePackageDescriptions, buildRpm } from '../rpm/index.js';
import { prepareDescriptions } from './prepare-descriptions.js';
import { useBootKernel, type BootAssets } from './boot-demo.js';

const EXAMPLE = resolve(process.cwd(), 'examples/demo-os/packages');

test('useBootKernel swaps each kernel.yaml for a bootable kernel of the same version, and it builds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-demo-boot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A fake download cache with the layout fetch-boot-deps.sh leaves.
  const kver = '6.1.0-99-cloud-amd64';
  const cache = join(dir, 'cache');
  const modDir = join(cache, 'root/lib/modules', kver, 'kernel/drivers/virtio');
  mkdirSync(modDir, { recursive: true });
  mkdirSync(join(cache, 'root/boot'), { recursive: true });
  for (const m of ['virtio_ring', 'virtio', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci', 'virtio_blk']) writeFileSync(join(modDir, `${m}.ko`), `module ${m}\n`);
  writeFileSync(join(cache, 'root/boot', `vmlinuz-${kver}`), 'kernel image\n');
  writeFileSync(join(dir, 'initramfs.img'), 'initramfs\n');
  writeFileSync(join(dir, 'init'), '#!/bin/sh\necho ATOLL-BOOTED\n');
  const assets: BootAssets = { cache, kver, initramfs: join(dir, 'initramfs.img'), init: join(dir, 'init') };
  const fake = join(dir, 'busybox');
  writeFileSync(fake, 'busybox');
  prepareDescriptions(EXAMPLE, join(dir, 'out'), fake);

  assert.equal(useBootKernel(join(dir, 'out'), assets), 2, 'v1 and v2 each have a kernel.yaml');
  for (const [version, expected] of [['v1', '6.6.1'], ['v2', '6.6.2']] as const) {
    const [desc] = parsePackageDescriptions(readFileSync(join(dir, 'out', version, 'kernel.yaml'), 'utf8'));
    assert.ok(desc);
    assert.equal(desc.name, 'kernel');
    assert.equal(desc.version, expected);
    assert.equal(desc.release, '1.demo');
    const paths = (desc.files ?? []).map((f) => f.path);
    assert.ok(paths.includes(`/usr/lib/modules/${kver}/vmlinuz`));
    assert.ok(paths.includes(`/usr/lib/modules/${kver}/initramfs.img`));
    assert.ok(paths.includes(`/usr/lib/modules/${kver}/kernel/drivers/virtio/virtio_blk.ko`));
    assert.ok(paths.includes('/usr/sbin/init'));
    assert.ok((await buildRpm(desc)).length > 96, `${version}/kernel builds`);
  }
});
