import { AtollError } from '../../errors/index.js';
import { type Reporter, info } from '../../report/index.js';
import { type Deployment, type SysrootState, loadSysroot, mergeDeployment, originRefspec } from '../deployment/index.js';
import type { SysrootLayout } from '../layout/index.js';
import { newOrigin, originForNewDeployment } from '../origin/index.js';
import { resolveOsname, deployTree, newDeploymentKargs, simpleDeploymentList } from './deploy.js';
import type { SysrootRepo } from './repo-port.js';
import { kernelKey, writeDeployments } from './write-deployments.js';
import type { KernelLayout } from './kernel.js';
import { formatGlibCTime, parseRefspec } from '../../ostree/repo/index.js';

/**
 * `ostree admin switch REFSPEC` against the current origin refspec (ot-admin-builtin-switch.c):
 * `REMOTE:` keeps the ref and changes the remote, a bare ref keeps the current remote, and
 * switching to the refspec already tracked is refused.
 */
/**
 * `g_date_time_format(utc, "%c")` in the C locale, as ostree prints commit timestamps:
 * `Fri Nov 27 07:58:25 2026`; GLib pads a one-digit day with U+2007 (figure space).
 */
export function ctime(seconds: number): string {
  // One implementation with the pull's timestamp check (ostree/repo formatGlibCTime).
  return formatGlibCTime(seconds);
}

export function switchTarget(current: string, provided: string): string {
  const { remote: currentRemote, ref: currentRef } = parseRefspec(current);
  let remote: string | undefined;
  let ref: string;
  if (provided.endsWith(':')) {
    remote = provided.slice(0, -1);
    ref = currentRef;
  } else {
    ({ remote, ref } = parseRefspec(provided));
  }
  remote ??= currentRemote;
  const target = remote !== undefined ? `${remote}:${ref}` : ref;
  if (target === current) throw new AtollError('SYSROOT_SWITCH_SAME_REFSPEC', `Old and new refs are equal: ${target}`);
  return target;
}

export interface UpgradeOptions {
  osname?: string;
  /** `switch`: track this refspec from now on. */
  refspec?: string;
  /** Deploy this commit instead of the ref's head (`--override-commit`). */
  overrideCommit?: string;
  allowDowngrade?: boolean;
  /** `--pull-only`: fetch and resolve the target, deploy nothing (a later `--deploy-only` deploys it). */
  pullOnly?: boolean;
  /**
   * Fetch the target into the system repo before resolving it (`remote:ref` origins). The
   * sysroot layer does not pull; the caller (host layer / CLI) passes this when it can.
   */
  pull?: (refspec: string, check: { timestampCheckFromRev?: string }) => Promise<void>;
}

export type UpgradeResult =
  | { changed: false; merge: Deployment }
  | { changed: true; merge: Deployment; target: string; deployment: undefined }
  | { changed: true; merge: Deployment; target: string; deployment: Deployment; state: SysrootState };

/**
 * `ostree admin upgrade` / `switch` (ostree_sysroot_upgrader): take the merge deployment's
 * origin, resolve its refspec (or override-commit), and deploy the result when it differs,
 * carrying the origin (minus transient state: pinning, unlock) and the kernel arguments.
 * An older target is refused unless `allowDowngrade`, as ostree does.
 */
export async function adminUpgrade(layout: SysrootLayout, repo: SysrootRepo, options: UpgradeOptions, reporter: Reporter): Promise<UpgradeResult> {
  const state = await loadSysroot(layout);
  const osname = await resolveOsname(layout, state, options.osname);
  const merge = mergeDeployment(state, osname);
  if (!merge) throw new AtollError('SYSROOT_NO_DEPLOYMENT', `no deployment of stateroot '${osname}' to upgrade`, { hint: 'deploy a first commit with atoll admin deploy' });
  // `ostree admin switch` starts from a fresh origin for the new refspec (other groups go;
  // rpm-ostree's rebase, which keeps them, is a host-layer concern).
  const current = originRefspec(merge);
  const switchTo = options.refspec !== undefined && current !== undefined ? switchTarget(current, options.refspec) : options.refspec;
  const origin = switchTo !== undefined ? newOrigin(switchTo) : originForNewDeployment(merge.origin, undefined);
  const refspec = origin ? originRefspec({ ...merge, origin }) : undefined;
  if (origin?.hasKey('origin', 'unconfigured-state')) {
    throw new AtollError('SYSROOT_ORIGIN_UNCONFIGURED', origin.getString('origin', 'unconfigured-state'));
  }
  if (refspec === undefined) throw new AtollError('SYSROOT_NO_REFSPEC', `the origin of ${merge.csum}.${merge.deployserial} has no refspec to upgrade from`);
  // As ostree: `--override-commit` is recorded in the new origin; a plain upgrade drops it.
  if (options.overrideCommit !== undefined) origin?.setString('origin', 'override-commit', options.overrideCommit);
  else origin?.removeKey('origin', 'override-commit');
  const override = options.overrideCommit;
  // As ostree's upgrader, the pull itself refuses an older commit (timestamp-check-from-rev =
  // the merge deployment), so a downgrade fetches no content and leaves the ref alone.
  const pullCheck = options.allowDowngrade ? {} : { timestampCheckFromRev: merge.csum };
  if (options.pull && override === undefined) await options.pull(refspec, pullCheck);
  let target = await repo.resolveRev(override ?? refspec);
  // ostree's upgrader points the origin's ref at the override (a later plain upgrade pulls it forward).
  if (override !== undefined) await repo.setRef(refspec, target);
  if (override === undefined && origin) {
    // An end-of-life commit naming its successor (`ostree.endoflife-rebase`): follow it on the
    // same remote and track the new ref from now on, as ostree's upgrader does.
    const rebase = (await repo.commitInfo(target))?.endoflifeRebase;
    if (rebase !== undefined) {
      const { remote } = parseRefspec(refspec);
      const rebased = remote !== undefined ? `${remote}:${rebase}` : rebase;
      if (options.pull) await options.pull(rebased, pullCheck);
      origin.setString('origin', 'refspec', rebased);
      info(reporter, `end-of-life branch ${refspec} redirects to ${rebased}`);
      target = await repo.resolveRev(rebased);
    }
  }
  if (target === merge.csum && options.refspec === undefined) {
    info(reporter, 'No update available.');
    return { changed: false, merge };
  }
  if (!options.allowDowngrade) {
    const [now, next] = await Promise.all([repo.commitInfo(merge.csum), repo.commitInfo(target)]);
    if (now && next && next.timestamp < now.timestamp) {
      // ostree_sysroot_upgrader_check_timestamps' wording (scripts grep "Upgrade.*is chronologically older").
      throw new AtollError(
        'SYSROOT_DOWNGRADE',
        `Upgrade target revision '${target}' with timestamp '${ctime(next.timestamp)}' is chronologically older than current revision '${merge.csum}' with timestamp '${ctime(now.timestamp)}'; use --allow-downgrade to permit`,
      );
    }
  }
  if (options.pullOnly) return { changed: true, merge, target, deployment: undefined };
  const kargs = newDeploymentKargs(merge, {});
  const { deployment, kernel } = await deployTree(layout, repo, { osname, csum: target, origin, merge, kargs }, reporter);
  const list = simpleDeploymentList(state, osname, deployment, merge, {});
  const kernels = new Map<string, KernelLayout>([[kernelKey(deployment), kernel]]);
  const newState = await writeDeployments(layout, repo, state, list, reporter, { kernels });
  return { changed: true, merge, target, deployment, state: newState };
}
