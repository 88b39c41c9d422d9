import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { type Reporter, info, phase } from '../../report/index.js';
import { variant, type Variant } from '../../gvariant/index.js';
import { Header, formatNevra, readRpmPackage, decodePackage, type RpmHeaderPackage, type RpmHeaders } from '../../rpm/index.js';
import { Repo, loadCommit } from '../../ostree/repo/index.js';
import { checkout } from '../../ostree/checkout/index.js';
import { commitToRepo } from '../../ostree/commit/index.js';
import { buildVars, baseArch, hostArch, defaultRepoConfig, downloadPackages, openRepo, packageFilter, parseRepoFile, type RepoConfig, type RpmmdRepo, type RepoPackage } from '../../rpmmd/index.js';
import { depsolve, type DepsolveRepo, type SolverPackage } from '../../depsolve/index.js';
import {
  applyOwners,
  importPackage,
  pkglistVariant,
  readRpmdbHeaders,
  runScriptlet,
  unionCheckout,
  moveTreeInto,
  withScriptOverlay,
  OSTREEMETA_XATTR,
  writeRpmdb,
  assertNoFileConflicts,
  type RpmdbPackage,
  type PkglistEntry,
} from '../../assemble/index.js';
import { type LayeringSpec, splitLocal } from './layering-spec.js';

/**
 * Client-side layering (client.md §"deploy with layering"): the base commit checked out,
 * requested packages solved against the base's rpmdb (base packages locked), downloaded,
 * imported into the client package cache, laid over the base, their scriptlets run in
 * bubblewrap, the rpmdb rewritten as base (installed blobs kept verbatim) + layered −
 * removed, and the result committed with the base as parent. Nothing in the sysroot's
 * deployments changes here; the work directory is removed whatever happens.
 */

/**
 * The local ref the derived commit is written under, in the commit's own transaction, so no
 * prune can take it before it is deployed; once deployed, the deployment's `ostree/B/S/I` ref
 * keeps it (as for rpm-ostree's layered commits) and syncBaseRefs drops this one.
 */
export const LAYERED_REF = 'rpmostree/client-layer/pending';

export interface RepoSpec {
  id: string;
  url: string;
}

export interface DeriveOptions {
  repo: Repo;
  baseCsum: string;
  spec: LayeringSpec;
  /** Directory holding `etc/yum.repos.d` (the merge deployment). */
  configRoot: string | undefined;
  repofrompath: RepoSpec[];
  /** Sysroot cache: rpm-md metadata, local RPMs, the package cache repo. */
  cacheDir: string;
  /** Scratch space on the repo's filesystem. */
  tmpDir: string;
  dryRun?: boolean;
  cacheOnly?: boolean;
  bwrap?: string;
  reporter: Reporter;
  now?: () => Date;
}

export interface DeriveResult {
  /** Undefined on a dry run. */
  commit: string | undefined;
  /** NEVRAs added by the layering (requested + dependencies), install order. */
  layered: string[];
  removed: string[];
  /** [new, old] NEVRA pairs. */
  replaced: Array<[string, string]>;
}

interface BasePackage {
  pkg: RpmHeaderPackage;
  blob: Uint8Array;
  nevra: string;
}

const EMPTY_SIGNATURE = new Header({ kind: 'signature', il: 0, dl: 0, entries: [], store: new Uint8Array(0) } as unknown as ConstructorParameters<typeof Header>[0]);

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function baseFromRpmdb(root: string): BasePackage[] {
  const dbDir = join(root, 'usr/share/rpm');
  if (!existsSync(join(dbDir, 'rpmdb.sqlite'))) {
    throw new AtollError('HOST_LAYER_NO_RPMDB', 'the base commit has no usr/share/rpm/rpmdb.sqlite: packages cannot be layered on it');
  }
  return readRpmdbHeaders(dbDir)
    .filter(({ header }) => header.string(1000) !== 'gpg-pubkey')
    .map(({ header, blob }) => {
      // Installed blobs keep the signature's digests as main-header tags; the dependency
      // model needs none of them, so an empty signature header stands in.
      const pkg = decodePackage(EMPTY_SIGNATURE, header, { headerStart: 0, payloadStart: 0, leadMajor: 3 });
      return { pkg, blob, nevra: formatNevra(pkg) };
    });
}

function solverPackage(p: RpmHeaderPackage | RepoPackage): SolverPackage {
  return { ...p, files: p.files.map((f) => f.path) };
}

/** yum.repos.d of the merge deployment (enabled sections) plus `--repofrompath`. */
async function loadRepos(options: DeriveOptions, arch: string): Promise<Array<{ config: RepoConfig; repo: RpmmdRepo }>> {
  const configs: RepoConfig[] = [];
  if (options.configRoot !== undefined) {
    const dir = join(options.configRoot, 'etc/yum.repos.d');
    const names = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.repo')).sort() : [];
    const vars = buildVars({ arch });
    for (const name of names) {
      for (const r of parseRepoFile(await readFile(join(dir, name), 'utf8'), join(dir, name), vars, options.reporter)) if (r.enabled) configs.push(r);
    }
  }
  for (const r of options.repofrompath) configs.push(defaultRepoConfig(r.id, [r.url]));
  const out: Array<{ config: RepoConfig; repo: RpmmdRepo }> = [];
  for (const config of configs) {
    const repo = await openRepo(config, { cacheRoot: options.cacheDir, reporter: options.reporter, cacheOnly: Boolean(options.cacheOnly), refresh: !options.cacheOnly });
    out.push({ config, repo });
  }
  return out;
}

function matches(p: { name: string; nevra: string }, spec: string): boolean {
  return p.name === spec || p.nevra === spec;
}

const SCRIPT_KINDS = ['pretrans', 'prein', 'postin', 'posttrans'] as const;

/** Where a package path lives in an OSTree commit (config under usr/etc); undefined for /var and /. */
function storedPath(path: string): string | undefined {
  let rel = path.replace(/^\/+/, '');
  if (rel.startsWith('etc/')) rel = `usr/${rel}`;
  if (rel.startsWith('var/') || rel === '' || rel === 'var') return undefined;
  return rel;
}

/** Delete a removed package's files from an OSTree-shaped tree (config under usr/etc; /var is not in commits). */
function removeFiles(root: string, pkg: RpmHeaderPackage, keep: ReadonlySet<string>): void {
  for (const f of pkg.files) {
    if (keep.has(f.path)) continue;
    let rel = f.path.replace(/^\/+/, '');
    if (rel.startsWith('etc/')) rel = `usr/${rel}`;
    if (rel.startsWith('var/') || rel === '') continue;
    const path = join(root, rel);
    try {
      if (!lstatSync(path).isDirectory()) rmSync(path);
    } catch {
      // already gone (e.g. a %ghost): nothing to remove
    }
  }
}

export async function deriveCommit(options: DeriveOptions): Promise<DeriveResult> {
  const { repo, reporter, spec } = options;
  const arch = baseArch(hostArch());
  mkdirSync(options.tmpDir, { recursive: true });
  const work = mkdtempSync(join(options.tmpDir, 'atoll-layer-'));
  try {
    const root = join(work, 'root');
    const baseCommit = await loadCommit(repo, options.baseCsum);
    // The base's rpmdb alone first: solving needs nothing else from the base tree.
    const dbRoot = join(work, 'base-rpmdb');
    mkdirSync(join(dbRoot, 'usr/share'), { recursive: true });
    try {
      await checkout(repo, options.baseCsum, join(dbRoot, 'usr/share/rpm'), { subpath: '/usr/share/rpm', forceCopy: true });
    } catch {
      // no usr/share/rpm in the base: baseFromRpmdb says so
    }
    const base = baseFromRpmdb(dbRoot);

    // Local packages (cached by SHA256 when requested).
    const localDir = join(options.cacheDir, 'local');
    const readLocal = (entry: string): { path: string; headers: RpmHeaders; pkg: RpmHeaderPackage } => {
      const { sha256 } = splitLocal(entry);
      const path = join(localDir, `${sha256}.rpm`);
      if (!existsSync(path)) throw new AtollError('HOST_LAYER_LOCAL_MISSING', `local package ${entry} is no longer in ${localDir}`, { hint: 'install the .rpm file again' });
      return { path, ...readRpmPackage(readFileSync(path)) };
    };
    const locals = spec.requestedLocal.map(readLocal);
    const replacements = spec.replaceLocal.map(readLocal);

    // Removals and replacements take base packages out of the installed set.
    const removed: BasePackage[] = [];
    for (const r of spec.removals) {
      const found = base.filter((b) => matches({ name: b.pkg.name, nevra: b.nevra }, r));
      if (found.length === 0) throw new AtollError('HOST_LAYER_NOT_IN_BASE', `cannot remove '${r}': it is not a package of the base commit`);
      removed.push(...found);
    }
    const replaced: Array<[string, string]> = [];
    const replacedOld: BasePackage[] = [];
    for (const r of replacements) {
      const old = base.find((b) => b.pkg.name === r.pkg.name);
      if (old === undefined) throw new AtollError('HOST_LAYER_NOT_IN_BASE', `cannot replace '${r.pkg.name}': it is not a package of the base commit`);
      replacedOld.push(old);
      replaced.push([formatNevra(r.pkg), old.nevra]);
    }
    const gone = new Set([...removed, ...replacedOld].map((b) => b.nevra));
    const kept = base.filter((b) => !gone.has(b.nevra));

    const repos = await phase(reporter, 'repositories', async () => (spec.requested.length > 0 ? loadRepos(options, arch) : []));
    const byNevra = new Map<string, { repo: RpmmdRepo; pkg: RepoPackage } | { path: string; headers: RpmHeaders; pkg: RpmHeaderPackage }>();
    const solverRepos: DepsolveRepo[] = [];
    for (const { config, repo: r } of repos) {
      const filter = packageFilter(config);
      const pkgs = r.packages.filter((p) => filter({ name: p.name, nevras: [formatNevra(p)] }));
      for (const p of pkgs) if (!byNevra.has(formatNevra(p))) byNevra.set(formatNevra(p), { repo: r, pkg: p });
      solverRepos.push({ name: config.id, priority: config.priority, cost: config.cost, packages: pkgs.map(solverPackage) });
    }
    const cmdline = [...locals, ...replacements];
    for (const l of cmdline) byNevra.set(formatNevra(l.pkg), l);
    if (cmdline.length > 0) solverRepos.push({ name: '@commandline', packages: cmdline.map((l) => solverPackage(l.pkg)) });

    // Local packages by exact EVR (the solver's specs are names, provides or `name = evr`).
    const install = [...spec.requested, ...cmdline.map((l) => `${l.pkg.name} = ${l.pkg.epoch ? `${l.pkg.epoch}:` : ''}${l.pkg.version}-${l.pkg.release}`)];
    let layered: string[] = [];
    if (install.length > 0) {
      const result = depsolve({
        arch,
        repos: solverRepos,
        installed: kept.map((b) => solverPackage(b.pkg)),
        install,
        lock: kept.map((b) => b.pkg.name),
        best: true,
      });
      if (!result.ok) {
        const lines = result.problems.flatMap((p, i) => [`problem ${i + 1}: ${p.message}`, ...p.explanation.map((e) => `  - ${e}`)]);
        throw new AtollError('HOST_LAYER_DEPSOLVE', `the requested packages cannot be layered:\n${lines.join('\n')}`, { data: { problems: result.problems } });
      }
      const baseNevras = new Set(kept.map((b) => b.nevra));
      const erased = result.steps.filter((s) => baseNevras.has(s.nevra) && s.kind !== 'install');
      if (erased.length > 0) {
        throw new AtollError('HOST_LAYER_DEPSOLVE', `Forbidden base package replacements: ${erased.map((s) => s.nevra).join(', ')}`);
      }
      layered = result.steps.filter((s) => s.kind === 'install' && !baseNevras.has(s.nevra)).map((s) => s.nevra);
      if (layered.length === 0) layered = result.packages.filter((n) => !baseNevras.has(n));
    }
    info(reporter, `Layering ${layered.length} packages: ${layered.join(' ')}`);
    const result: DeriveResult = { commit: undefined, layered, removed: removed.map((b) => b.nevra), replaced };
    if (options.dryRun) return result;

    // Download the repo packages (verified against primary), then import everything.
    const paths = new Map<string, string>();
    await phase(reporter, 'download', async () => {
      for (const { repo: r } of repos) {
        const mine = layered.map((n) => byNevra.get(n)).filter((e): e is { repo: RpmmdRepo; pkg: RepoPackage } => e !== undefined && 'repo' in e && e.repo === r);
        if (mine.length === 0) continue;
        for (const d of await downloadPackages(r, mine.map((e) => e.pkg))) paths.set(formatNevra(d.pkg), d.path);
      }
      for (const l of cmdline) paths.set(formatNevra(l.pkg), l.path);
    });
    const pkgcachePath = join(options.cacheDir, 'pkgcache-repo');
    const pkgcache = existsSync(join(pkgcachePath, 'config')) ? await Repo.open(pkgcachePath) : await Repo.init(pkgcachePath, 'bare-user');
    const imported: Array<{ pkg: RpmHeaderPackage; headers: RpmHeaders; commit: string }> = [];
    await phase(reporter, 'import', async () => {
      for (const nevra of layered) {
        const path = paths.get(nevra);
        if (path === undefined) throw new Error(`no file for ${nevra}`);
        const r = await importPackage(pkgcache, path, { reporter });
        imported.push({ pkg: r.pkg, headers: r.headers, commit: r.commit });
      }
    });
    assertNoFileConflicts([...kept.map((b) => b.pkg), ...imported.map((i) => i.pkg)]);

    const pkgs = imported.map((i) => i.pkg);
    const owned = new Set<string>([...kept, ...imported].flatMap((p) => p.pkg.files.map((f) => f.path)));
    const now = Math.floor((options.now ?? (() => new Date()))().getTime() / 1000);
    const all: PkglistEntry[] = [...kept.map((b) => b.pkg), ...pkgs].map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch }));
    const metadata: Array<[string, Variant]> = [];
    const version = baseCommit.metadata.get('version');
    if (version !== undefined) metadata.push(['version', version]);
    metadata.push(['rpmostree.clientlayer', variant('b', true)]);
    metadata.push(['rpmostree.clientlayer_version', variant('u', 6)]);
    metadata.push(['rpmostree.packages', variant('as', [...spec.requested].sort())]);
    metadata.push(['rpmostree.modules', variant('as', [])]);
    metadata.push(['rpmostree.removed-base-packages', variant('as', removed.map((b) => b.nevra))]);
    metadata.push(['rpmostree.replaced-base-packages', variant('as', replaced.map(([n, o]) => `${n}:${o}`))]);
    metadata.push(['rpmostree.rpmdb.pkglist', pkglistVariant(all)]);
    const dbPackages: RpmdbPackage[] = [...kept.map((b) => ({ installedBlob: b.blob })), ...imported.map((i) => ({ headers: i.headers }))];
    const commitRequest = { timestamp: now, metadata, parent: options.baseCsum, bootable: baseCommit.metadata.has('ostree.bootable'), skipXattrs: [OSTREEMETA_XATTR], branch: LAYERED_REF, noBindings: true };

    // Nothing to run and no owner to fix: the derived commit is the base's trees plus a delta
    // (files of removed packages out, the new rpmdb and the package files in), built without
    // checking the base out or re-reading its files.
    // ATOLL_LAYERING_FULL_TREE=1 forces the full path (tests compare the two).
    const needsTree = process.env.ATOLL_LAYERING_FULL_TREE === '1' || pkgs.some((p) => SCRIPT_KINDS.some((k) => p.scripts[k] !== null) || p.files.some((f) => f.user !== 'root' || f.group !== 'root'));
    if (!needsTree) {
      const layer = join(work, 'layer');
      await phase(reporter, 'assemble', async () => {
        await unionCheckout(pkgcache, imported.map((i) => i.commit), layer, reporter);
        rmSync(join(layer, 'var'), { recursive: true, force: true });
        writeRpmdb(join(layer, 'usr/share/rpm'), dbPackages, { timestamp: now });
      });
      const gonePaths = [...removed, ...replacedOld].flatMap((b) => b.pkg.files.filter((f) => !owned.has(f.path)).map((f) => storedPath(f.path))).filter((p): p is string => p !== undefined);
      const committed = await phase(reporter, 'commit', async () =>
        commitToRepo(repo, { ...commitRequest, trees: [{ commit: options.baseCsum }, { remove: gonePaths, filesOnly: true }, { remove: ['usr/share/rpm'] }, { dir: layer, keepExistingDirMeta: true }] }, reporter),
      );
      result.commit = committed.checksum;
      return result;
    }

    // A hardlink checkout (ostree checkout -H), as rpm-ostree's tmp rootfs: nothing below
    // writes through a link — removed files are unlinked, package files and the rpmdb are
    // renamed in, owners change after a copy-up and scriptlets write on an overlay.
    await phase(reporter, 'checkout base', async () => {
      await checkout(repo, options.baseCsum, root, {});
    });
    await phase(reporter, 'assemble', async () => {
      // Files of removed packages go unless a kept or new package owns the same path.
      for (const b of [...removed, ...replacedOld]) removeFiles(root, b.pkg, owned);
      const layer = join(work, 'layer');
      await unionCheckout(pkgcache, imported.map((i) => i.commit), layer, reporter);
      // /var is not part of commits (rpm-ostree turns it into tmpfiles.d entries).
      rmSync(join(layer, 'var'), { recursive: true, force: true });
      // Renamed in (a base file a package replaces is unlinked, not written through); the
      // base keeps the metadata of directories it already has.
      moveTreeInto(layer, root, { existingDirs: 'keep' });
    });

    // Scriptlets see /etc at /etc, as on a running system.
    const etcMoved = existsSync(join(root, 'usr/etc')) && !existsSync(join(root, 'etc'));
    if (etcMoved) renameSync(join(root, 'usr/etc'), join(root, 'etc'));
    // The base's toplevel links (tmp → sysroot/tmp ...) dangle here; scriptlets get real dirs.
    const links = new Map<string, string>();
    for (const name of ['tmp', 'root', 'home', 'mnt', 'opt', 'srv', 'media']) {
      const p = join(root, name);
      if (existsSync(p) || lstatExists(p)) {
        if (lstatSync(p).isSymbolicLink()) {
          links.set(name, readlinkSync(p));
          rmSync(p);
          if (name === 'tmp') mkdirSync(p);
        }
      }
    }
    await phase(reporter, 'scripts', async () => {
      const bwrap = options.bwrap ? { bwrap: options.bwrap } : {};
      const run = async (kinds: readonly ('pretrans' | 'prein' | 'postin' | 'posttrans')[]): Promise<void> => {
        if (!pkgs.some((p) => kinds.some((k) => p.scripts[k] !== null))) return;
        // On an overlay of the hardlinked tree: a script's write never reaches a repo object.
        await withScriptOverlay(root, reporter, async (r) => {
          for (const kind of kinds) for (const p of pkgs) await runScriptlet(r, p, kind, { reporter, ...bwrap });
        });
      };
      await run(['pretrans', 'prein']);
      await applyOwners(root, pkgs, { etcAt: 'etc', reporter });
      await run(['postin', 'posttrans']);
    });
    if (etcMoved) renameSync(join(root, 'etc'), join(root, 'usr/etc'));
    for (const [name, target] of links) {
      rmSync(join(root, name), { recursive: true, force: true });
      symlinkSync(target, join(root, name));
    }
    for (const scratch of ['run', 'var/tmp']) {
      const dir = join(root, scratch);
      if (existsSync(dir) && lstatSync(dir).isDirectory()) for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
    }

    // rpmdb: the base's installed blobs verbatim, then the new packages.
    const dbDir = join(root, 'usr/share/rpm');
    rmSync(dbDir, { recursive: true, force: true });
    mkdirSync(dbDir, { recursive: true });
    writeRpmdb(dbDir, dbPackages, { timestamp: now });
    // Base files are hardlinks of this repo's objects (the devino cache reuses their checksums);
    // package files of the bare-user cache's, whose metadata xattr is not the file's.
    const committed = await phase(reporter, 'commit', async () => commitToRepo(repo, { ...commitRequest, trees: [root] }, reporter));
    result.commit = committed.checksum;
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
