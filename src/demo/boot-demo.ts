/**
 * `atoll demo --boot`: the example OS with a kernel that really boots, and the walkthrough's
 * sysroot booted in QEMU at the end. The example's stand-in `kernel` package is replaced by one
 * carrying Debian's cloud kernel, its virtio modules and the project's initramfs (busybox /init
 * handing over to the real ostree-prepare-root), plus the boot-test /sbin/init that prints one
 * `ATOLL-BOOTED key=value ...` line and powers off. Debian's packages are `apt-get download`ed by
 * scripts/fetch-boot-deps.sh into the boot tests' shared cache (under its lock); nothing binary
 * lives in the repository. The boot itself is qemu-boot.ts (the boot tests' harness).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtollError } from '../errors/index.js';
import { bootImage, explainBoot, makeImage, type BootResult } from './qemu-boot.js';

export interface DemoBootOptions {
  /** The repository's scripts/ folder (fetch-boot-deps.sh, boot/build-initramfs.sh, boot/os-init.sh). */
  scriptsDir: string;
  /** The download cache (default $ATOLL_BOOT_CACHE or ~/.cache/atoll-boot, shared with the boot tests). */
  cacheDir?: string;
}

export interface BootAssets {
  cache: string;
  kver: string;
  initramfs: string;
  init: string;
}

const VIRTIO_MODULES = ['virtio_ring', 'virtio', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_pci', 'virtio_blk'];

export function defaultBootCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.ATOLL_BOOT_CACHE ?? join(env.HOME ?? '/root', '.cache', 'atoll-boot');
}

function sh(args: string[], what: string): void {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error !== undefined || r.status !== 0) {
    throw new AtollError('DEMO_BOOT_TOOL_FAILED', `${what} failed: ${args.join(' ')} exited ${r.status ?? 'without status'}: ${(r.stderr ?? '').trim() || r.error?.message}`, {
      hint: 'the boot needs apt-get (with Debian\'s package lists: apt-get update), dpkg-deb, flock, cpio and root (mknod); scripts/setup-peers.sh installs the tools',
    });
  }
}

/** Fetch the kernel, busybox-static and ostree-boot into the cache; build the initramfs into WORKDIR. */
export function prepareBootAssets(options: DemoBootOptions, workDir: string): BootAssets {
  const cache = options.cacheDir ?? defaultBootCache();
  mkdirSync(cache, { recursive: true });
  // flock: a boot test may be filling the same cache right now.
  sh(['flock', `${cache}.lock`, 'sh', join(options.scriptsDir, 'fetch-boot-deps.sh'), cache], 'fetching the boot packages');
  const kver = /^KVER=(.*)$/m.exec(readFileSync(join(cache, 'env'), 'utf8'))?.[1];
  if (kver === undefined) throw new AtollError('DEMO_BOOT_TOOL_FAILED', `no KVER in ${join(cache, 'env')} after fetch-boot-deps.sh`);
  mkdirSync(workDir, { recursive: true });
  const initramfs = join(workDir, 'initramfs.img');
  sh(['sh', join(options.scriptsDir, 'boot', 'build-initramfs.sh'), cache, initramfs], 'building the initramfs');
  return { cache, kver, initramfs, init: join(options.scriptsDir, 'boot', 'os-init.sh') };
}

function findFile(dir: string, name: string): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const hit = findFile(p, name);
      if (hit !== undefined) return hit;
    } else if (e.name === name) return p;
  }
  return undefined;
}

/**
 * The bootable `kernel` package description (JSON, which `atoll rpm build` reads as YAML):
 * vmlinuz, initramfs.img and the virtio modules in usr/lib/modules/$kver, and /usr/sbin/init.
 */
export function bootKernelDescription(assets: BootAssets, version: string, release: string): string {
  const b64 = (path: string): { base64: string } => ({ base64: readFileSync(path).toString('base64') });
  const modDir = join(assets.cache, 'root', 'lib', 'modules', assets.kver);
  const modules = VIRTIO_MODULES.map((m) => {
    const path = findFile(modDir, `${m}.ko`);
    if (path === undefined) throw new AtollError('DEMO_BOOT_TOOL_FAILED', `module ${m}.ko not found in ${modDir}`);
    return { path: `/usr/lib/modules/${assets.kver}/${path.slice(modDir.length + 1)}`, content: b64(path), mode: 0o644 };
  });
  const vmlinuz = join(assets.cache, 'root', 'boot', `vmlinuz-${assets.kver}`);
  if (!existsSync(vmlinuz)) throw new AtollError('DEMO_BOOT_TOOL_FAILED', `${vmlinuz} missing after fetch-boot-deps.sh`);
  return JSON.stringify({
    name: 'kernel',
    version,
    release,
    summary: `Debian's cloud kernel ${assets.kver}, its virtio modules, the atoll boot-test initramfs and /sbin/init`,
    license: 'GPL-2.0-only',
    payload: { compressor: 'gzip', level: 1 },
    files: [
      { path: `/usr/lib/modules/${assets.kver}`, type: 'dir', mode: 0o755 },
      { path: `/usr/lib/modules/${assets.kver}/vmlinuz`, content: b64(vmlinuz), mode: 0o644 },
      { path: `/usr/lib/modules/${assets.kver}/initramfs.img`, content: b64(assets.initramfs), mode: 0o644 },
      ...modules,
      // The demo OS has no systemd: this init reports what booted on the console and powers off.
      { path: '/usr/sbin/init', content: readFileSync(assets.init, 'utf8'), mode: 0o755 },
    ],
  });
}

/** Replace every `kernel.yaml` under the prepared descriptions by the bootable kernel (same version). */
export function useBootKernel(packagesDir: string, assets: BootAssets): number {
  let n = 0;
  for (const version of readdirSync(packagesDir)) {
    const file = join(packagesDir, version, 'kernel.yaml');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const field = (k: string): string => new RegExp(`^${k}:\\s*"?([^"\\n]*?)"?\\s*$`, 'm').exec(text)?.[1] ?? '1';
    writeFileSync(file, bootKernelDescription(assets, field('version'), field('release')));
    n++;
  }
  return n;
}

export interface DemoBootEntry {
  label: string;
  result: BootResult;
}

/**
 * Image the sysroot and boot its default entry and then the rollback entry (the harness is the
 * bootloader and passes the root device: root=/dev/vda). Console output goes to `write` live.
 */
export async function bootDemoSysroot(sysroot: string, workDir: string, write: (text: string) => void): Promise<DemoBootEntry[]> {
  mkdirSync(workDir, { recursive: true });
  const img = join(workDir, 'sysroot.img');
  makeImage(sysroot, img);
  const out: DemoBootEntry[] = [];
  for (const [index, label] of [[0, 'default'], [1, 'rollback']] as const) {
    write(`\n--- booting the ${label} entry under qemu -accel tcg (console on ttyS0) ---\n`);
    const result = await bootImage(img, {
      workDir, name: `boot-${label}`, entry: index, kargs: ['root=/dev/vda', 'rw', 'quiet'],
      onConsole: (b) => write(b.toString('latin1').replace(/\r/g, '')),
    });
    if (!result.booted) {
      throw new AtollError('DEMO_BOOT_FAILED', `the ${label} entry did not boot: ${explainBoot(result)}`, {
        hint: 'the console log is kept in the demo directory (boot/); ATOLL_BOOT_TIMEOUT_MS raises the per-boot timeout',
      });
    }
    out.push({ label, result });
  }
  return out;
}
