import { AtollError, isAtollError } from '../errors/index.js';
import { type Reporter, info } from '../report/index.js';
import { pull } from '../ostree/pull/index.js';
import { Repo, loadCommit, parseRefspec, resolveRev, writeRef } from '../ostree/repo/index.js';
import { metadataString } from '../ostree/objects/index.js';
import type { KeyFile } from '../keyfile/index.js';
import {
  type Deployment,
  type SysrootLayout,
  type SysrootRepo,
  cleanupSysroot,
  crashPoint,
  deployTree,
  kernelLayoutKey,
  listStateroots,
  loadSysroot,
  mergeDeployment,
  newDeploymentKargs,
  newOrigin,
  originForNewDeployment,
  originRefspec,
  osInit,
  resolveOsname,
  setRefspec,
  simpleDeploymentList,
  storeSysrootRepo,
  withSysrootLock,
  writeDeployments,
} from '../sysroot/index.js';
import { commitPackages } from './package-list.js';
import { type PackageDiff, diffPackages } from './package-diff.js';
import { baseRefspecOf, isEmptySpec, readSpec } from './layering/layering-spec.js';
import { baseCommitOf, buildForSpec, syncBaseRefs } from './layering/host-layering.js';

/**
 * rpm-ostree's deployment verbs on a sysroot that is not booted (or booted, without staging):
 * `upgrade`, `deploy REVISION`, `rebase REFSPEC`. Each holds the sysroot lock for its whole
 * run (pull included), pulls into the system repo through the network layer, deploys through
 * the sysroot layer (the /etc merge happens now), keeps the new default plus the previous one
 * (plus pinned), and prunes the repo.
 */

export interface HostTransactionResult {
  /** `no-change`: already there; `available`: --check/--preview found one; `deployed`: done. */
  outcome: 'no-change' | 'available' | 'deployed';
  osname: string;
  from: string | undefined;
  to: string;
  toVersion: string | undefined;
  toTimestamp: number | undefined;
  /** Package changes from the merge deployment's commit (undefined when a side has no package list). */
  diff: PackageDiff | undefined;
  deployment: Deployment | undefined;
  refspec: string;
}

/** Pull progress events become crash points (`pull-progress-N`) so tests can kill mid-pull. */
function crashingReporter(reporter: Reporter): Reporter {
  let n = 0;
  return {
    emit(event) {
      if (event.type === 'progress') crashPoint(`pull-progress-${++n}`);
      reporter.emit(event);
    },
  };
}

/** Fetch `refspec` (`remote:ref`) into the system repo; a local ref has nothing to fetch. The caller holds the sysroot lock. */
export async function pullRefspec(
  layout: SysrootLayout,
  refspec: string,
  options: { commitOnly?: boolean; depth?: number; checksum?: string; timestampCheckFromRev?: string | undefined },
  reporter: Reporter,
): Promise<void> {
  const { remote, ref } = parseRefspec(refspec);
  if (remote === undefined) return;
  await pull({
    repo: layout.repoDir,
    remote,
    refs: [options.checksum ?? ref],
    commitMetadataOnly: options.commitOnly ?? false,
    depth: options.depth ?? 0,
    ...(options.timestampCheckFromRev !== undefined ? { timestampCheckFromRev: options.timestampCheckFromRev } : {}),
    reporter: crashingReporter(reporter),
  });
}

async function commitFacts(repo: Repo, csum: string): Promise<{ version: string | undefined; timestamp: number; parent: string | null }> {
  const commit = await loadCommit(repo, csum);
  return { version: metadataString(commit.metadata, 'version'), timestamp: Number(commit.timestamp), parent: commit.parent };
}

/** The package diff between two commits, or undefined when either lacks a package list. */
export async function commitDiff(repo: Repo, from: string, to: string): Promise<PackageDiff | undefined> {
  try {
    const [a, b] = await Promise.all([commitPackages(repo, from), commitPackages(repo, to)]);
    return diffPackages(a.packages, b.packages);
  } catch (error) {
    if (isAtollError(error) && (error.code === 'HOST_NO_PACKAGE_LIST' || error.code === 'OSTREE_OBJECT_MISSING')) return undefined;
    throw error;
  }
}

/** Deploy `csum` with `origin` after `merge`, keep new + merge + pinned + other stateroots, swap, prune. */
export async function deployCommit(
  layout: SysrootLayout,
  sysrepo: SysrootRepo,
  osname: string,
  merge: Deployment | undefined,
  csum: string,
  origin: KeyFile,
  reporter: Reporter,
): Promise<Deployment> {
  const state = await loadSysroot(layout);
  const kargs = newDeploymentKargs(merge, {});
  const { deployment, kernel } = await deployTree(layout, sysrepo, { osname, csum, origin, merge, kargs }, reporter);
  crashPoint('host-deployed-tree');
  const list = simpleDeploymentList(state, osname, deployment, merge, {});
  await writeDeployments(layout, sysrepo, state, list, reporter, { kernels: new Map([[kernelLayoutKey(deployment), kernel]]) });
  crashPoint('host-deployments-written');
  return deployment;
}

export interface HostUpgradeOptions {
  osname?: string | undefined;
  /** Only fetch the commit metadata and say whether there is an update. */
  check?: boolean;
  /** As check, and compute the package diff from the commits' package lists. */
  preview?: boolean;
  allowDowngrade?: boolean;
}

async function openRepos(layout: SysrootLayout): Promise<{ repo: Repo; sysrepo: SysrootRepo }> {
  const repo = await Repo.open(layout.repoDir);
  return { repo, sysrepo: storeSysrootRepo(repo) };
}

/** `rpm-ostree upgrade`: pull the origin's ref and deploy it when it moved. */
export async function hostUpgrade(layout: SysrootLayout, options: HostUpgradeOptions, reporter: Reporter): Promise<HostTransactionResult> {
  return await withSysrootLock(layout.lockFile, options.check || options.preview ? 'upgrade --check' : 'upgrade', async () => {
    crashPoint('host-locked');
    const { repo, sysrepo } = await openRepos(layout);
    const state = await loadSysroot(layout);
    const osname = await resolveOsname(layout, state, options.osname);
    const merge = mergeDeployment(state, osname);
    if (!merge) {
      throw new AtollError('HOST_NO_DEPLOYMENT', `no deployment of stateroot '${osname}' to upgrade`, { hint: 'install a first deployment with atoll rebase REMOTE:REF --os NAME' });
    }
    // A layered deployment's origin follows `baserefspec=`.
    const refspec = baseRefspecOf(merge.origin);
    if (refspec === undefined) throw new AtollError('HOST_NO_REFSPEC', `the origin of ${merge.csum}.${merge.deployserial} has no refspec to upgrade from`);
    const mergeBase = await baseCommitOf(repo, merge.csum);
    const spec = readSpec(merge.origin);
    if (merge.origin?.hasKey('origin', 'unconfigured-state')) {
      throw new AtollError('HOST_ORIGIN_UNCONFIGURED', merge.origin.getString('origin', 'unconfigured-state'));
    }
    const checkOnly = Boolean(options.check || options.preview);
    await pullRefspec(layout, refspec, { commitOnly: checkOnly }, reporter);
    crashPoint('host-pulled');
    const target = await resolveRev(repo, refspec);
    const facts = await commitFacts(repo, target);
    const base: Omit<HostTransactionResult, 'outcome' | 'diff' | 'deployment'> = { osname, from: merge.csum, to: target, toVersion: facts.version, toTimestamp: facts.timestamp, refspec };
    if (target === mergeBase) {
      // Re-running after an interrupted upgrade completes it: the swap may have happened and
      // the removal of what the new list no longer references not (cheap; no repo prune).
      if (!checkOnly) await cleanupSysroot(layout, sysrepo, state, reporter, { prune: false });
      return { ...base, outcome: 'no-change', diff: undefined, deployment: undefined };
    }
    if (!options.allowDowngrade) {
      const now = await commitFacts(repo, mergeBase);
      if (facts.timestamp < now.timestamp) {
        throw new AtollError('HOST_DOWNGRADE', `upgrade target revision '${target}' is chronologically older than current revision '${merge.csum}'`, {
          hint: 'use atoll deploy to go back to an older commit',
        });
      }
    }
    if (checkOnly) return { ...base, outcome: 'available', diff: await commitDiff(repo, mergeBase, target), deployment: undefined };
    // An upgrade follows the ref again: a commit pinned by `deploy` no longer applies.
    const origin = originForNewDeployment(merge.origin, undefined) ?? newOrigin(refspec);
    origin.removeKey('origin', 'override-commit');
    // Layered packages and overrides are applied again on the new base.
    let deployed = target;
    if (!isEmptySpec(spec)) {
      const built = await buildForSpec(layout, repo, target, spec, merge, {}, reporter);
      if (built.commit === undefined) throw new Error('layering produced no commit');
      deployed = built.commit;
      await syncBaseRefs(layout, repo, [target], undefined, true);
    }
    const diff = await commitDiff(repo, merge.csum, deployed);
    const deployment = await deployCommit(layout, sysrepo, osname, merge, deployed, origin, reporter);
    await syncBaseRefs(layout, repo);
    return { ...base, to: deployed, outcome: 'deployed', diff, deployment };
  });
}

/** rpm-ostree's REVISION: `revision=CSUM`, `version=V`, or a bare string (64 hex = checksum). */
export function parseRevision(text: string): { checksum: string } | { version: string } {
  if (text.startsWith('revision=')) return { checksum: text.slice('revision='.length) };
  if (text.startsWith('version=')) return { version: text.slice('version='.length) };
  return /^[0-9a-f]{64}$/.test(text) ? { checksum: text } : { version: text };
}

/** Walk the ref's history (parents present locally) for a commit whose `version` is `version`. */
async function findVersion(repo: Repo, head: string, version: string): Promise<string | undefined> {
  let csum: string | null = head;
  const seen = new Set<string>();
  while (csum !== null && !seen.has(csum)) {
    seen.add(csum);
    let facts;
    try {
      facts = await commitFacts(repo, csum);
    } catch (error) {
      if (isAtollError(error)) return undefined; // history ends where the repo has no more commits
      throw error;
    }
    if (facts.version === version) return csum;
    csum = facts.parent;
  }
  return undefined;
}

async function inHistory(repo: Repo, head: string, wanted: string): Promise<boolean> {
  let csum: string | null = head;
  const seen = new Set<string>();
  while (csum !== null && !seen.has(csum)) {
    if (csum === wanted) return true;
    seen.add(csum);
    try {
      csum = (await commitFacts(repo, csum)).parent;
    } catch (error) {
      if (isAtollError(error)) return false;
      throw error;
    }
  }
  return false;
}

/** `rpm-ostree deploy REVISION`: a given commit (or version) of the origin's ref, pinned in the origin. */
export async function hostDeploy(layout: SysrootLayout, revision: string, options: { osname?: string | undefined; preview?: boolean; skipBranchCheck?: boolean }, reporter: Reporter): Promise<HostTransactionResult> {
  return await withSysrootLock(layout.lockFile, 'deploy', async () => {
    crashPoint('host-locked');
    const { repo, sysrepo } = await openRepos(layout);
    const state = await loadSysroot(layout);
    const osname = await resolveOsname(layout, state, options.osname);
    const merge = mergeDeployment(state, osname);
    if (!merge) throw new AtollError('HOST_NO_DEPLOYMENT', `no deployment of stateroot '${osname}'`, { hint: 'install a first deployment with atoll rebase REMOTE:REF' });
    const refspec = originRefspec(merge);
    if (refspec === undefined) throw new AtollError('HOST_NO_REFSPEC', `the origin of ${merge.csum}.${merge.deployserial} has no refspec`);
    const rev = parseRevision(revision);
    let target: string;
    if ('version' in rev) {
      // The ref's history, commit objects only (as rpm-ostree walks the remote history).
      await pullRefspec(layout, refspec, { commitOnly: true, depth: -1 }, reporter);
      const found = await findVersion(repo, await resolveRev(repo, refspec), rev.version);
      if (found === undefined) throw new AtollError('HOST_VERSION_NOT_FOUND', `no commit with version '${rev.version}' in the history of ${refspec}`);
      target = found;
    } else {
      if (!/^[0-9a-f]{64}$/.test(rev.checksum)) throw new AtollError('HOST_BAD_REVISION', `invalid revision '${rev.checksum}': a full 64-character commit checksum is needed`);
      target = rev.checksum;
      if (!options.skipBranchCheck) {
        // As rpm-ostree: the commit must be in the history of the tracked ref.
        await pullRefspec(layout, refspec, { commitOnly: true, depth: -1 }, reporter);
        if (!(await inHistory(repo, await resolveRev(repo, refspec), target))) {
          throw new AtollError('HOST_NOT_IN_BRANCH', `checksum ${target} does not exist in the history of ${refspec}`, { hint: 'pass --skip-branch-check to deploy it anyway' });
        }
      }
    }
    if (!options.preview) await pullRefspec(layout, refspec, { checksum: target }, reporter);
    else await pullRefspec(layout, refspec, { checksum: target, commitOnly: true }, reporter);
    crashPoint('host-pulled');
    const facts = await commitFacts(repo, target);
    const base = { osname, from: merge.csum, to: target, toVersion: facts.version, toTimestamp: facts.timestamp, refspec };
    if (target === merge.csum) return { ...base, outcome: 'no-change', diff: undefined, deployment: undefined };
    const diff = await commitDiff(repo, merge.csum, target);
    if (options.preview) return { ...base, outcome: 'available', diff, deployment: undefined };
    const origin = originForNewDeployment(merge.origin, undefined) ?? newOrigin(refspec);
    origin.setString('origin', 'override-commit', target);
    const deployment = await deployCommit(layout, sysrepo, osname, merge, target, origin, reporter);
    return { ...base, outcome: 'deployed', diff, deployment };
  });
}

/**
 * rpm-ostree's partial refspecs: `remote:ref` as given; `:ref` a local ref; `remote:` the
 * current ref on another remote; a bare `ref` the same remote as now (a local ref when there is
 * no current origin, the install case).
 */
export function combineRefspec(given: string, current: string | undefined): string {
  const cur = current !== undefined ? parseRefspec(current) : undefined;
  if (given.startsWith(':')) return given.slice(1);
  if (given.endsWith(':')) {
    if (!cur) throw new AtollError('HOST_BAD_REFSPEC', `refspec '${given}' names only a remote and there is no current ref to keep`);
    return `${given}${cur.ref}`;
  }
  if (given.includes(':')) return given;
  return cur?.remote !== undefined ? `${cur.remote}:${given}` : given;
}

export interface HostRebaseOptions {
  osname?: string | undefined;
  /** Keep the old ref in the repo (rpm-ostree deletes it so its objects can be pruned). */
  skipPurge?: boolean;
}

/**
 * `rpm-ostree rebase REFSPEC`: track another ref, keeping the origin's other settings; on a
 * stateroot with no deployment yet (created here when `--os` names a new one) this is the
 * install case: pull and make the first deployment, as `ostree admin deploy` does.
 */
export async function hostRebase(layout: SysrootLayout, refspecText: string, options: HostRebaseOptions, reporter: Reporter): Promise<HostTransactionResult> {
  return await withSysrootLock(layout.lockFile, 'rebase', async () => {
    crashPoint('host-locked');
    if (options.osname !== undefined && !(await listStateroots(layout)).includes(options.osname)) {
      await osInit(layout, options.osname);
      info(reporter, `stateroot ${options.osname} created`);
    }
    const { repo, sysrepo } = await openRepos(layout);
    const state = await loadSysroot(layout);
    const osname = await resolveOsname(layout, state, options.osname);
    const merge = mergeDeployment(state, osname);
    const oldRefspec = merge ? originRefspec(merge) : undefined;
    const refspec = combineRefspec(refspecText, oldRefspec);
    parseRefspec(refspec);
    await pullRefspec(layout, refspec, {}, reporter);
    crashPoint('host-pulled');
    const target = await resolveRev(repo, refspec);
    const facts = await commitFacts(repo, target);
    const base = { osname, from: merge?.csum, to: target, toVersion: facts.version, toTimestamp: facts.timestamp, refspec };
    if (merge && target === merge.csum && refspec === oldRefspec) return { ...base, outcome: 'no-change', diff: undefined, deployment: undefined };
    const origin = merge?.origin ? setRefspec(originForNewDeployment(merge.origin, undefined) ?? newOrigin(refspec), refspec) : newOrigin(refspec);
    const diff = merge ? await commitDiff(repo, merge.csum, target) : undefined;
    const deployment = await deployCommit(layout, sysrepo, osname, merge, target, origin, reporter);
    if (oldRefspec !== undefined && oldRefspec !== refspec && !options.skipPurge) {
      // rpm-ostree purges the old ref; the old commit stays while a deployment references it.
      const old = parseRefspec(oldRefspec);
      await writeRef(repo, old.ref, undefined, old.remote);
    }
    return { ...base, outcome: 'deployed', diff, deployment };
  });
}
