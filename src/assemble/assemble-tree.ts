import { existsSync, mkdirSync, readdirSync, renameSync, symlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtollError } from '../errors/index.js';
import { defaultParallelism } from '../util/index.js';
import { phase, nullReporter, type Reporter } from '../report/index.js';
import { type RpmHeaderPackage, type RpmHeaders } from '../rpm/index.js';
import { DevinoCache, type Repo } from '../ostree/repo/index.js';
import { importPackages, type ImportResult } from './import/index.js';
import { assertNoFileConflicts, unionCheckout, applyOwners } from './union/index.js';
import { runScriptlet, runTransFileTriggers, withScriptOverlay, SCRIPT_ORDER, type ScriptRun } from './scripts/index.js';
import { postprocessTree } from './postprocess/index.js';
import { rpmdbTimestamp, type PkglistEntry } from './rpmdb/index.js';

/**
 * packages → tree, shared by compose and client-side layering: import each RPM into the
 * package cache (once per build), check file conflicts, lay the packages out in transaction
 * order, run %pre, fix owners, run %post and %posttrans in bubblewrap, postprocess. The result
 * is a root directory ready for the store's commit (no treefile knowledge here).
 */

export interface AssemblePackage {
  /** Path of the .rpm file (downloaded and verified by the caller). */
  path: string;
  /** The package checksum from the repo metadata, recorded as `rpmostree.repodata_checksum`. */
  repodataChecksum?: string;
}

export interface AssembleOptions {
  /** Run scriptlets (default true). */
  runScripts?: boolean;
  /** Empty usr/etc/machine-id (default true). */
  machineidCompat?: boolean;
  etcGroupMembers?: readonly string[];
  /** Time source override; default SOURCE_DATE_EPOCH, else the newest build time. */
  timestamp?: number;
  env?: NodeJS.ProcessEnv;
  bwrap?: string;
  /** Packages imported at once (default min(4, cores)). */
  importConcurrency?: number;
  /**
   * Hardlink package files from the cache (default false). Scriptlets and postprocessing then
   * copy up before writing (script-overlay.ts, copy-up.ts), but the caller must too for any
   * later in-place edit, and commit with `skipXattrs: [OSTREEMETA_XATTR]`; compose still edits
   * the tree after assembly (postprocess scripts, os-release), so it does not opt in yet.
   */
  hardlink?: boolean;
}

export interface AssembleRequest {
  /** In transaction order (dependencies first), as the solver orders them. */
  packages: readonly AssemblePackage[];
  /** The package cache repository (bare-user). */
  repo: Repo;
  /** Where the tree is built; must not exist or be empty. */
  rootDir: string;
  reporter?: Reporter;
  options?: AssembleOptions;
}

export interface AssembledPackage {
  pkg: RpmHeaderPackage;
  headers: RpmHeaders;
  ref: string;
  commit: string;
  reusedImport: boolean;
}

export interface AssembleResult {
  rootDir: string;
  packages: AssembledPackage[];
  /** For `rpmostree.rpmdb.pkglist` (pkglistVariant sorts it). */
  pkglist: PkglistEntry[];
  scripts: ScriptRun[];
  kernelVersion: string | null;
  timestamp: number;
  files: number;
  /** Hardlinked package files (hardlink mode): the devino cache for the tree's commit. */
  devino: DevinoCache | null;
}

export async function assembleTree(request: AssembleRequest): Promise<AssembleResult> {
  const reporter = request.reporter ?? nullReporter;
  const options = request.options ?? {};
  const root = request.rootDir;
  if (existsSync(root) && readdirSync(root).length > 0) {
    throw new AtollError('ASSEMBLE_ROOT_NOT_EMPTY', `cannot assemble into ${root}: the directory is not empty`);
  }
  mkdirSync(root, { recursive: true });

  let imported: ImportResult[] = [];
  await phase(reporter, 'import', async (tick) => {
    // Headers are read here; packages not yet in the cache are imported by worker threads
    // when there are enough of them (import-pool.ts). Refs move only if all verified.
    imported = await importPackages(request.repo, request.packages, {
      concurrency: options.importConcurrency ?? Math.min(4, defaultParallelism()),
      onDone: (done) => tick(done, request.packages.length),
    });
  });
  const pkgs = imported.map((r) => r.pkg);
  assertNoFileConflicts(pkgs);

  let files = 0;
  const hardlink = options.hardlink ?? false;
  const devino = hardlink ? DevinoCache.empty() : null;
  await phase(reporter, 'assemble', async () => {
    files = await unionCheckout(request.repo, imported.map((r) => r.commit), root, reporter, { hardlink, ...(devino ? { devino } : {}) });
  });

  // The layout scriptlets expect: /etc at /etc, UsrMove links, mount points.
  if (existsSync(join(root, 'usr/etc'))) renameSync(join(root, 'usr/etc'), join(root, 'etc'));
  mkdirSync(join(root, 'etc'), { recursive: true });
  for (const dir of ['bin', 'sbin', 'lib', 'lib64']) {
    mkdirSync(join(root, 'usr', dir), { recursive: true });
    if (!existsSync(join(root, dir))) symlinkSync(`usr/${dir}`, join(root, dir));
  }
  for (const dir of ['var/tmp', 'dev', 'proc', 'sys', 'run', 'tmp', 'root']) mkdirSync(join(root, dir), { recursive: true });

  const scripts: ScriptRun[] = [];
  const runAll = async (sandboxRoot: string, kinds: readonly (typeof SCRIPT_ORDER)[number][]): Promise<void> => {
    for (const kind of kinds) {
      for (const pkg of pkgs) {
        const ran = await runScriptlet(sandboxRoot, pkg, kind, { reporter, bwrap: options.bwrap });
        if (ran) scripts.push(ran);
      }
    }
  };
  const runScripts = options.runScripts ?? true;
  const hasScripts = (kinds: readonly (typeof SCRIPT_ORDER)[number][], triggers = false): boolean =>
    runScripts && pkgs.some((p) => kinds.some((k) => p.scripts[k] !== null) || (triggers && (p.transFileTriggers.scripts.length > 0 || p.fileTriggers.conditions.length > 0)));
  // Scriptlets write on an overlay of a hardlinked tree (script-overlay.ts), never through a cache object.
  const sandboxed = async (fn: (sandboxRoot: string) => Promise<void>): Promise<void> => (hardlink ? withScriptOverlay(root, reporter, fn) : fn(root));
  await phase(reporter, 'scripts', async () => {
    if (hasScripts(['pretrans', 'prein'])) await sandboxed(async (r) => runAll(r, ['pretrans', 'prein']));
    await applyOwners(root, pkgs, { etcAt: 'etc', reporter });
    if (hasScripts(['postin', 'posttrans'], true)) {
      await sandboxed(async (r) => {
        await runAll(r, ['postin', 'posttrans']);
        scripts.push(...(await runTransFileTriggers(r, pkgs, { reporter, bwrap: options.bwrap })));
      });
    }
  });

  const timestamp = options.timestamp ?? rpmdbTimestamp(pkgs.map((p) => p.buildtime), options.env ?? process.env);
  let kernelVersion: string | null = null;
  await phase(reporter, 'postprocess', async () => {
    const result = postprocessTree(root, {
      rpmdbPackages: imported.map((r) => ({ headers: r.headers })),
      timestamp,
      machineidCompat: options.machineidCompat,
      etcGroupMembers: options.etcGroupMembers,
      reporter,
    });
    kernelVersion = result.kernelVersion;
  });

  return {
    rootDir: root,
    packages: imported.map((r) => ({ pkg: r.pkg, headers: r.headers, ref: r.ref, commit: r.commit, reusedImport: r.reused })),
    pkglist: pkgs.map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch })),
    scripts,
    kernelVersion,
    timestamp,
    files,
    devino,
  };
}

/** A scratch directory beside nothing in particular, for callers that want one. */
export function scratchRoot(prefix = 'atoll-assemble-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir: join(dir, 'root'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
