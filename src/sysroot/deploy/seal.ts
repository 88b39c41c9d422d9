import { runProgram } from '../../util/index.js';
import { sysrootDebug } from './debug-flags.js';

/**
 * OSTree seals deployment directories with the ext2 immutable flag (top directory only) and
 * ignores filesystems that refuse it. Node has no FS_IOC_SETFLAGS, so this shells out to
 * chattr; any failure (EPERM, ENOTTY, EOPNOTSUPP, no chattr) is ignored, as OSTree does.
 */
export async function setImmutable(dir: string, immutable: boolean): Promise<void> {
  if (sysrootDebug('mutable-deployments') && immutable) return;
  try {
    await runProgram('chattr', [immutable ? '+i' : '-i', dir]);
  } catch {
    // chattr missing: the flag is an extra safety net, not a requirement
  }
}
