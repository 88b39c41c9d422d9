import { join } from 'node:path';
import { lstat } from 'node:fs/promises';
import { AtollError, isErrno } from '../../errors/index.js';
import { type Reporter, info } from '../../report/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { KernelArgs, entryFileName } from '../bootloader/index.js';
import { type Deployment, type SysrootState, loadSysroot, mergeDeployment, isPinned, deploymentName, originRefspec, unlockedState, sameDeployment } from '../deployment/index.js';
import { diffEtcDirs, type EtcDiff } from '../etcmerge/index.js';
import type { SysrootLayout } from '../layout/index.js';
import { newOrigin, setPinned, setRefspec } from '../origin/index.js';
import type { SysrootRepo } from './repo-port.js';
import { parseRefspec } from '../../ostree/repo/index.js';
import { newDeploymentKargs, readProcCmdline, resolveOsname } from './deploy.js';
import { cleanupSysroot, writeDeployments } from './write-deployments.js';

function pick(state: SysrootState, index: number): Deployment {
  if (!Number.isInteger(index) || index < 0 || index >= state.deployments.length) {
    throw new AtollError('SYSROOT_BAD_INDEX', `out of range deployment index ${index}, must be < ${state.deployments.length}`);
  }
  return state.deployments[index] as Deployment;
}

/**
 * Where `remote add --sysroot=DIR` writes (libostree's get_remotes_d_dir): a physical sysroot
 * (no `sysroot` entry in it: not a deployment root) keeps remotes in its repo config; a
 * deployment root gets them in its own `etc/ostree/remotes.d`.
 */
export async function remotesConfigDirOf(layout: SysrootLayout): Promise<string | undefined> {
  try {
    await lstat(join(layout.root, 'sysroot'));
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
  return join(layout.root, 'etc/ostree/remotes.d');
}

/**
 * `ostree admin --print-current-dir`: the directory of the first deployment in boot order
 * (the default; on a booted system normally the booted one), as ostree prints it.
 */
export async function currentDeploymentDir(layout: SysrootLayout): Promise<string> {
  const state = await loadSysroot(layout);
  const first = state.deployments[0];
  if (!first) throw new AtollError('SYSROOT_NO_DEPLOYMENT', 'Unable to find a deployment in sysroot');
  return layout.deploymentDir(first.osname, first.csum, first.deployserial);
}

/** `ostree admin undeploy INDEX`. */
export async function undeploy(layout: SysrootLayout, repo: SysrootRepo, index: number, reporter: Reporter): Promise<SysrootState> {
  const state = await loadSysroot(layout);
  const target = pick(state, index);
  if (sameDeployment(target, state.booted)) throw new AtollError('SYSROOT_UNDEPLOY_BOOTED', `cannot undeploy currently booted deployment ${index}`);
  const list = state.deployments.filter((_, i) => i !== index);
  return await writeDeployments(layout, repo, state, list, reporter);
}

/** `ostree admin set-default INDEX` (rpm-ostree's rollback primitive): move INDEX to the front. */
export async function setDefault(layout: SysrootLayout, repo: SysrootRepo, index: number, reporter: Reporter): Promise<SysrootState> {
  const state = await loadSysroot(layout);
  const target = pick(state, index);
  if (index === 0) return state;
  const list = [target, ...state.deployments.filter((_, i) => i !== index)];
  return await writeDeployments(layout, repo, state, list, reporter, { noPrune: true });
}

/**
 * `ostree_sysroot_deployment_set_kargs` (`ostree admin instutil set-kargs`): the same
 * deployment, in the same place, with new kernel arguments; a new bootversion is written.
 */
export async function setDeploymentKargs(layout: SysrootLayout, repo: SysrootRepo, index: number, kargs: string[], reporter: Reporter): Promise<SysrootState> {
  const state = await loadSysroot(layout);
  const target = pick(state, index);
  const changed: Deployment = { ...target, bootconfig: target.bootconfig.clone() };
  changed.bootconfig.set('options', kargs.join(' '));
  const list = state.deployments.map((d, i) => (i === index ? changed : d));
  return await writeDeployments(layout, repo, state, list, reporter, { noPrune: true });
}

/**
 * `ostree admin instutil set-kargs`: new arguments for the first deployment, a fresh set
 * unless `procCmdline` (the running kernel's, which wins) or `merge` (its current ones);
 * then `replace` by key and `append` (ot-admin-instutil-builtin-set-kargs.c).
 */
export async function setKargs(
  layout: SysrootLayout,
  repo: SysrootRepo,
  request: { procCmdline?: boolean; merge?: boolean; replace?: string[]; append?: string[] },
  reporter: Reporter,
): Promise<SysrootState> {
  const state = await loadSysroot(layout);
  const first = state.deployments[0];
  if (!first) throw new AtollError('SYSROOT_NO_DEPLOYMENT', 'Unable to find a deployment in sysroot');
  const initial = request.procCmdline ? await readProcCmdline() : request.merge ? KernelArgs.parse(first.bootconfig.get('options')).toArgs() : [];
  const kargs = newDeploymentKargs(undefined, { initial, replace: request.replace ?? [], append: request.append ?? [] });
  return await setDeploymentKargs(layout, repo, 0, kargs.toArgs(), reporter);
}

/** `ostree admin pin INDEX` / `--unpin`: only the origin file changes; no bootloader write. */
export async function setDeploymentPinned(layout: SysrootLayout, index: number, pinned: boolean): Promise<{ deployment: Deployment; changed: boolean }> {
  const state = await loadSysroot(layout);
  const d = pick(state, index);
  if (isPinned(d) === pinned) return { deployment: d, changed: false };
  const origin = setPinned(d.origin ?? newOrigin(d.csum), pinned);
  await writeFileAtomic(layout.originFile(d.osname, d.csum, d.deployserial), origin.serialize());
  d.origin = origin;
  return { deployment: d, changed: true };
}

/** `ostree admin set-origin`: point the merge (or INDEX) deployment's origin at a new refspec. */
export async function setOrigin(layout: SysrootLayout, refspec: string, options: { index?: number; osname?: string }): Promise<Deployment> {
  const state = await loadSysroot(layout);
  let d: Deployment | undefined;
  if (options.index !== undefined) d = pick(state, options.index);
  else d = mergeDeployment(state, await resolveOsname(layout, state, options.osname));
  if (!d) throw new AtollError('SYSROOT_NO_DEPLOYMENT', 'no deployment to set the origin of');
  // `REMOTE:` keeps the current ref (ostree admin set-origin REMOTENAME URL without BRANCH).
  if (refspec.endsWith(':')) {
    const current = originRefspec(d);
    if (current === undefined) throw new AtollError('SYSROOT_NO_REFSPEC', `the origin of ${d.csum}.${d.deployserial} has no refspec to take the ref from`);
    refspec = `${refspec}${parseRefspec(current).ref}`;
  }
  const origin = setRefspec(d.origin ?? newOrigin(refspec), refspec);
  await writeFileAtomic(layout.originFile(d.osname, d.csum, d.deployserial), origin.serialize());
  d.origin = origin;
  return d;
}

/**
 * `ostree admin kargs edit-in-place --append-if-missing=K=V`: rewrite the current entries in
 * place (no new bootversion), each keeping its title and other keys.
 */
export async function kargsEditInPlace(layout: SysrootLayout, appendIfMissing: string[]): Promise<number> {
  const state = await loadSysroot(layout);
  let changed = 0;
  for (const d of state.deployments) {
    const kargs = KernelArgs.parse(d.bootconfig.get('options'));
    let touched = false;
    for (const arg of appendIfMissing) {
      const key = arg.split('=')[0] as string;
      if (!kargs.has(key)) {
        kargs.append(arg);
        touched = true;
      }
    }
    if (!touched) continue;
    const config = d.bootconfig.clone();
    config.set('options', kargs.toString());
    await writeFileAtomic(join(layout.entriesDir(state.bootversion), entryFileName(d.osname, d.index, state.deployments.length)), config.serialize());
    changed++;
  }
  return changed;
}

/** `ostree admin config-diff`: the merge deployment's /etc against its defaults. */
export async function configDiff(layout: SysrootLayout, osname: string | undefined): Promise<EtcDiff> {
  const state = await loadSysroot(layout);
  const d = mergeDeployment(state, await resolveOsname(layout, state, osname));
  if (!d) throw new AtollError('SYSROOT_NO_DEPLOYMENT', 'no deployment to diff /etc of');
  const dir = layout.deploymentDir(d.osname, d.csum, d.deployserial);
  return diffEtcDirs(join(dir, 'usr/etc'), join(dir, 'etc'));
}

/** `ostree admin cleanup`: what a deploy does after its swap, on its own. */
export async function cleanup(layout: SysrootLayout, repo: SysrootRepo, reporter: Reporter): Promise<void> {
  const state = await loadSysroot(layout);
  await cleanupSysroot(layout, repo, state, reporter, { prune: true });
  info(reporter, 'cleanup done');
}

/** One row of `status`, with rpm-ostree's `status --json` field names where they exist. */
export interface DeploymentStatus {
  id: string;
  osname: string;
  checksum: string;
  serial: number;
  index: number;
  booted: boolean;
  staged: boolean;
  pinned: boolean;
  unlocked: string;
  origin: string | null;
  version: string | null;
  /** The commit's `ostree.source-title`. */
  sourceTitle: string | null;
  /** `    GPG: ...` lines about the commit's signatures (when its remote verifies GPG; set by the caller). */
  gpgLines?: string[];
  timestamp: number | null;
  bootcsum: string;
  kargs: string;
}

export async function deploymentStatus(repo: SysrootRepo | undefined, state: SysrootState): Promise<DeploymentStatus[]> {
  const out: DeploymentStatus[] = [];
  for (const d of state.deployments) {
    const commit = repo ? await repo.commitInfo(d.csum) : undefined;
    const kargs = KernelArgs.parse(d.bootconfig.get('options'));
    kargs.delete('ostree');
    out.push({
      id: `${d.osname}-${deploymentName(d)}`,
      osname: d.osname,
      checksum: d.csum,
      serial: d.deployserial,
      index: d.index,
      booted: sameDeployment(d, state.booted),
      staged: false,
      pinned: isPinned(d),
      unlocked: unlockedState(d),
      origin: originRefspec(d) ?? null,
      version: commit?.version ?? null,
      sourceTitle: commit?.sourceTitle ?? null,
      timestamp: commit?.timestamp ?? null,
      bootcsum: d.bootcsum,
      kargs: kargs.toString(),
    });
  }
  return out;
}

/** The text `ostree admin status` (2022.7) prints for a non-staged sysroot. */
export function formatAdminStatus(state: SysrootState, rows: DeploymentStatus[]): string {
  if (rows.length === 0) return 'No deployments.\n';
  const bootedIndex = rows.findIndex((r) => r.booted);
  let out = '';
  rows.forEach((r, i) => {
    const d = state.deployments[i] as Deployment;
    let tag = '';
    if (bootedIndex >= 0 && !r.booted && r.osname === rows[bootedIndex]?.osname) tag = i < bootedIndex ? ' (pending)' : ' (rollback)';
    out += `${r.booted ? '*' : ' '} ${r.osname} ${r.checksum}.${r.serial}${tag}\n`;
    if (r.version) out += `    Version: ${r.version}\n`;
    if (r.unlocked !== 'none') out += `    Unlocked: ${r.unlocked}\n`;
    if (r.pinned) out += '    Pinned: yes\n';
    if (!d.origin) out += '    origin: none\n';
    else if (r.origin === null) out += '    origin: <unknown origin type>\n';
    else out += `    origin refspec: ${r.origin}\n`;
    if (d.origin && r.sourceTitle !== null) out += `    \`- ${r.sourceTitle}\n`;
    for (const line of r.gpgLines ?? []) out += `${line}\n`;
  });
  return out;
}
