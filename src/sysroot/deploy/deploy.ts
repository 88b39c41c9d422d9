import { rename, rm, writeFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { type Reporter, info, warn } from '../../report/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { BootConfig, KernelArgs, procCmdlineArgs } from '../bootloader/index.js';
import { type Deployment, type SysrootState, listDeploymentDirs, loadSysroot, mergeDeployment, sameDeployment, isPinned, listStateroots } from '../deployment/index.js';
import { applyEtcMerge, copyDirRecurse, diffEtcDirs } from '../etcmerge/index.js';
import { type SysrootLayout, isValidOsname } from '../layout/index.js';
import { newOrigin } from '../origin/index.js';
import type { KeyFile } from '../../keyfile/index.js';
import { crashPoint } from './crash-point.js';
import { findKernel, type KernelLayout } from './kernel.js';
import type { SysrootRepo } from './repo-port.js';
import { setImmutable } from './seal.js';
import { kernelKey, writeDeployments } from './write-deployments.js';
import { pathExists } from './path-exists.js';

/** `allocate_deployserial`: 1 + the highest serial of this commit in this stateroot on disk. */
export async function allocateDeployserial(layout: SysrootLayout, osname: string, csum: string): Promise<number> {
  let serial = 0;
  for (const d of await listDeploymentDirs(layout)) {
    if (d.osname === osname && d.csum === csum) serial = Math.max(serial, d.deployserial + 1);
  }
  return serial;
}

export interface KargsRequest {
  /**
   * Start from these arguments instead of the merge deployment's: `--karg-none` passes `[]`,
   * `--karg-proc-cmdline` the running kernel's (see readProcCmdline).
   */
  initial?: string[];
  /** `--karg`: replace (key by key) the merge deployment's arguments. */
  replace?: string[];
  /** `--karg-append`: add at the end. */
  append?: string[];
  /** `--karg-delete`. */
  delete?: string[];
}

/** The options of a new deployment, as ot-admin-builtin-deploy.c computes them. */
export function newDeploymentKargs(merge: Deployment | undefined, request: KargsRequest): KernelArgs {
  const wantsEdit = (request.replace?.length ?? 0) + (request.append?.length ?? 0) + (request.delete?.length ?? 0) > 0;
  if (request.initial !== undefined) {
    const kargs = KernelArgs.fromArgs(request.initial);
    if (request.replace) kargs.replaceAll(request.replace);
    if (request.append) kargs.appendAll(request.append);
    for (const arg of request.delete ?? []) kargs.delete(arg);
    return kargs;
  }
  const kargs = merge ? KernelArgs.fromArgs((merge.bootconfig.get('options') ?? '').split(' ')) : new KernelArgs();
  if (!wantsEdit) return kargs;
  if (request.replace) kargs.replaceAll(request.replace);
  if (request.append) kargs.appendAll(request.append);
  for (const arg of request.delete ?? []) kargs.delete(arg);
  return kargs;
}

/** The running kernel's arguments as `--karg-proc-cmdline` takes them (procCmdlineArgs). */
export async function readProcCmdline(path = '/proc/cmdline'): Promise<string[]> {
  return procCmdlineArgs(await readFile(path, 'utf8'));
}

/** `prepare_deployment_etc`: /etc of the tree moves to usr/etc; etc becomes a real copy of usr/etc. */
async function prepareEtc(deployDir: string, reporter: Reporter): Promise<void> {
  const etc = join(deployDir, 'etc');
  const usrEtc = join(deployDir, 'usr/etc');
  const hasEtc = await pathExists(etc);
  let hasUsrEtc = await pathExists(usrEtc);
  if (hasEtc) {
    if (hasUsrEtc) throw new AtollError('SYSROOT_TREE_BOTH_ETC', 'tree contains both /etc and /usr/etc');
    await rename(etc, usrEtc);
    hasUsrEtc = true;
  }
  if (hasUsrEtc) await copyDirRecurse(usrEtc, etc, reporter);
}

async function varContentWarning(deployDir: string, csum: string, reporter: Reporter): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(join(deployDir, 'var'));
  } catch (error) {
    if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
  }
  for (const name of names.sort()) {
    warn(reporter, `Deploying commit ${csum} which contains content in /var/${name} that will be ignored.`);
  }
}

export interface DeployTreeOptions {
  osname: string;
  csum: string;
  origin: KeyFile | undefined;
  merge: Deployment | undefined;
  kargs: KernelArgs;
  /** `--no-merge`: a fresh /etc from the new defaults. */
  noMerge?: boolean;
}

/**
 * `ostree_sysroot_deploy_tree` (ostree-format.md §6.5): hardlink checkout, kernel, /etc,
 * three-way merge against the merge deployment, origin, seal. The result is not in any boot
 * list yet; `writeDeployments` publishes it.
 */
export async function deployTree(
  layout: SysrootLayout,
  repo: SysrootRepo,
  options: DeployTreeOptions,
  reporter: Reporter,
): Promise<{ deployment: Deployment; kernel: KernelLayout }> {
  const { osname, csum } = options;
  const deployserial = await allocateDeployserial(layout, osname, csum);
  const deployDir = layout.deploymentDir(osname, csum, deployserial);
  if (await pathExists(deployDir)) {
    await setImmutable(deployDir, false);
    await rm(deployDir, { recursive: true, force: true });
  }
  await mkdir(layout.stateDeployDir(osname), { recursive: true });
  await repo.checkoutHardlink(csum, deployDir);
  crashPoint('deploy-checked-out');
  const kernel = await findKernel(deployDir);
  crashPoint('deploy-kernel-found');
  await prepareEtc(deployDir, reporter);
  crashPoint('deploy-etc-copied');
  await varContentWarning(deployDir, csum, reporter);
  const varDir = layout.staterootVar(osname);
  if (!(await pathExists(join(varDir, '.ostree-selabeled')))) {
    // ostree says so even without SELinux, then writes the stamp.
    info(reporter, "Relabeling /var (no stamp file 'var/.ostree-selabeled' found)");
    await mkdir(varDir, { recursive: true });
    await writeFile(join(varDir, '.ostree-selabeled'), '');
  }
  if (options.merge && !options.noMerge) {
    const mergeDir = layout.deploymentDir(options.merge.osname, options.merge.csum, options.merge.deployserial);
    const diff = diffEtcDirs(join(mergeDir, 'usr/etc'), join(mergeDir, 'etc'));
    await applyEtcMerge(join(mergeDir, 'etc'), join(deployDir, 'etc'), diff, reporter);
    // Not staged: the merge happened now, not at shutdown as rpm-ostree's staged deploys do.
    info(reporter, 'note: /etc was merged now; /etc changes made from here on are not carried to the new deployment');
  }
  // systemd's ConditionNeedsUpdate=/etc and =/var services must run after booting the new
  // deployment: /etc/.updated goes from its /etc, /var/.updated from the stateroot's shared
  // /var (ostree/deploy/OS/var, which every deployment of the stateroot mounts), as OSTree does.
  await rm(join(deployDir, 'etc/.updated'), { force: true });
  await rm(join(layout.staterootVar(osname), '.updated'), { force: true });
  crashPoint('deploy-etc-merged');
  if (options.origin) await writeFileAtomic(layout.originFile(osname, csum, deployserial), options.origin.serialize());
  crashPoint('deploy-origin-written');
  await setImmutable(deployDir, true);
  crashPoint('deploy-sealed');
  const bootconfig = new BootConfig();
  bootconfig.set('options', options.kargs.toString());
  const deployment: Deployment = {
    osname,
    csum,
    deployserial,
    bootcsum: kernel.bootcsum,
    bootserial: -1,
    bootconfig,
    origin: options.origin,
    index: -1,
  };
  return { deployment, kernel };
}

export interface RetainOptions {
  /** Keep every existing deployment (`--retain`). */
  retain?: boolean;
  /** With a booted system: keep deployments before the booted one. */
  retainPending?: boolean;
  /** With a booted system: keep deployments after the booted one. */
  retainRollback?: boolean;
  /** Put the new deployment after the booted/merge one instead of first. */
  notAsDefault?: boolean;
}

/**
 * `ostree_sysroot_simple_write_deployment`'s list: the new deployment first, then what is
 * kept — other stateroots, the booted and merge deployments, pinned ones, and whatever the
 * retain flags ask for. With one stateroot and no booted system this is rpm-ostree's
 * retention: the new default plus the previous one (plus pinned).
 */
export function simpleDeploymentList(state: SysrootState, osname: string | undefined, added: Deployment, merge: Deployment | undefined, retainOptions: RetainOptions): Deployment[] {
  const out: Deployment[] = [];
  let addedNew = false;
  if (!retainOptions.notAsDefault) {
    out.push(added);
    addedNew = true;
  }
  // Without a booted and a merge deployment the pending/rollback split is meaningless: keep all.
  const retain = Boolean(retainOptions.retain) || (!state.booted && !merge && Boolean(retainOptions.retainPending || retainOptions.retainRollback));
  let beforeBooted = true;
  let beforeMerge = true;
  for (const d of state.deployments) {
    const osnameMatches = osname === undefined || d.osname === osname;
    const isBooted = sameDeployment(d, state.booted);
    const isMerge = sameDeployment(d, merge);
    if (isBooted) beforeBooted = false;
    if (isMerge) beforeMerge = false;
    // The booted deployment splits pending from rollback; the merge one when not booted.
    const passedCrossover = state.booted ? !beforeBooted : !beforeMerge;
    if (
      retain ||
      isPinned(d) ||
      !osnameMatches ||
      (retainOptions.retainPending && !passedCrossover) ||
      isBooted ||
      isMerge ||
      (retainOptions.retainRollback && passedCrossover)
    ) {
      out.push(d);
    }
    if (!addedNew && passedCrossover) {
      out.push(added);
      addedNew = true;
    }
  }
  if (!addedNew) out.push(added);
  return out;
}

export interface AdminDeployOptions extends RetainOptions {
  /** A ref (`remote:ref` or local) or a commit checksum. */
  refspec: string;
  osname?: string;
  kargs?: KargsRequest;
  /** Write this origin instead of one made from the refspec. */
  origin?: KeyFile;
  noMerge?: boolean;
  noPrune?: boolean;
}

/** Pick the stateroot: the one asked for, the booted one's, or the only one there is. */
export async function resolveOsname(layout: SysrootLayout, state: SysrootState, osname: string | undefined): Promise<string> {
  if (osname !== undefined) {
    if (!isValidOsname(osname)) throw new AtollError('SYSROOT_BAD_OSNAME', `invalid stateroot name '${osname}'`);
    if (!(await pathExists(layout.stateroot(osname)))) {
      throw new AtollError('SYSROOT_NO_STATEROOT', `stateroot '${osname}' does not exist in ${layout.root}`, { hint: `run atoll admin os-init ${osname}` });
    }
    return osname;
  }
  if (state.booted) return state.booted.osname;
  const roots = await listStateroots(layout);
  if (roots.length === 1) return roots[0] as string;
  throw new AtollError('SYSROOT_NO_STATEROOT', roots.length === 0 ? `no stateroot in ${layout.root}` : `not booted and ${roots.length} stateroots exist: say which with --os`, {
    hint: roots.length === 0 ? 'run atoll admin os-init NAME' : `one of: ${roots.join(', ')}`,
  });
}

/** `ostree admin deploy`: deploy a commit and make it the default. */
export async function adminDeploy(layout: SysrootLayout, repo: SysrootRepo, options: AdminDeployOptions, reporter: Reporter): Promise<{ state: SysrootState; deployment: Deployment }> {
  const state = await loadSysroot(layout);
  const osname = await resolveOsname(layout, state, options.osname);
  const csum = await repo.resolveRev(options.refspec);
  // `--no-merge` (ot-admin-builtin-deploy.c): no merge deployment at all, so neither its /etc
  // nor its kernel arguments carry over, and it is not kept in the new list for being the merge.
  const merge = options.noMerge ? undefined : mergeDeployment(state, osname);
  const kargs = newDeploymentKargs(merge, options.kargs ?? {});
  const origin = options.origin ?? newOrigin(options.refspec);
  const { deployment, kernel } = await deployTree(layout, repo, { osname, csum, origin, merge, kargs, noMerge: options.noMerge ?? false }, reporter);
  const list = simpleDeploymentList(state, osname, deployment, merge, options);
  const kernels = new Map<string, KernelLayout>([[kernelKey(deployment), kernel]]);
  const newState = await writeDeployments(layout, repo, state, list, reporter, { kernels, noPrune: options.noPrune ?? false });
  info(reporter, `Deployed ${csum}.${deployment.deployserial} in stateroot ${osname}`);
  return { state: newState, deployment };
}
