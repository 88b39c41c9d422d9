import { mkdir, readFile, rm, symlink, writeFile, open, readdir, rename, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { type Reporter, info } from '../../report/index.js';
import { fsyncDirectory, isFsyncEnabled, replaceSymlinkAtomic, runProgram, writeFileAtomic } from '../../util/index.js';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { KeyFile } from '../../keyfile/index.js';
import { formatGSize } from '../../ostree/repo/index.js';
import { BootConfig, KernelArgs, buildBlsEntry, entryFileName, ubootEnv } from '../bootloader/index.js';
import { type Deployment, type SysrootState, deploymentName, sameDeployment, listDeploymentDirs, listStateroots, readSubbootversion } from '../deployment/index.js';
import { type SysrootLayout, parseBootfsDirName, deploymentDirName } from '../layout/index.js';
import { crashPoint } from './crash-point.js';
import { findKernel, installKernel, type KernelLayout } from './kernel.js';
import type { SysrootRepo } from './repo-port.js';
import { setImmutable } from './seal.js';
import { fsfreezeThawCycle } from './fsfreeze.js';
import { sysrootDebug } from './debug-flags.js';

export interface WriteOptions {
  /** Kernel layouts of deployments not yet in any list (keyed by `osname/CSUM.SERIAL`). */
  kernels?: Map<string, KernelLayout>;
  /** Skip repo pruning after the swap. */
  noPrune?: boolean;
}

export function kernelKey(d: Pick<Deployment, 'osname' | 'csum' | 'deployserial'>): string {
  return `${d.osname}/${deploymentDirName(d.csum, d.deployserial)}`;
}

/** `assign_bootserials`: per bootcsum, count from 0 in list order. */
function assignBootserials(list: Deployment[]): void {
  const seen = new Map<string, number>();
  for (const d of list) {
    const n = seen.get(d.bootcsum) ?? 0;
    d.bootserial = n;
    seen.set(d.bootcsum, n + 1);
  }
}

function optionsWithoutOstree(config: BootConfig): string {
  const kargs = KernelArgs.parse(config.get('options'));
  kargs.delete('ostree');
  return kargs.toString();
}

async function bootconfigsEqual(repo: SysrootRepo, a: Deployment, b: Deployment): Promise<boolean> {
  if (a.bootcsum !== b.bootcsum || a.osname !== b.osname) return false;
  if (optionsWithoutOstree(a.bootconfig) !== optionsWithoutOstree(b.bootconfig)) return false;
  if (a.bootconfig.overlayInitrds.join('\n') !== b.bootconfig.overlayInitrds.join('\n')) return false;
  const [va, vb] = await Promise.all([repo.commitInfo(a.csum), repo.commitInfo(b.csum)]);
  return va?.version === vb?.version;
}

async function readOsRelease(deployDir: string): Promise<string> {
  for (const rel of ['usr/lib/os-release', 'etc/os-release']) {
    try {
      return await readFile(join(deployDir, rel), 'utf8');
    } catch (error) {
      if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
    }
  }
  return '';
}

/**
 * The boot files of a deployment, as `install_deployment_kernel` finds them: from its tree,
 * for every deployment of the list at each bootconfig swap (so a deployment made before
 * the tree's layout was understood, e.g. with OSTREE_SYSROOT_DEBUG=no-dtb, gains the files
 * now, as in OSTree). A deployment keeps the bootcsum it was deployed with: its tree is only
 * scanned for names, not hashed again.
 */
async function installedKernelOf(layout: SysrootLayout, d: Deployment, kernels: Map<string, KernelLayout>): Promise<KernelLayout> {
  const fresh = kernels.get(kernelKey(d));
  if (fresh) return fresh;
  const found = await findKernel(layout.deploymentDir(d.osname, d.csum, d.deployserial), { checksum: false });
  return { ...found, bootcsum: d.bootcsum };
}

/** `swap_bootlinks`: build `ostree/boot.N.<other sub>` and point `ostree/boot.N` at it. */
async function swapBootlinks(layout: SysrootLayout, bootversion: number, list: Deployment[]): Promise<number> {
  const oldSub = await readSubbootversion(layout, bootversion);
  const newSub = oldSub === 0 ? 1 : 0;
  const dir = layout.bootLinkDir(bootversion, newSub);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const d of list) {
    const linkPath = layout.bootSerialLink(bootversion, newSub, d.osname, d.bootcsum, d.bootserial);
    await mkdir(join(linkPath, '..'), { recursive: true });
    await symlink(layout.relBootSerialTarget(d.osname, deploymentName(d)), linkPath);
  }
  crashPoint('bootlinks-built');
  await replaceSymlinkAtomic(`boot.${bootversion}.${newSub}`, layout.bootLink(bootversion));
  crashPoint('bootlinks-swapped');
  return newSub;
}

async function syncfs(path: string): Promise<void> {
  if (!isFsyncEnabled()) return;
  // Node has no syncfs(); fsync of the directories we wrote plus the rename's fsync below is
  // what makes the swap durable on the journaling filesystems /boot lives on.
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * _ostree_sysroot_query_bootloader: `sysroot.bootloader` in the repo config, or with `auto`
 * (the default) the first backend whose configuration exists: syslinux (`boot/syslinux/
 * syslinux.cfg` a symlink), grub2 (`boot/grub2/grub.cfg`), U-Boot (`boot/uEnv.txt` a symlink).
 * atoll writes the U-Boot environment; for the others the BLS entries are the configuration.
 */
async function activeBootloader(layout: SysrootLayout): Promise<string> {
  let configured = 'auto';
  try {
    configured = KeyFile.parse(await readFile(join(layout.repoDir, 'config'), 'utf8')).getStringOr('sysroot', 'bootloader', 'auto');
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  if (configured !== 'auto') return configured;
  const isLink = (path: string): boolean => {
    try {
      return lstatSync(path).isSymbolicLink();
    } catch {
      return false;
    }
  };
  if (isLink(join(layout.bootDir, 'syslinux', 'syslinux.cfg'))) return 'syslinux';
  if (existsSync(join(layout.bootDir, 'grub2', 'grub.cfg'))) return 'grub2';
  if (isLink(join(layout.bootDir, 'uEnv.txt'))) return 'uboot';
  return 'none';
}

/**
 * libostree's full_system_sync before the swap: everything written so far reaches the disk,
 * and the filesystem holding /boot goes through a freeze/thaw cycle (which flushes its journal,
 * so a bootloader reading the raw disk sees the new files). Errors read as libostree's.
 */
async function fullSystemSync(layout: SysrootLayout): Promise<void> {
  try {
    await fsfreezeThawCycle(layout.bootDir, { testFifreeze: sysrootDebug('test-fifreeze') });
  } catch (error) {
    if (error instanceof AtollError) throw new AtollError(error.code, `Full sync: ${error.message}`, { cause: error, data: error.data });
    throw error;
  }
}

/**
 * Make `list` the deployment list (ostree_sysroot_write_deployments, ostree-format.md §6.4):
 * when anything boot-relevant changed, write every entry into a fresh `boot/loader.<new>`,
 * build `ostree/boot.<new>.<sub>` and rename `boot/loader.tmp` over `boot/loader` — the single
 * commit point; otherwise only swap the bootlinks. Then clean up what nothing references.
 * The deployments are renumbered (index, bootserial) in place.
 */
export async function writeDeployments(
  layout: SysrootLayout,
  repo: SysrootRepo,
  state: SysrootState,
  list: Deployment[],
  reporter: Reporter,
  options: WriteOptions = {},
): Promise<SysrootState> {
  const kernels = options.kernels ?? new Map<string, KernelLayout>();
  list.forEach((d, i) => (d.index = i));
  assignBootserials(list);

  let requiresNew = list.length !== state.deployments.length;
  if (!requiresNew) {
    for (let i = 0; i < list.length; i++) {
      if (!(await bootconfigsEqual(repo, state.deployments[i] as Deployment, list[i] as Deployment))) {
        requiresNew = true;
        break;
      }
    }
  }

  let bootversion = state.bootversion;
  let subbootversion: number;
  if (!requiresNew) {
    await fullSystemSync(layout);
    subbootversion = await swapBootlinks(layout, bootversion, list);
    info(reporter, `Transaction complete; bootconfig swap: no; bootversion: boot.${bootversion}.${subbootversion}, deployment count change: ${list.length - state.deployments.length}`);
  } else {
    const newBootversion = state.bootversion === 0 ? 1 : 0;
    const entriesDir = layout.entriesDir(newBootversion);
    await rm(layout.loaderDir(newBootversion), { recursive: true, force: true });
    await mkdir(entriesDir, { recursive: true, mode: 0o755 });
    const multipleStateroots = new Set(list.map((d) => d.osname)).size > 1;
    for (const d of list) {
      const deployDir = layout.deploymentDir(d.osname, d.csum, d.deployserial);
      const kernel = await installedKernelOf(layout, d, kernels);
      // Files already there are kept: for a deployment of the previous list this only adds
      // what is missing (a boot directory another stateroot's cleanup removed, a dtb/).
      await installKernel(kernel, layout.bootfsDir(d.osname, d.bootcsum));
      if (kernels.has(kernelKey(d))) crashPoint('kernel-installed');
      const entry = buildBlsEntry({
        base: d.bootconfig,
        osname: d.osname,
        bootcsum: d.bootcsum,
        bootserial: d.bootserial,
        bootversion: newBootversion,
        index: d.index,
        deploymentCount: list.length,
        multipleStateroots,
        osRelease: await readOsRelease(deployDir),
        commitVersion: (await repo.commitInfo(d.csum))?.version,
        kernel,
      });
      d.bootconfig = entry;
      const file = join(entriesDir, entryFileName(d.osname, d.index, list.length));
      await writeFile(file, entry.serialize(), { mode: 0o644 });
      if (isFsyncEnabled()) await syncfs(file);
      crashPoint('entry-written');
    }
    await fsyncDirectory(entriesDir);
    await fsyncDirectory(layout.loaderDir(newBootversion));
    crashPoint('entries-written');
    subbootversion = await swapBootlinks(layout, newBootversion, list);
    if ((await activeBootloader(layout)) === 'uboot') {
      const text = ubootEnv(list.map((d) => d.bootconfig), (rel) => {
        try {
          return readFileSync(join(layout.root, rel), 'utf8');
        } catch (error) {
          if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
          throw error;
        }
      });
      await writeFileAtomic(join(layout.loaderDir(newBootversion), 'uEnv.txt'), text);
    }
    try {
      await symlink('.', join(layout.bootDir, 'boot'));
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    await fullSystemSync(layout);
    await rm(layout.loaderTmpLink, { force: true });
    await symlink(`loader.${newBootversion}`, layout.loaderTmpLink);
    crashPoint('loader-tmp-created');
    await fsyncDirectory(layout.bootDir);
    crashPoint('before-loader-swap');
    // The commit point: after this rename the new list is what boots.
    await rename(layout.loaderTmpLink, layout.loaderLink);
    await fsyncDirectory(layout.bootDir);
    crashPoint('after-loader-swap');
    info(
      reporter,
      `Bootloader updated; bootconfig swap: yes; bootversion: boot.${newBootversion}.${subbootversion}, deployment count change: ${list.length - state.deployments.length}`,
    );
    bootversion = newBootversion;
  }
  // `_ostree_sysroot_bump_mtime`: tools watch ostree/deploy's mtime for deployment changes.
  const now = new Date();
  await utimes(layout.deployRoot, now, now).catch((error: unknown) => {
    if (!isErrno(error, 'ENOENT')) throw error;
  });
  const newState: SysrootState = { bootversion, subbootversion, deployments: list, booted: list.find((d) => sameDeployment(d, state.booted)) };
  // Pruning walks the whole repo; it can only free something when a deployed commit left the
  // list, so a deploy that only adds (a first install, --retain) skips it.
  const kept = new Set(list.map((d) => d.csum));
  const lostCommits = state.deployments.filter((d) => !kept.has(d.csum)).map((d) => d.csum);
  await cleanupSysroot(layout, repo, newState, reporter, { prune: !options.noPrune && lostCommits.length > 0, pruneCommits: lostCommits });
  return newState;
}

/**
 * `rm -rf` of a deployment directory: coreutils walks a 50,000-file tree several times faster
 * than fs.rm, which pays a thread-pool round trip per entry. fs.rm finishes what rm could not.
 */
async function removeTree(path: string): Promise<void> {
  const result = await runProgram('rm', ['-rf', '--', path]).catch(() => undefined);
  if (!result || result.status !== 0) await rm(path, { recursive: true, force: true });
}

/**
 * `_ostree_sysroot_cleanup_internal`: remove the other bootversion's loader and bootlinks,
 * deployment directories and boot directories that no entry references, then rewrite the
 * `ostree/B/S/I` refs that keep deployed commits alive, and prune the repo.
 */
export async function cleanupSysroot(
  layout: SysrootLayout,
  repo: SysrootRepo,
  state: SysrootState,
  reporter: Reporter,
  options: { prune: boolean; pruneCommits?: readonly string[] },
): Promise<void> {
  const other = state.bootversion === 0 ? 1 : 0;
  await rm(layout.loaderDir(other), { recursive: true, force: true });
  await rm(layout.bootLink(other), { force: true });
  await rm(layout.bootLinkDir(other, 0), { recursive: true, force: true });
  await rm(layout.bootLinkDir(other, 1), { recursive: true, force: true });
  await rm(layout.bootLinkDir(state.bootversion, state.subbootversion === 0 ? 1 : 0), { recursive: true, force: true });
  // Leftovers of an interrupted swap (we hold the lock, so nobody is mid-swap): the
  // loader.tmp link and temporary bootlink symlinks.
  await rm(layout.loaderTmpLink, { force: true });
  try {
    for (const name of await readdir(layout.ostreeDir)) {
      if (/^\.boot\.[01]\.tmp-/.test(name)) await rm(join(layout.ostreeDir, name), { force: true });
    }
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  crashPoint('cleanup-bootversions');

  const active = new Set(state.deployments.map((d) => kernelKey(d)));
  for (const dir of await listDeploymentDirs(layout)) {
    if (active.has(kernelKey(dir))) continue;
    const path = layout.deploymentDir(dir.osname, dir.csum, dir.deployserial);
    await setImmutable(path, false);
    crashPoint('cleanup-unsealed');
    await removeTree(path);
    crashPoint('cleanup-deployment-dir');
    await rm(`${path}.origin`, { force: true });
    crashPoint('cleanup-origin-removed');
    info(reporter, `Deleted deployment ${deploymentDirName(dir.csum, dir.deployserial)}`);
  }
  // Origins whose deployment directory is gone (a cleanup killed between the two removals).
  for (const osname of await listStateroots(layout)) {
    let names: string[] = [];
    try {
      names = await readdir(layout.stateDeployDir(osname));
    } catch (error) {
      if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
    }
    for (const name of names) {
      if (!name.endsWith('.origin')) continue;
      const dir = join(layout.stateDeployDir(osname), name.slice(0, -'.origin'.length));
      if (!names.includes(name.slice(0, -'.origin'.length))) await rm(`${dir}.origin`, { force: true });
    }
  }
  // OSTree keys boot directories on the bootcsum alone (not the stateroot), and so do we.
  const activeBootcsums = new Set(state.deployments.map((d) => d.bootcsum));
  let bootDirs: string[] = [];
  try {
    bootDirs = await readdir(layout.bootOstreeDir);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  for (const name of bootDirs) {
    const parsed = parseBootfsDirName(name);
    if (!parsed || activeBootcsums.has(parsed.bootcsum)) continue;
    await rm(join(layout.bootOstreeDir, name), { recursive: true, force: true });
  }
  crashPoint('cleanup-bootdirs');

  const prefix = `ostree/${state.bootversion}/${state.subbootversion}/`;
  // New refs first, stale ones after: a crash in between never leaves a deployed commit unreferenced.
  const wanted = new Set<string>();
  const updates: Array<{ name: string; csum: string | undefined }> = [];
  for (const d of state.deployments) {
    wanted.add(`${prefix}${d.index}`);
    updates.push({ name: `${prefix}${d.index}`, csum: d.csum });
  }
  for (const ref of await repo.listRefs('ostree/')) {
    if (/^ostree\/[01]\/[01]\/\d+$/.test(ref) && !wanted.has(ref)) updates.push({ name: ref, csum: undefined });
  }
  await repo.updateRefs(updates);
  crashPoint('cleanup-refs');
  if (options.prune && repo.prune) {
    // After a deploy only the commits that left the list can have freed anything; a full
    // prune (`cleanup`) also collects older garbage.
    const pruned = await repo.prune(options.pruneCommits);
    if (pruned.objectsDeleted > 0) info(reporter, `Freed objects: ${formatGSize(pruned.freedBytes)}`);
  }
}
