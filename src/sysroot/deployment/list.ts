import { readdir, readFile, readlink, lstat, stat } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { KeyFile } from '../../keyfile/index.js';
import { BootConfig } from '../bootloader/boot-config.js';
import { KernelArgs } from '../bootloader/kernel-args.js';
import { strverscmp } from '../bootloader/strverscmp.js';
import { SysrootLayout, parseDeploymentDirName, parseOstreeKarg } from '../layout/index.js';
import type { Deployment } from './deployment.js';

/** What `ostree_sysroot_load` finds: the current bootversion/subbootversion and the list. */
export interface SysrootState {
  bootversion: number;
  subbootversion: number;
  deployments: Deployment[];
  /** The booted deployment, when the sysroot is the running system's root. */
  booted: Deployment | undefined;
}

async function readlinkOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** A coded error unless `root/ostree` exists (the mark of an initialized sysroot). */
export async function requireSysroot(layout: SysrootLayout): Promise<void> {
  try {
    if ((await stat(layout.ostreeDir)).isDirectory()) return;
  } catch (error) {
    if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
  }
  throw new AtollError('SYSROOT_NOT_INITIALIZED', `${layout.root} is not an OSTree sysroot (no ostree/ directory)`, {
    hint: 'run atoll admin init-fs DIR and atoll admin os-init NAME first',
  });
}

/** `boot/loader` → `loader.N`; no link means bootversion 0 (as OSTree). */
export async function readBootversion(layout: SysrootLayout): Promise<number> {
  let target: string | undefined;
  try {
    target = await readlinkOrUndefined(layout.loaderLink);
  } catch (error) {
    // e.g. systemd-boot's own /boot/loader directory on a host root: never write over it
    if (isErrno(error, 'EINVAL')) {
      throw new AtollError('SYSROOT_BAD_LOADER_LINK', `not a symbolic link: ${layout.loaderLink}`, {
        hint: 'this /boot is managed by another boot loader setup (e.g. systemd-boot); OSTree needs boot/loader to be its symlink',
      });
    }
    throw error;
  }
  if (target === undefined) return 0;
  if (target === 'loader.0') return 0;
  if (target === 'loader.1') return 1;
  throw new AtollError('SYSROOT_BAD_LOADER_LINK', `boot/loader points at '${target}', expected loader.0 or loader.1`);
}

/** `ostree/boot.N` → `boot.N.M`; no link means 0. */
export async function readSubbootversion(layout: SysrootLayout, bootversion: number): Promise<number> {
  const target = await readlinkOrUndefined(layout.bootLink(bootversion));
  if (target === undefined) return 0;
  if (target === `boot.${bootversion}.0`) return 0;
  if (target === `boot.${bootversion}.1`) return 1;
  throw new AtollError('SYSROOT_BAD_BOOT_LINK', `ostree/boot.${bootversion} points at '${target}'`);
}

/** Parse the `.origin` keyfile of a deployment directory, if present. */
export async function readOrigin(path: string): Promise<KeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    return KeyFile.parse(text);
  } catch (error) {
    throw new AtollError('SYSROOT_BAD_ORIGIN', `cannot parse origin file ${path}`, { cause: error });
  }
}

/** The BLS entries of `boot/loader.N/entries` that OSTree reads: regular `ostree-*.conf` files. */
export async function readBootEntries(layout: SysrootLayout, bootversion: number): Promise<Array<{ name: string; config: BootConfig }>> {
  const dir = layout.entriesDir(bootversion);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const out: Array<{ name: string; config: BootConfig }> = [];
  for (const name of names.sort()) {
    if (!name.startsWith('ostree-') || !name.endsWith('.conf')) continue;
    const st = await lstat(join(dir, name));
    if (!st.isFile()) continue;
    out.push({ name, config: BootConfig.parse(await readFile(join(dir, name), 'utf8')) });
  }
  return out;
}

/**
 * Load the deployment list as `ostree_sysroot_load` does: read the current bootversion's BLS
 * entries, follow each one's `ostree=` link to its deployment directory, order by the entries'
 * `version` (strverscmp, descending) and number them.
 */
export async function loadSysroot(layout: SysrootLayout): Promise<SysrootState> {
  await requireSysroot(layout);
  const bootversion = await readBootversion(layout);
  const subbootversion = await readSubbootversion(layout, bootversion);
  const entries = await readBootEntries(layout, bootversion);
  entries.sort((a, b) => -strverscmp(a.config.get('version') ?? '', b.config.get('version') ?? ''));
  const deployments: Deployment[] = [];
  for (const entry of entries) {
    const kargs = KernelArgs.parse(entry.config.get('options'));
    const ostreeArg = kargs.getLastValue('ostree');
    if (ostreeArg === undefined) continue; // not an OSTree entry
    const parsed = parseOstreeKarg(ostreeArg);
    if (!parsed) {
      throw new AtollError('SYSROOT_BAD_OSTREE_KARG', `boot entry ${entry.name} has an invalid ostree= argument '${ostreeArg}'`);
    }
    const linkPath = join(layout.root, ostreeArg.slice(1));
    const target = await readlinkOrUndefined(linkPath);
    if (target === undefined) {
      throw new AtollError('SYSROOT_DANGLING_BOOT_LINK', `boot entry ${entry.name}: ${ostreeArg} does not exist`, {
        data: { entry: entry.name },
      });
    }
    const named = parseDeploymentDirName(basename(target));
    if (!named) throw new AtollError('SYSROOT_DANGLING_BOOT_LINK', `boot entry ${entry.name}: ${ostreeArg} points at '${target}', not a deployment`);
    const dir = layout.deploymentDir(parsed.osname, named.csum, named.deployserial);
    try {
      await stat(dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) throw new AtollError('SYSROOT_DANGLING_BOOT_LINK', `boot entry ${entry.name}: deployment ${dir} is missing`);
      throw error;
    }
    deployments.push({
      osname: parsed.osname,
      csum: named.csum,
      deployserial: named.deployserial,
      bootcsum: parsed.bootcsum,
      bootserial: parsed.bootserial,
      bootconfig: entry.config,
      origin: await readOrigin(layout.originFile(parsed.osname, named.csum, named.deployserial)),
      index: deployments.length,
    });
  }
  const booted = await findBootedDeployment(layout, deployments);
  return { bootversion, subbootversion, deployments, booted };
}

/**
 * The booted deployment: only when the sysroot is `/`, `/run/ostree-booted` exists, and the
 * running root is one of its deployment directories (same device and inode, as OSTree compares;
 * the `ostree=` karg is only a hint, the dev/inode decides). A sysroot given with --sysroot is
 * never booted. The QEMU boot test (test/boot, scenario B) exercises this inside a guest.
 */
async function findBootedDeployment(layout: SysrootLayout, deployments: Deployment[]): Promise<Deployment | undefined> {
  if (layout.root !== '/') return undefined;
  // libostree's first hint: the initramfs (ostree-prepare-root) leaves /run/ostree-booted.
  // Without it this is not a booted OSTree system, whatever / looks like.
  try {
    await stat('/run/ostree-booted');
  } catch {
    return undefined;
  }
  let rootStat;
  try {
    rootStat = await stat('/');
  } catch {
    return undefined;
  }
  for (const d of deployments) {
    try {
      const st = await stat(layout.deploymentDir(d.osname, d.csum, d.deployserial));
      if (st.dev === rootStat.dev && st.ino === rootStat.ino) return d;
    } catch {
      // missing deployment: cannot be the booted one
    }
  }
  return undefined;
}

/** Every `CSUM.SERIAL` directory on disk, in every stateroot (allocate_deployserial and cleanup use this). */
export async function listDeploymentDirs(layout: SysrootLayout): Promise<Array<{ osname: string; csum: string; deployserial: number }>> {
  const out: Array<{ osname: string; csum: string; deployserial: number }> = [];
  let osnames: string[];
  try {
    osnames = await readdir(layout.deployRoot);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return out;
    throw error;
  }
  for (const osname of osnames.sort()) {
    let names: string[];
    try {
      names = await readdir(layout.stateDeployDir(osname));
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) continue;
      throw error;
    }
    for (const name of names.sort()) {
      const parsed = parseDeploymentDirName(name);
      if (!parsed) continue;
      const st = await lstat(join(layout.stateDeployDir(osname), name));
      if (st.isDirectory()) out.push({ osname, ...parsed });
    }
  }
  return out;
}

/** The stateroots that exist (directories under ostree/deploy). */
export async function listStateroots(layout: SysrootLayout): Promise<string[]> {
  try {
    const names = await readdir(layout.deployRoot, { withFileTypes: true });
    return names.filter((n) => n.isDirectory()).map((n) => n.name).sort();
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
}

/** OSTree's merge deployment: the booted one if it is in this stateroot, else the first of the stateroot. */
export function mergeDeployment(state: SysrootState, osname: string): Deployment | undefined {
  if (state.booted && state.booted.osname === osname) return state.booted;
  return state.deployments.find((d) => d.osname === osname);
}
