import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AtollError } from '../errors/index.js';
import { info, nullReporter, phase, warn, type Reporter } from '../report/index.js';
import { bswap64, variant, type GVariantValue, type Variant } from '../gvariant/index.js';
import { Repo, loadCommit, readRef, resolveRev } from '../ostree/repo/index.js';
import { checkout } from '../ostree/checkout/index.js';
import { commitToRepo } from '../ostree/commit/index.js';
import { updateSummary } from '../ostree/summary/index.js';
import { downloadPackages, type Transport } from '../rpmmd/index.js';
import { assembleTree, pkglistVariant, OSTREEMETA_XATTR, type AssembleResult } from '../assemble/index.js';
import { loadTreefile, type Treefile, type TreefileConfig } from './treefile/index.js';
import { loadComposeRepos, type ComposeRepo } from './compose-repos.js';
import { resolvePackages, type ResolvedPackage } from './resolve-packages.js';
import { installOrder } from './install-order.js';
import { lockfileFor, readLockfiles } from './lockfile.js';
import { removeTreeInWorker, removeTreeSync, writeFileAtomic } from '../util/index.js';
import { computeInputHash } from './input-hash.js';
import { nextVersion } from './next-version.js';
import { addFilesList, postprocessForTreefile, postprocessScriptPath } from './treefile-postprocess.js';
import { checkPasswdGroups } from './check-passwd.js';
import { commitContentChecksums, pruneArchiveObjectCache } from './archive-object-cache.js';

export interface ComposeTreeOptions {
  treefile: string;
  /** Target repository; needed unless dryRun/downloadOnly. */
  repo?: string;
  /** Cache root: rpm-md metadata, downloaded RPMs, `pkgcache-repo`. Default: a temporary directory. */
  cachedir?: string;
  cacheOnly?: boolean;
  forceNocache?: boolean;
  dryRun?: boolean;
  downloadOnly?: boolean;
  basearch?: string;
  /** `--add-metadata-string K=V`, in order. */
  addMetadata?: Array<[string, string]>;
  /** `--ex-lockfile` files (merged in order) and `--ex-lockfile-strict`. */
  lockfiles?: string[];
  lockfileStrict?: boolean;
  /** `--ex-write-lockfile-to`: written after the depsolve. */
  writeLockfileTo?: string;
  /** `--write-commitid-to`: write the checksum here and leave the ref alone. */
  writeCommitidTo?: string;
  /** `--parent REV` / `--no-parent` (null); default the previous commit. */
  parent?: string | null;
  /** `--touch-if-changed`: touch this file when a new commit is written. */
  touchIfChanged?: string;
  /** Repository holding `ostree-layers` refs (`--layer-repo`; default the target repository). */
  layerRepo?: string;
  /** Override the previous commit (default: the ref's current commit in --repo). */
  previousCommit?: string;
  /** Clock (dates in the version, commit timestamp when SOURCE_DATE_EPOCH is unset). */
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
  transport?: Transport;
  reporter?: Reporter;
  bwrap?: string;
}

export interface ComposeTransactionEntry {
  nevra: string;
  repo: string;
}

export interface ComposeTreeResult {
  ref: string | null;
  /** Install order. */
  transaction: ComposeTransactionEntry[];
  inputHash: string;
  /** 'dry-run' | 'download-only' | 'unchanged' | 'committed'. */
  outcome: 'dry-run' | 'download-only' | 'unchanged' | 'committed';
  previousCommit: string | null;
  commit: string | null;
  version: string | null;
  files: number;
  bytes: number;
  seconds: number;
  /** rpm-ostree's compose.json fields. */
  composeJson: Record<string, unknown> | null;
}

function jsonToVariant(value: unknown, key: string): Variant {
  if (typeof value === 'string') return variant('s', value);
  if (typeof value === 'boolean') return variant('b', value);
  if (typeof value === 'number') return Number.isInteger(value) ? variant('x', BigInt(value)) : variant('d', value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return variant('as', value as string[]);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return variant('a{sv}', new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonToVariant(v, `${key}.${k}`)])) as ReadonlyMap<GVariantValue, GVariantValue>);
  }
  throw new AtollError('COMPOSE_BAD_METADATA', `add-commit-metadata: cannot store '${key}' (${JSON.stringify(value)}) as a GVariant`);
}

/** Every file the treefile reads besides treefiles: part of the input hash. */
async function externalFiles(config: TreefileConfig, treefileDir: string): Promise<Array<[string, Uint8Array]>> {
  const paths: string[] = [];
  const script = postprocessScriptPath(config, treefileDir);
  if (script !== null) paths.push(script);
  for (const { source } of addFilesList(config, treefileDir)) paths.push(source);
  for (const key of ['check-passwd', 'check-groups']) {
    const spec = config[key] as Record<string, unknown> | undefined;
    if (spec?.type === 'file' && typeof spec.filename === 'string') paths.push(resolve(treefileDir, spec.filename));
  }
  const out: Array<[string, Uint8Array]> = [];
  for (const p of paths) {
    try {
      out.push([p, await readFile(p)]);
    } catch (error) {
      throw new AtollError('COMPOSE_EXTERNAL_MISSING', `the treefile refers to ${p}, which cannot be read`, { cause: error, data: { path: p } });
    }
  }
  return out;
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

async function openOrInit(path: string, mode: 'bare-user'): Promise<Repo> {
  if (existsSync(join(path, 'config'))) return Repo.open(path);
  mkdirSync(dirname(path), { recursive: true });
  return Repo.init(path, mode);
}

/**
 * `atoll compose tree`: treefile → repos → depsolve → input hash → download → assemble →
 * treefile postprocess → commit (compose.md's 16 steps, SELinux labeling and dracut aside).
 * Nothing touches the target repository's refs until the final commit transaction, so every
 * failure leaves them as they were.
 */
export async function composeTree(options: ComposeTreeOptions): Promise<ComposeTreeResult> {
  const started = Date.now();
  const reporter = options.reporter ?? nullReporter;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const treefile: Treefile = await loadTreefile(options.treefile, { reporter, ...(options.basearch ? { basearch: options.basearch } : {}) });
  const config = treefile.config;
  const treefileDir = dirname(treefile.path);
  const basearch = String(config.basearch);
  const ref = typeof config.ref === 'string' ? config.ref : null;
  const needsRepo = !options.dryRun && !options.downloadOnly;
  if (needsRepo && options.repo === undefined) throw new AtollError('COMPOSE_NO_REPO', 'a compose needs --repo (the OSTree repository to commit into)');
  if (needsRepo && ref === null) throw new AtollError('COMPOSE_NO_REF', `treefile ${treefile.path} has no 'ref'`);

  // Step 2: previous state.
  const target = options.repo !== undefined && existsSync(join(options.repo, 'config')) ? await Repo.open(options.repo) : null;
  if (needsRepo && target === null) throw new AtollError('COMPOSE_NO_REPO', `${options.repo} is not an OSTree repository`, { hint: "create it with 'atoll init --repo PATH --mode archive' (or ostree init)" });
  const previous = options.previousCommit ?? (target && ref ? ((await readRef(target, ref)) ?? null) : null);
  const previousCommit = previous !== null && target ? await loadCommit(target, previous) : null;
  if (previous !== null) info(reporter, `Previous commit: ${previous}`);

  const tempCache = options.cachedir === undefined ? mkdtempSync(join(tmpdir(), 'atoll-compose-cache-')) : null;
  const cachedir = resolve(options.cachedir ?? tempCache!);
  mkdirSync(cachedir, { recursive: true });
  const workParent = join(cachedir, 'tmp');
  let work: string | null = null;
  let removal: Promise<void> | null = null;
  try {
    // Steps 4–5: repos, depsolve, transaction.
    const repos: ComposeRepo[] = await phase(reporter, 'repositories', async () =>
      loadComposeRepos(config, { treefilePath: treefile.path, cacheRoot: cachedir, basearch, cacheOnly: options.cacheOnly, reporter, ...(options.transport ? { transport: options.transport } : {}) }),
    );
    const lockfile = await readLockfiles(options.lockfiles ?? []);
    const resolved: ResolvedPackage[] = await phase(reporter, 'depsolve', async () =>
      installOrder(resolvePackages(config, repos, basearch, { lockfile, lockfileStrict: Boolean(options.lockfileStrict) })),
    );
    if (options.writeLockfileTo !== undefined) await writeFileAtomic(options.writeLockfileTo, lockfileFor(resolved, now()));
    const transaction = resolved.map((r) => ({ nevra: r.nevra, repo: r.repo.config.id }));
    info(reporter, `Installing ${resolved.length} packages:`);
    for (const t of transaction) info(reporter, `  ${t.nevra} (${t.repo})`);

    // ostree-layers: resolved now, since their commits are part of the input hash.
    const layerRepo = options.layerRepo !== undefined ? await Repo.open(options.layerRepo) : target;
    const layers: Array<{ ref: string; commit: string; override: boolean }> = [];
    for (const [key, override] of [['ostree-layers', false], ['ostree-override-layers', true]] as const) {
      for (const layerRef of Array.isArray(config[key]) ? (config[key] as string[]) : []) {
        let commit: string | null = null;
        if (layerRepo !== null) commit = await resolveRev(layerRepo, layerRef).catch(() => null);
        if (commit === null) warn(reporter, `${key}: '${layerRef}' does not resolve in ${options.layerRepo ?? options.repo ?? 'any repository'}; the layer is not applied`, 'COMPOSE_RECORDED_ONLY');
        else layers.push({ ref: layerRef, commit, override });
      }
    }

    // Step 6: input hash.
    const inputHash = computeInputHash({
      config,
      externals: [...(await externalFiles(config, treefileDir)), ...layers.map((l): [string, Uint8Array] => [`ostree-layer:${l.ref}`, Buffer.from(l.commit)])],
      packages: resolved.map((r) => ({ nevra: r.nevra, checksum: `${r.pkg.checksumType}:${r.pkg.pkgid}` })),
    });
    info(reporter, `Input state hash: ${inputHash}`);
    const base = { ref, transaction, inputHash, previousCommit: previous, files: 0, bytes: 0, composeJson: null };
    if (options.dryRun) return { ...base, outcome: 'dry-run', commit: null, version: null, seconds: (Date.now() - started) / 1000 };
    const previousHash = previousCommit?.metadata.get('rpmostree.inputhash')?.value;
    if (!options.downloadOnly && !options.forceNocache && previousHash === inputHash) {
      info(reporter, 'No apparent changes since previous commit; use --force-nocache to override');
      return { ...base, outcome: 'unchanged', commit: previous, version: null, seconds: (Date.now() - started) / 1000 };
    }

    // Step 7: download (verified against primary's checksums).
    const paths = new Map<string, string>();
    await phase(reporter, 'download', async () => {
      for (const entry of repos) {
        const mine = resolved.filter((r) => r.repo === entry);
        if (mine.length === 0) continue;
        for (const d of await downloadPackages(entry.repo, mine.map((r) => r.pkg), options.transport ? { transport: options.transport } : {})) {
          paths.set(`${d.pkg.pkgid}`, d.path);
        }
      }
    });
    if (options.downloadOnly) return { ...base, outcome: 'download-only', commit: null, version: null, seconds: (Date.now() - started) / 1000 };

    // Step 3: version.
    const explicitVersion = options.addMetadata?.find(([k]) => k === 'version')?.[1] ?? (config['add-commit-metadata'] as Record<string, unknown> | undefined)?.version;
    const prefix = config['automatic-version-prefix'];
    const previousVersion = previousCommit?.metadata.get('version')?.value;
    let version: string | null = typeof explicitVersion === 'string' ? explicitVersion : null;
    if (version === null && typeof prefix === 'string') {
      version = nextVersion(prefix, typeof previousVersion === 'string' ? previousVersion : null, now());
      const suffix = config['automatic-version-suffix'];
      if (typeof suffix === 'string' && suffix !== '') warn(reporter, 'automatic-version-suffix is recorded only', 'COMPOSE_RECORDED_ONLY');
    }
    if (version !== null) info(reporter, `New version: ${version}`);

    // Steps 8–14: assemble in the package cache, then the treefile's postprocessing.
    mkdirSync(workParent, { recursive: true });
    work = mkdtempSync(join(workParent, 'compose-'));
    const rootDir = join(work, 'rootfs');
    const pkgcache = await openOrInit(join(cachedir, 'pkgcache-repo'), 'bare-user');
    const assembled: AssembleResult = await assembleTree({
      // rpm-ostree's repodata checksum repr: "TYPE:HEX".
      packages: resolved.map((r) => ({ path: paths.get(r.pkg.pkgid)!, repodataChecksum: `${r.pkg.checksumType}:${r.pkg.pkgid}` })),
      repo: pkgcache,
      rootDir,
      reporter,
      options: {
        machineidCompat: config['machineid-compat'] !== false,
        etcGroupMembers: Array.isArray(config['etc-group-members']) ? (config['etc-group-members'] as string[]) : [],
        env,
        ...(options.bwrap ? { bwrap: options.bwrap } : {}),
        // Package files are hardlinks of the cache's objects (rpm-ostree's hardlink union; cheap
        // to lay out, to commit through the devino cache, and to delete). Every later in-place
        // edit copies up first; ostree-layers are checked out over the tree in union mode,
        // which the copying assembly keeps safe.
        hardlink: layers.length === 0,
      },
    });
    if (layers.length > 0) {
      await phase(reporter, 'ostree layers', async () => {
        for (const l of layers) {
          // Copies, not hardlinks: postprocessing must never modify the layer repository's objects.
          // ostree-layers add to the packages' files; ostree-override-layers may replace them.
          await checkout(layerRepo!, l.commit, rootDir, { forceCopy: true, ...(l.override ? { union: true } : { unionAdd: true }) });
        }
        // A layer's /etc belongs in usr/etc like the packages' config.
        const etc = join(rootDir, 'etc');
        if (existsSync(etc)) {
          cpSync(etc, join(rootDir, 'usr/etc'), { recursive: true, force: true, verbatimSymlinks: true });
          rmSync(etc, { recursive: true, force: true });
        }
      });
    }
    await phase(reporter, 'treefile postprocess', async () => {
      await postprocessForTreefile(rootDir, { config, treefileDir, packages: assembled.packages, version, reporter, ...(options.bwrap ? { bwrap: options.bwrap } : {}) });
      await checkPasswdGroups({ config, treefileDir, root: rootDir, repo: target, previous });
    });

    // Step 16: commit.
    const metadata: Array<[string, Variant]> = [];
    if (version !== null) metadata.push(['version', variant('s', version)]);
    metadata.push(['rpmostree.inputhash', variant('s', inputHash)]);
    metadata.push(['rpmostree.rpmdb.pkglist', pkglistVariant(assembled.pkglist)]);
    metadata.push([
      'rpmostree.rpmmd-repos',
      variant(
        'aa{sv}',
        repos.map((r) => new Map<GVariantValue, GVariantValue>([
          ['id', variant('s', r.config.id)],
          // Big-endian, as rpm-ostree stores it (GUINT64_TO_BE) and `ostree show` prints it.
          ['timestamp', variant('t', bswap64(BigInt(repoTimestamp(r))))],
        ])),
      ),
    ]);
    if (Array.isArray(config['initramfs-args'])) metadata.push(['rpmostree.initramfs-args', variant('as', config['initramfs-args'] as string[])]);
    for (const [k, v] of Object.entries((config['add-commit-metadata'] ?? {}) as Record<string, unknown>)) {
      if (k === 'version' && version !== null) continue;
      metadata.push([k, jsonToVariant(v, k)]);
    }
    for (const [k, v] of options.addMetadata ?? []) {
      if (k === 'version') continue;
      const at = metadata.findIndex(([key]) => key === k);
      if (at >= 0) metadata.splice(at, 1);
      metadata.push([k, variant('s', v)]);
    }
    const sde = env.SOURCE_DATE_EPOCH;
    const timestamp = sde !== undefined && /^\d+$/.test(sde) ? Number(sde) : Math.floor(now().getTime() / 1000);
    const parent = options.parent !== undefined ? (options.parent === null ? null : await resolveRev(target!, options.parent)) : previous;
    const committed = await commitToRepo(
      target!,
      {
        trees: [rootDir],
        ...(options.writeCommitidTo === undefined ? { branch: ref! } : {}),
        timestamp,
        metadata,
        parent,
        bootable: assembled.kernelVersion !== null,
        // Files still hardlinked to package-cache objects keep their checksum unhashed; the
        // checkout recorded which inodes those are.
        devinoFrom: [pkgcache],
        ...(assembled.devino ? { devinoCache: assembled.devino } : {}),
        // The packages' archive objects, kept from earlier composes: a warm compose links them.
        archiveObjectCache: join(cachedir, 'archive-objects'),
        // Package files are hardlinks of bare-user cache objects: their metadata xattr is not the file's.
        skipXattrs: [OSTREEMETA_XATTR],
        // Deleting the work tree (one unlink per file, one rmdir per directory) overlaps with
        // the commit moving its objects into place.
        onTreesRead: () => {
          if (work !== null && removal === null) removal = removeTreeInWorker(work);
        },
      },
      reporter,
    );
    if (options.writeCommitidTo !== undefined) await writeFileAtomic(options.writeCommitidTo, committed.checksum);
    else await updateSummary(target!);
    if (options.touchIfChanged !== undefined) {
      const t = new Date();
      await writeFile(options.touchIfChanged, '', { flag: 'a' });
      await utimes(options.touchIfChanged, t, t);
    }
    if (target!.mode === 'archive' && tempCache === null) {
      // The packages' files: what the hardlink checkout laid out, else (copying assembly) the commit's tree.
      const devino = assembled.devino;
      const used = async (): Promise<ReadonlySet<string>> => (devino !== null ? devino.checksums() : await commitContentChecksums(target!, committed.checksum));
      await pruneObjectCache(used, join(cachedir, 'archive-objects'), now(), reporter);
    }
    const commitObj = await loadCommit(target!, committed.checksum);
    const fileCount = committed.stats.files + committed.stats.devinoHits;
    const seconds = (Date.now() - started) / 1000;
    info(
      reporter,
      `Composed ${ref}: ${resolved.length} packages, ${fileCount} files, ${humanBytes(committed.stats.bytes)}, ${seconds.toFixed(1)} s, commit ${committed.checksum}`,
    );
    const composeJson: Record<string, unknown> = {
      ref,
      'ostree-commit': committed.checksum,
      'ostree-content-checksum': commitObj.rootTree,
      ...(version !== null ? { 'ostree-version': version } : {}),
      'ostree-timestamp': timestamp,
      'rpm-ostree-inputhash': inputHash,
      'ostree-n-content-total': fileCount,
      'ostree-n-cache-hits': committed.stats.devinoHits,
      'ostree-content-bytes-written': committed.stats.bytes,
    };
    return { ...base, outcome: 'committed', commit: committed.checksum, version, files: fileCount, bytes: committed.stats.bytes, seconds, composeJson };
  } finally {
    if (removal !== null) await removal;
    else if (work !== null) removeTreeSync(work);
    if (tempCache !== null) rmSync(tempCache, { recursive: true, force: true });
  }
}

/** After a successful archive compose: age out the archive-object cache (archive-object-cache.ts). A failure only warns. */
async function pruneObjectCache(used: () => Promise<ReadonlySet<string>>, cacheDir: string, when: Date, reporter: Reporter): Promise<void> {
  try {
    const pruned = await pruneArchiveObjectCache(cacheDir, await used(), when);
    if (pruned.dropped > 0) info(reporter, `Archive object cache: dropped ${pruned.dropped} unused objects (${humanBytes(pruned.freedBytes)}), kept ${pruned.kept}`);
  } catch (error) {
    warn(reporter, `could not prune the archive object cache ${cacheDir}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The repository's revision for `rpmostree.rpmmd-repos`: repomd's revision if numeric, else its newest record. */
function repoTimestamp(r: ComposeRepo): number {
  const rev = r.repo.repomd.revision;
  if (rev !== null && /^\d+$/.test(rev)) return Number(rev);
  return r.repo.repomd.records.reduce((a, rec) => Math.max(a, rec.timestamp ?? 0), 0);
}
