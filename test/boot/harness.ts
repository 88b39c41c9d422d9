// The boot-test harness. The bootloader part (disk image with mkfs.ext4 -d, the harness's own BLS
// reader over debugfs, qemu under TCG with the entry's kernel/initrd/options, the serial console
// parsed for the ATOLL-BOOTED line, a kill timeout per boot) is product code since `atoll demo
// --boot` uses it too: src/demo/qemu-boot.ts. What only the tests need stays here: the syncback
// of what the guest wrote on its disk.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { debugfs } from '../../src/demo/index.js';

export { BOOT_TIMEOUT_MS, bootImage, explainBoot as explain, makeImage, readEntries } from '../../src/demo/index.js';
export type { BlsEntry, BootOptions, BootResult } from '../../src/demo/index.js';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Carry the guest's writes back into the sysroot directory: the stateroot /var and each
 * deployment's /etc are dumped from the image (read-only) and copied over the directory's.
 */
export function syncBack(img: string, sysroot: string, os: string, workDir: string): void {
  const tmp = join(workDir, `syncback-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  const deployRoot = `ostree/deploy/${os}`;
  const targets = [`${deployRoot}/var`];
  for (const d of readdirSync(join(sysroot, deployRoot, 'deploy'))) {
    if (!d.endsWith('.origin')) targets.push(`${deployRoot}/deploy/${d}/etc`);
  }
  for (const rel of targets) {
    const out = join(tmp, rel.replace(/\//g, '_'));
    mkdirSync(out, { recursive: true });
    debugfs(img, `rdump /${rel} ${out}`);
    const base = rel.split('/').pop() as string;
    // chattr +i on a deployment root would forbid replacing etc/ itself: copy the contents in place.
    run('cp', ['-a', '--remove-destination', join(out, base) + '/.', join(sysroot, rel) + '/']);
  }
  rmSync(tmp, { recursive: true, force: true });
}
