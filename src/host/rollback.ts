import { AtollError } from '../errors/index.js';
import type { Reporter } from '../report/index.js';
import { type Deployment, type SysrootLayout, type SysrootRepo, loadSysroot, setDefault, withSysrootLock } from '../sysroot/index.js';
import { rollbackTarget } from './status.js';

/**
 * `rpm-ostree rollback`: make the rollback deployment the default (one bootloader swap, no
 * pull, nothing deleted). Run twice, it swaps back.
 */
export async function rollback(layout: SysrootLayout, repo: SysrootRepo, reporter: Reporter): Promise<{ from: Deployment; to: Deployment }> {
  return await withSysrootLock(layout.lockFile, 'rollback', async () => {
    const state = await loadSysroot(layout);
    const target = rollbackTarget(state);
    const from = state.deployments[0];
    if (!target || !from) {
      throw new AtollError('HOST_NO_ROLLBACK', 'no rollback deployment to switch to', { hint: 'atoll status lists the deployments; a rollback needs at least two of one stateroot' });
    }
    await setDefault(layout, repo, target.index, reporter);
    return { from, to: target };
  });
}
