import type { Reporter } from '../report/index.js';
import { type Deployment, type SysrootLayout, type SysrootRepo, cleanup as sysrootCleanup, loadSysroot, sameDeployment, withSysrootLock, writeDeployments } from '../sysroot/index.js';
import { rollbackTarget } from './status.js';
import { Repo as OstreeRepo } from '../ostree/repo/index.js';
import { syncBaseRefs } from './layering/host-layering.js';

export interface HostCleanupOptions {
  /** `-p`: the pending deployment (default ≠ booted; none on a sysroot that is not booted). */
  pending?: boolean;
  /** `-r`: the rollback deployment. */
  rollback?: boolean;
}

/**
 * `rpm-ostree cleanup`: drop the pending and/or rollback deployment (pinned ones stay), then
 * delete what nothing references and prune the repo.
 */
export async function hostCleanup(layout: SysrootLayout, repo: SysrootRepo, options: HostCleanupOptions, reporter: Reporter): Promise<Deployment[]> {
  return await withSysrootLock(layout.lockFile, 'cleanup', async () => {
    const state = await loadSysroot(layout);
    const drop: Deployment[] = [];
    const first = state.deployments[0];
    if (options.pending && state.booted && first && !sameDeployment(first, state.booted)) drop.push(first);
    const rollback = options.rollback ? rollbackTarget(state) : undefined;
    if (rollback && !sameDeployment(rollback, state.booted)) drop.push(rollback);
    const removable = drop.filter((d) => !(d.origin?.getBooleanOr('libostree-transient', 'pinned', false) ?? false));
    const list = state.deployments.filter((d) => !removable.some((r) => sameDeployment(r, d)));
    // Layering refs first (bases only the dropped deployments used, a derived commit never
    // deployed), so the prune below frees their objects.
    await syncBaseRefs(layout, await OstreeRepo.open(layout.repoDir), [], list);
    if (removable.length > 0) {
      await writeDeployments(layout, repo, state, list, reporter);
    } else {
      await sysrootCleanup(layout, repo, reporter);
    }
    return removable;
  });
}
