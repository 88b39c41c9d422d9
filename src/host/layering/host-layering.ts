import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { type Reporter, info } from '../../report/index.js';
import { formatNevra, readRpmPackage } from '../../rpm/index.js';
import { type Repo, listRefs, loadCommit, writeRef } from '../../ostree/repo/index.js';
import { metadataString } from '../../ostree/objects/index.js';
import type { KeyFile } from '../../keyfile/index.js';
import {
  type Deployment,
  type SysrootLayout,
  loadSysroot,
  mergeDeployment,
  newOrigin,
  originForNewDeployment,
  resolveOsname,
  storeSysrootRepo,
  withSysrootLock,
} from '../../sysroot/index.js';
import { Repo as OstreeRepo } from '../../ostree/repo/index.js';
import { deployCommit, commitDiff } from '../upgrade.js';
import type { PackageDiff } from '../package-diff.js';
import { type LayeringSpec, baseRefspecOf, isEmptySpec, readSpec, splitLocal, writeSpec } from './layering-spec.js';
import { type RepoSpec, LAYERED_REF, deriveCommit } from './derive-commit.js';

/**
 * rpm-ostree's package verbs: `install`, `uninstall`, `override remove|replace|reset`. Each
 * edits the merge deployment's layering spec, builds the derived commit on the same base
 * (or deploys the plain base when nothing is left), and deploys it as the new default. All
 * work happens before the deployment list changes, so a failure leaves the sysroot as it was.
 */

export interface LayeringChange {
  install?: string[];
  /** Paths of local .rpm files to layer. */
  installLocal?: string[];
  uninstall?: string[];
  overrideRemove?: string[];
  /** Paths of local .rpm files replacing base packages. */
  overrideReplace?: string[];
  overrideReset?: string[] | 'all';
}

export interface LayeringOptions {
  osname?: string | undefined;
  repofrompath?: RepoSpec[];
  dryRun?: boolean;
  idempotent?: boolean;
  allowInactive?: boolean;
  cacheOnly?: boolean;
  bwrap?: string;
}

export interface LayeringResult {
  outcome: 'no-change' | 'dry-run' | 'deployed';
  osname: string;
  base: string;
  commit: string | undefined;
  spec: LayeringSpec;
  layered: string[];
  removed: string[];
  replaced: Array<[string, string]>;
  diff: PackageDiff | undefined;
  deployment: Deployment | undefined;
}

/** The base of a deployed commit: its parent when it is a client-layered commit. */
export async function baseCommitOf(repo: Repo, csum: string): Promise<string> {
  const commit = await loadCommit(repo, csum);
  if (commit.metadata.get('rpmostree.clientlayer')?.value === true && commit.parent !== null) return commit.parent;
  return csum;
}

export function layeringCacheDir(layout: SysrootLayout): string {
  return join(layout.root, 'var/cache/atoll');
}

/** Copy a local RPM into the cache under its SHA256; returns `SHA256:NEVRA` and the name. */
function cacheLocal(layout: SysrootLayout, path: string): { entry: string; name: string; nevra: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new AtollError('HOST_LAYER_LOCAL_MISSING', `cannot read local package ${path}`, { cause: error });
  }
  const { pkg } = readRpmPackage(bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = join(layeringCacheDir(layout), 'local');
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${sha256}.tmp`);
  copyFileSync(path, tmp);
  renameSync(tmp, join(dir, `${sha256}.rpm`));
  const nevra = formatNevra(pkg);
  return { entry: `${sha256}:${nevra}`, name: pkg.name, nevra };
}

function localName(entry: string): string {
  const { nevra } = splitLocal(entry);
  // name-[e:]v-r.a → name
  return nevra.replace(/-[^-]+-[^-]+$/, '');
}

/** Apply `change` to `spec`; refuses what rpm-ostree refuses (unless --idempotent). */
export function applyChange(layout: SysrootLayout, spec: LayeringSpec, change: LayeringChange, baseNames: ReadonlySet<string>, options: LayeringOptions): LayeringSpec {
  const next: LayeringSpec = { requested: [...spec.requested], requestedLocal: [...spec.requestedLocal], removals: [...spec.removals], replaceLocal: [...spec.replaceLocal] };
  for (const p of change.install ?? []) {
    if (next.requested.includes(p)) {
      if (options.idempotent) continue;
      throw new AtollError('HOST_LAYER_ALREADY_REQUESTED', `package/capability '${p}' is already requested`);
    }
    if (baseNames.has(p) && !next.removals.includes(p)) {
      if (options.idempotent) continue;
      throw new AtollError('HOST_LAYER_IN_BASE', `package '${p}' is already provided by the base commit`);
    }
    next.requested.push(p);
  }
  for (const path of change.installLocal ?? []) {
    const local = cacheLocal(layout, path);
    if (next.requestedLocal.includes(local.entry)) {
      if (options.idempotent) continue;
      throw new AtollError('HOST_LAYER_ALREADY_REQUESTED', `package '${local.nevra}' is already requested`);
    }
    next.requestedLocal.push(local.entry);
  }
  for (const p of change.uninstall ?? []) {
    const before = next.requested.length + next.requestedLocal.length;
    next.requested = next.requested.filter((r) => r !== p);
    next.requestedLocal = next.requestedLocal.filter((l) => localName(l) !== p && splitLocal(l).nevra !== p);
    if (before === next.requested.length + next.requestedLocal.length && !options.idempotent) {
      throw new AtollError('HOST_LAYER_NOT_REQUESTED', `package '${p}' is not currently requested`, { hint: 'atoll status lists LayeredPackages' });
    }
  }
  for (const p of change.overrideRemove ?? []) {
    if (next.removals.includes(p)) {
      if (options.idempotent) continue;
      throw new AtollError('HOST_LAYER_ALREADY_REQUESTED', `override remove of '${p}' is already requested`);
    }
    if (!baseNames.has(p) && !options.allowInactive) throw new AtollError('HOST_LAYER_NOT_IN_BASE', `package '${p}' is not in the base commit`, { hint: 'use --allow-inactive to record it anyway' });
    next.removals.push(p);
  }
  for (const path of change.overrideReplace ?? []) {
    const local = cacheLocal(layout, path);
    if (!baseNames.has(local.name) && !options.allowInactive) throw new AtollError('HOST_LAYER_NOT_IN_BASE', `package '${local.name}' is not in the base commit: nothing to replace`);
    next.replaceLocal = next.replaceLocal.filter((l) => localName(l) !== local.name);
    next.removals = next.removals.filter((r) => r !== local.name);
    next.replaceLocal.push(local.entry);
  }
  const reset = change.overrideReset;
  if (reset === 'all') {
    next.removals = [];
    next.replaceLocal = [];
  } else {
    for (const p of reset ?? []) {
      const before = next.removals.length + next.replaceLocal.length;
      next.removals = next.removals.filter((r) => r !== p);
      next.replaceLocal = next.replaceLocal.filter((l) => localName(l) !== p && splitLocal(l).nevra !== p);
      if (before === next.removals.length + next.replaceLocal.length && !options.idempotent) {
        throw new AtollError('HOST_LAYER_NOT_REQUESTED', `no override for '${p}'`);
      }
    }
  }
  return next;
}

function sameSpec(a: LayeringSpec, b: LayeringSpec): boolean {
  const k = (s: LayeringSpec): string => JSON.stringify([[...s.requested].sort(), [...s.requestedLocal].sort(), [...s.removals].sort(), [...s.replaceLocal].sort()]);
  return k(a) === k(b);
}

/** Names of the packages in a commit's rpmdb pkglist (metadata). */
async function commitPackageNames(repo: Repo, csum: string): Promise<Set<string>> {
  const commit = await loadCommit(repo, csum);
  const list = commit.metadata.get('rpmostree.rpmdb.pkglist')?.value;
  const names = new Set<string>();
  if (Array.isArray(list)) for (const row of list) if (Array.isArray(row) && typeof row[0] === 'string') names.add(row[0]);
  return names;
}

/**
 * Build the commit to deploy for `spec` on `base`: the base itself when nothing is layered,
 * else a derived commit. Shared by the package verbs and `upgrade`.
 */
export async function buildForSpec(
  layout: SysrootLayout,
  repo: Repo,
  base: string,
  spec: LayeringSpec,
  merge: Deployment | undefined,
  options: LayeringOptions,
  reporter: Reporter,
): Promise<{ commit: string | undefined; layered: string[]; removed: string[]; replaced: Array<[string, string]> }> {
  if (isEmptySpec(spec)) return { commit: base, layered: [], removed: [], replaced: [] };
  return await deriveCommit({
    repo,
    baseCsum: base,
    spec,
    configRoot: merge ? layout.deploymentDir(merge.osname, merge.csum, merge.deployserial) : undefined,
    repofrompath: options.repofrompath ?? [],
    cacheDir: layeringCacheDir(layout),
    tmpDir: join(layout.repoDir, 'tmp'),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.cacheOnly ? { cacheOnly: true } : {}),
    ...(options.bwrap ? { bwrap: options.bwrap } : {}),
    reporter,
  });
}

/**
 * Keep the base commits of layered deployments alive with `rpmostree/base/N` refs (as
 * rpm-ostree does) so pruning never takes a deployment's base away, and drop the refs no
 * deployment needs any more: bases of deployments that are gone, and the derived commit's
 * pending ref (a deployed derived commit is held by its deployment ref). `deployments`
 * defaults to the sysroot's current list; `extra` are bases about to be deployed (with
 * `keepPending`, before the derived commit is deployed).
 */
export async function syncBaseRefs(layout: SysrootLayout, repo: Repo, extra: string[] = [], deployments?: readonly Deployment[], keepPending = false): Promise<void> {
  const list = deployments ?? (await loadSysroot(layout)).deployments;
  const bases = new Set<string>(extra);
  for (const d of list) {
    try {
      const b = await baseCommitOf(repo, d.csum);
      if (b !== d.csum) bases.add(b);
    } catch {
      // a deployment whose commit is gone: nothing to keep
    }
  }
  const wanted = [...bases].sort();
  const existing = new Map<string, string>();
  for (const r of await listRefs(repo)) if (r.remote === undefined && r.ref.startsWith('rpmostree/')) existing.set(r.ref, r.checksum);
  // New refs first, stale ones after: a crash in between never leaves a base unreferenced.
  const keep = new Set<string>();
  for (const [i, csum] of wanted.entries()) {
    keep.add(`rpmostree/base/${i}`);
    if (existing.get(`rpmostree/base/${i}`) !== csum) await writeRef(repo, `rpmostree/base/${i}`, csum);
  }
  for (const ref of existing.keys()) {
    if ((ref.startsWith('rpmostree/base/') || (ref === LAYERED_REF && !keepPending)) && !keep.has(ref)) await writeRef(repo, ref, undefined);
  }
}

export async function hostLayering(layout: SysrootLayout, change: LayeringChange, options: LayeringOptions, reporter: Reporter): Promise<LayeringResult> {
  return await withSysrootLock(layout.lockFile, 'layering', async () => {
    const repo = await OstreeRepo.open(layout.repoDir);
    const sysrepo = storeSysrootRepo(repo);
    const state = await loadSysroot(layout);
    const osname = await resolveOsname(layout, state, options.osname);
    const merge = mergeDeployment(state, osname);
    if (!merge) throw new AtollError('HOST_NO_DEPLOYMENT', `no deployment of stateroot '${osname}' to layer packages on`);
    const base = await baseCommitOf(repo, merge.csum);
    const spec = readSpec(merge.origin);
    const next = applyChange(layout, spec, change, await commitPackageNames(repo, base), options);
    const empty = { osname, base, spec: next, layered: [], removed: [], replaced: [] as Array<[string, string]>, diff: undefined, deployment: undefined };
    if (sameSpec(spec, next)) return { ...empty, outcome: 'no-change', commit: merge.csum };
    const built = await buildForSpec(layout, repo, base, next, merge, options, reporter);
    if (options.dryRun || built.commit === undefined) return { ...empty, ...built, outcome: 'dry-run', commit: undefined };
    const origin: KeyFile = originForNewDeployment(merge.origin, undefined) ?? newOrigin(baseRefspecOf(merge.origin) ?? '');
    writeSpec(origin, next);
    await syncBaseRefs(layout, repo, built.commit !== base ? [base] : [], undefined, true);
    const diff = await commitDiff(repo, merge.csum, built.commit);
    const deployment = await deployCommit(layout, sysrepo, osname, merge, built.commit, origin, reporter);
    await syncBaseRefs(layout, repo);
    const version = metadataString((await loadCommit(repo, built.commit)).metadata, 'version');
    info(reporter, `deployed ${built.commit}${version !== undefined ? ` (version ${version})` : ''}`);
    return { ...empty, ...built, outcome: 'deployed', commit: built.commit, diff, deployment };
  });
}
