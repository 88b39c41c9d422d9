import { readSpec, baseRefspecOf } from './layering/layering-spec.js';
import { type Deployment, type SysrootLayout, type SysrootRepo, type SysrootState, deploymentStatus, isPinned, loadSysroot, sameDeployment, unlockedState } from '../sysroot/index.js';

/**
 * `rpm-ostree status`: the deployments in boot order with rpm-ostree's `status --json` field
 * names (client.md §1c). Layering fields are empty lists until package layering exists.
 */
export interface HostDeployment {
  id: string;
  osname: string;
  checksum: string;
  serial: number;
  booted: boolean;
  staged: boolean;
  pinned: boolean;
  unlocked: string;
  origin: string | null;
  version: string | null;
  timestamp: number | null;
  'requested-packages': string[];
  'requested-local-packages': string[];
  packages: string[];
  'base-removals': string[];
  'requested-base-removals': string[];
  'base-local-replacements': string[];
  'requested-base-local-replacements': string[];
  /** atoll extras: the position, and which role the deployment plays. */
  index: number;
  role: 'default' | 'rollback' | 'pinned' | 'other';
}

/** rpm-ostree's `cached-update`: the tracked ref (as last fetched, e.g. by `upgrade --check`) is ahead of the default. */
export interface CachedUpdate {
  osname: string;
  checksum: string;
  version: string | null;
  timestamp: number | null;
  origin: string;
  'ref-has-new-commit': boolean;
}

export interface HostStatus {
  deployments: HostDeployment[];
  transaction: null;
  'cached-update': CachedUpdate | null;
  'update-driver': null;
}

/** rpm-ostree's rollback target: the booted one when it is not the default, else the next of the default's stateroot. */
export function rollbackTarget(state: SysrootState): Deployment | undefined {
  const first = state.deployments[0];
  if (!first) return undefined;
  if (state.booted && !sameDeployment(state.booted, first)) return state.booted;
  return state.deployments.slice(1).find((d) => d.osname === first.osname);
}

async function cachedUpdate(repo: SysrootRepo | undefined, state: SysrootState): Promise<CachedUpdate | null> {
  const first = state.deployments[0];
  const refspec = first?.origin?.getStringOr('origin', 'refspec', undefined);
  if (!repo || !first || refspec === undefined) return null;
  let head: string;
  try {
    head = await repo.resolveRev(refspec);
  } catch {
    return null; // the ref was never fetched into this repo (or was purged)
  }
  if (head === first.csum) return null;
  const info = await repo.commitInfo(head);
  if (!info) return null;
  return { osname: first.osname, checksum: head, version: info.version ?? null, timestamp: info.timestamp, origin: refspec, 'ref-has-new-commit': true };
}

export async function hostStatus(layout: SysrootLayout, repo: SysrootRepo | undefined): Promise<{ status: HostStatus; state: SysrootState }> {
  const state = await loadSysroot(layout);
  const rows = await deploymentStatus(repo, state);
  const rollback = rollbackTarget(state);
  const deployments = rows.map((r, i): HostDeployment => {
    const d = state.deployments[i] as Deployment;
    const spec = readSpec(d.origin);
    const role = i === 0 ? 'default' : sameDeployment(d, rollback) ? 'rollback' : isPinned(d) ? 'pinned' : 'other';
    return {
      id: r.id,
      osname: r.osname,
      checksum: r.checksum,
      serial: r.serial,
      booted: r.booted,
      staged: false,
      pinned: r.pinned,
      unlocked: unlockedState(d),
      origin: r.origin ?? baseRefspecOf(d.origin) ?? null,
      version: r.version,
      timestamp: r.timestamp,
      'requested-packages': spec.requested,
      'requested-local-packages': spec.requestedLocal.map(nevraOf),
      packages: spec.requested,
      'base-removals': spec.removals,
      'requested-base-removals': spec.removals,
      'base-local-replacements': spec.replaceLocal.map(nevraOf),
      'requested-base-local-replacements': spec.replaceLocal.map(nevraOf),
      index: r.index,
      role,
    };
  });
  return { status: { deployments, transaction: null, 'cached-update': await cachedUpdate(repo, state), 'update-driver': null }, state };
}

/** `SHA256:NEVRA` (origin form of local packages) → NEVRA. */
function nevraOf(entry: string): string {
  return entry.slice(entry.indexOf(':') + 1);
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** rpm-ostree's text layout: `●` marks the booted deployment, keys right-aligned. */
export function formatHostStatus(status: HostStatus, verbose = false): string {
  const lines = ['State: idle', 'Deployments:'];
  const kv = (key: string, value: string): string => `${key.padStart(26)}: ${value}`;
  status.deployments.forEach((d, i) => {
    if (i > 0) lines.push('');
    const mark = d.booted ? '●' : ' ';
    lines.push(`${mark} ${d.origin ?? d.checksum}${d.role === 'default' && !d.booted ? ' (default)' : ''}${d.role === 'rollback' ? ' (rollback)' : ''}`);
    if (d.version !== null) lines.push(kv('Version', `${d.version}${d.timestamp !== null ? ` (${isoTime(d.timestamp)})` : ''}`));
    lines.push(kv('Commit', d.checksum));
    if (verbose) lines.push(kv('StateRoot', d.osname));
    if (d['base-removals'].length > 0) lines.push(kv('RemovedBasePackages', d['base-removals'].join(' ')));
    if (d['base-local-replacements'].length > 0) lines.push(kv('ReplacedBasePackages', d['base-local-replacements'].join(' ')));
    if (d['requested-packages'].length > 0) lines.push(kv('LayeredPackages', d['requested-packages'].join(' ')));
    if (d['requested-local-packages'].length > 0) lines.push(kv('LocalPackages', d['requested-local-packages'].join(' ')));
    if (d.unlocked !== 'none') lines.push(kv('Unlocked', d.unlocked));
    if (d.pinned) lines.push(kv('Pinned', 'yes'));
  });
  return `${lines.join('\n')}\n`;
}
