import { createHash, type Hash } from 'node:crypto';
import { lstat, readdir, stat, link, copyFile, mkdir, readFile, open, rename, unlink } from 'node:fs/promises';
import { tempSibling, isFsyncEnabled } from '../../util/index.js';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import type { InstalledKernel } from '../bootloader/index.js';
import { sysrootDebug } from './debug-flags.js';

/** The kernel of a tree and where its files are (ostree-format.md §6.2). */
export interface KernelLayout extends InstalledKernel {
  bootcsum: string;
  kver: string | undefined;
  kernelSrc: string;
  initramfsSrc: string | undefined;
  devicetreeSrc: string | undefined;
  /** `usr/lib/modules/KVER/dtb/` (used when there is no single `devicetree` file). */
  devicetreeDirSrc: string | undefined;
  hmacSrc: string | undefined;
  hmacName: string | undefined;
}

async function isRegular(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}

/** `checksum_dir_recurse`: the files under DIR in strcmp order, depth first, content only. */
async function hashDir(hash: Hash, dir: string): Promise<void> {
  const names = (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const path = join(dir, name);
    if ((await lstat(path)).isDirectory()) await hashDir(hash, path);
    else hash.update(await readFile(path));
  }
}

async function hashFiles(paths: string[], dir: string | undefined): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) hash.update(await readFile(path));
  if (dir !== undefined) await hashDir(hash, dir);
  return hash.digest('hex');
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}

export interface FindKernelOptions {
  /**
   * Compute the bootcsum (default). A deployment already in the list keeps the bootcsum it
   * was deployed with; only its file names and sources are needed, which is much cheaper.
   */
  checksum?: boolean;
}

async function modernLayout(tree: string, options: FindKernelOptions): Promise<KernelLayout | undefined> {
  const modules = join(tree, 'usr/lib/modules');
  let names: string[];
  try {
    names = (await readdir(modules)).sort();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
  for (const kver of names) {
    const dir = join(modules, kver);
    if (!(await lstat(dir)).isDirectory()) continue;
    const kernelSrc = join(dir, 'vmlinuz');
    if (!(await isRegular(kernelSrc))) continue;
    let initramfsSrc: string | undefined;
    for (const name of ['initramfs.img', 'initramfs']) {
      if (await isRegular(join(dir, name))) {
        initramfsSrc = join(dir, name);
        break;
      }
    }
    const devicetreeSrc = (await isRegular(join(dir, 'devicetree'))) ? join(dir, 'devicetree') : undefined;
    // Else a whole directory of device trees (`fdtdir`), unless OSTREE_SYSROOT_DEBUG=no-dtb
    // (OSTree's switch to behave as releases before dtb/ support, which its tests use).
    const devicetreeDirSrc = !devicetreeSrc && !sysrootDebug('no-dtb') && (await isDirectory(join(dir, 'dtb'))) ? join(dir, 'dtb') : undefined;
    const hmacSrc = (await isRegular(join(dir, '.vmlinuz.hmac'))) ? join(dir, '.vmlinuz.hmac') : undefined;
    const hashed = [kernelSrc, ...(initramfsSrc ? [initramfsSrc] : []), ...(devicetreeSrc ? [devicetreeSrc] : [])];
    return {
      bootcsum: options.checksum === false ? '' : await hashFiles(hashed, devicetreeDirSrc),
      kver,
      kernelSrc,
      kernelName: `vmlinuz-${kver}`,
      initramfsSrc,
      initramfsName: initramfsSrc ? `initramfs-${kver}.img` : undefined,
      devicetreeSrc,
      devicetreeName: devicetreeSrc ? `devicetree-${kver}` : undefined,
      devicetreeDirSrc,
      devicetreeDir: devicetreeDirSrc ? 'dtb' : undefined,
      hmacSrc,
      hmacName: hmacSrc ? `.vmlinuz-${kver}.hmac` : undefined,
    };
  }
  return undefined;
}

/** `vmlinuz[-KVER]-BOOTCSUM`, `initramfs-`/`initrd-`, `devicetree-` (get_kernel_from_tree_legacy_layouts). */
const LEGACY = /^(vmlinuz|initramfs|initrd|devicetree)-(?:.*-)?([0-9a-f]{64})$/;

async function legacyLayout(tree: string): Promise<KernelLayout | undefined> {
  for (const sub of ['usr/lib/ostree-boot', 'boot']) {
    const dir = join(tree, sub);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) continue;
      throw error;
    }
    const found = new Map<string, { name: string; csum: string }>();
    for (const name of names) {
      const m = LEGACY.exec(name);
      const kind = m?.[1] === 'initrd' ? 'initramfs' : m?.[1];
      if (!m || kind === undefined || found.has(kind)) continue;
      found.set(kind, { name, csum: m[2] as string });
    }
    const kernel = found.get('vmlinuz');
    if (!kernel) continue;
    const others = [found.get('initramfs'), found.get('devicetree')].filter((x) => x !== undefined);
    for (const other of others) {
      if (other.csum !== kernel.csum) {
        throw new AtollError('SYSROOT_KERNEL_CHECKSUM_MISMATCH', `${sub}/${other.name} carries a different boot checksum than ${kernel.name}`);
      }
    }
    const strip = (n: string): string => n.slice(0, -65);
    const initramfs = found.get('initramfs');
    const devicetree = found.get('devicetree');
    return {
      bootcsum: kernel.csum,
      kver: undefined,
      kernelSrc: join(dir, kernel.name),
      kernelName: strip(kernel.name),
      initramfsSrc: initramfs ? join(dir, initramfs.name) : undefined,
      initramfsName: initramfs ? strip(initramfs.name) : undefined,
      devicetreeSrc: devicetree ? join(dir, devicetree.name) : undefined,
      devicetreeName: devicetree ? strip(devicetree.name) : undefined,
      devicetreeDirSrc: undefined,
      devicetreeDir: undefined,
      hmacSrc: undefined,
      hmacName: undefined,
    };
  }
  return undefined;
}

/** Find the kernel of a checked-out tree; the modern layout wins unless only the legacy one has an initramfs. */
export async function findKernel(tree: string, options: FindKernelOptions = {}): Promise<KernelLayout> {
  const modern = await modernLayout(tree, options);
  if (modern && modern.initramfsSrc) return modern;
  const legacy = await legacyLayout(tree);
  if (modern && !(legacy && legacy.initramfsSrc)) return modern;
  if (legacy) return legacy;
  throw new AtollError('SYSROOT_NO_KERNEL', `no kernel found in ${tree}: expected usr/lib/modules/KVER/vmlinuz (or vmlinuz-*-BOOTCSUM in usr/lib/ostree-boot or boot)`, {
    hint: 'a bootable commit carries its kernel at usr/lib/modules/$kver/vmlinuz',
  });
}

async function hardlinkOrCopy(src: string, dest: string): Promise<void> {
  try {
    await lstat(dest);
    return; // kept if already present
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  try {
    await link(src, dest);
  } catch (error) {
    if (!isErrno(error, 'EXDEV', 'EMLINK', 'EPERM')) throw error;
    // A separate /boot: copy under a temporary name and rename, so a crash never leaves a
    // truncated kernel that a later deploy would keep ("kept if already present").
    const temp = tempSibling(dest);
    try {
      await copyFile(src, temp);
      if (isFsyncEnabled()) {
        const handle = await open(temp, 'r');
        await handle.sync().finally(() => handle.close());
      }
      await rename(temp, dest);
    } catch (copyError) {
      await unlink(temp).catch(() => undefined);
      throw copyError;
    }
  }
}

/** Install kernel, initramfs, devicetree and hmac under `boot/ostree/OS-BOOTCSUM/`. */
export async function installKernel(layout: KernelLayout, bootfsDir: string): Promise<void> {
  await mkdir(bootfsDir, { recursive: true, mode: 0o755 });
  await hardlinkOrCopy(layout.kernelSrc, join(bootfsDir, layout.kernelName));
  if (layout.initramfsSrc && layout.initramfsName) await hardlinkOrCopy(layout.initramfsSrc, join(bootfsDir, layout.initramfsName));
  if (layout.devicetreeSrc && layout.devicetreeName) await hardlinkOrCopy(layout.devicetreeSrc, join(bootfsDir, layout.devicetreeName));
  if (layout.hmacSrc && layout.hmacName) await hardlinkOrCopy(layout.hmacSrc, join(bootfsDir, layout.hmacName));
  if (layout.devicetreeDirSrc && layout.devicetreeDir) await copyTreeInto(layout.devicetreeDirSrc, join(bootfsDir, layout.devicetreeDir));
}

/** `copy_dir_recurse` into /boot: directories made, files hardlinked or copied, existing kept. */
async function copyTreeInto(src: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true, mode: 0o755 });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (entry.isDirectory()) await copyTreeInto(join(src, entry.name), join(dest, entry.name));
    else await hardlinkOrCopy(join(src, entry.name), join(dest, entry.name));
  }
}
