import type { KeyFile } from '../../keyfile/index.js';
import type { BootConfig } from '../bootloader/boot-config.js';

/**
 * One deployment as OSTree models it (`OstreeDeployment`): a checkout of `csum` in stateroot
 * `osname`, told apart from other checkouts of the same commit by `deployserial`, booting the
 * kernel identified by `bootcsum` (`bootserial` counts deployments sharing that kernel).
 */
export interface Deployment {
  osname: string;
  csum: string;
  deployserial: number;
  bootcsum: string;
  /** -1 until the deployment has been placed in a list (OSTree's convention). */
  bootserial: number;
  /** The BLS entry this deployment was read from (or will be written from). */
  bootconfig: BootConfig;
  /** The `.origin` keyfile; undefined when the file is missing. */
  origin: KeyFile | undefined;
  /** Position in the boot order; 0 is the default. */
  index: number;
}

export function deploymentName(d: Pick<Deployment, 'csum' | 'deployserial'>): string {
  return `${d.csum}.${d.deployserial}`;
}

/** Same checkout (OSTree's ostree_deployment_equal: stateroot, commit and serial). */
export function sameDeployment(a: Deployment | undefined, b: Deployment | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.osname === b.osname && a.csum === b.csum && a.deployserial === b.deployserial;
}

export function isPinned(d: Deployment): boolean {
  return d.origin?.getBooleanOr('libostree-transient', 'pinned', false) ?? false;
}

export function originRefspec(d: Deployment): string | undefined {
  return d.origin?.getStringOr('origin', 'refspec', undefined);
}

export function unlockedState(d: Deployment): string {
  return d.origin?.getStringOr('origin', 'unlocked', undefined) ?? 'none';
}
