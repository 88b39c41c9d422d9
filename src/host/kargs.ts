import { AtollError } from '../errors/index.js';
import type { Reporter } from '../report/index.js';
import {
  type Deployment,
  type SysrootLayout,
  type SysrootRepo,
  KernelArgs,
  deployTree,
  kernelLayoutKey,
  loadSysroot,
  mergeDeployment,
  originForNewDeployment,
  resolveOsname,
  simpleDeploymentList,
  withSysrootLock,
  writeDeployments,
} from '../sysroot/index.js';

export interface KargsEdit {
  append?: string[];
  appendIfMissing?: string[];
  delete?: string[];
  deleteIfPresent?: string[];
  /** `KEY=VALUE` (every KEY) or `KEY=OLD=NEW` (that one value). */
  replace?: string[];
}

/** `rpm-ostree kargs` with no edit: the default deployment's kernel arguments. */
export async function currentKargs(layout: SysrootLayout, osname: string | undefined): Promise<string> {
  const state = await loadSysroot(layout);
  const d = mergeDeployment(state, await resolveOsname(layout, state, osname));
  if (!d) throw new AtollError('HOST_NO_DEPLOYMENT', 'no deployment to show the kernel arguments of');
  return d.bootconfig.get('options') ?? '';
}

export function applyKargsEdit(options: string, edit: KargsEdit): KernelArgs {
  const kargs = KernelArgs.parse(options);
  for (const arg of edit.append ?? []) kargs.append(arg);
  for (const arg of edit.appendIfMissing ?? []) if (!kargs.has(arg.split('=')[0] as string)) kargs.append(arg);
  for (const arg of edit.replace ?? []) {
    const parts = arg.split('=');
    if (parts.length >= 3) {
      const [key, old] = parts as [string, string];
      const next = parts.slice(2).join('=');
      if (!kargs.delete(`${key}=${old}`)) throw new AtollError('HOST_KARG_NOT_FOUND', `no kernel argument '${key}=${old}' to replace`);
      kargs.append(`${key}=${next}`);
    } else {
      if (!kargs.has(parts[0] as string)) throw new AtollError('HOST_KARG_NOT_FOUND', `no kernel argument '${parts[0]}' to replace`);
      kargs.replace(arg);
    }
  }
  for (const arg of edit.delete ?? []) {
    if (!kargs.delete(arg)) throw new AtollError('HOST_KARG_NOT_FOUND', `no kernel argument '${arg}' to delete`);
  }
  for (const arg of edit.deleteIfPresent ?? []) kargs.delete(arg);
  return kargs;
}

/**
 * `rpm-ostree kargs --append/--delete/--replace`: a new deployment of the same commit with
 * the edited arguments (the old deployments stay untouched, the previous one is the rollback).
 */
export async function editKargs(layout: SysrootLayout, repo: SysrootRepo, osname: string | undefined, edit: KargsEdit, reporter: Reporter): Promise<{ changed: boolean; deployment: Deployment | undefined }> {
  return await withSysrootLock(layout.lockFile, 'kargs', async () => {
    const state = await loadSysroot(layout);
    const os = await resolveOsname(layout, state, osname);
    const merge = mergeDeployment(state, os);
    if (!merge) throw new AtollError('HOST_NO_DEPLOYMENT', `no deployment of stateroot '${os}'`);
    const before = KernelArgs.parse(merge.bootconfig.get('options'));
    const kargs = applyKargsEdit(merge.bootconfig.get('options') ?? '', edit);
    if (kargs.toString() === before.toString()) return { changed: false, deployment: undefined };
    const origin = originForNewDeployment(merge.origin, undefined);
    const { deployment, kernel } = await deployTree(layout, repo, { osname: os, csum: merge.csum, origin, merge, kargs }, reporter);
    const list = simpleDeploymentList(state, os, deployment, merge, {});
    await writeDeployments(layout, repo, state, list, reporter, { kernels: new Map([[kernelLayoutKey(deployment), kernel]]) });
    return { changed: true, deployment };
  });
}
