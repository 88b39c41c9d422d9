import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import type { Nevra } from '../../rpm/index.js';
import type * as RpmModule from '../../rpm/index.js';
import type { RepoPackage, RepoConfig, RpmmdRepo } from '../../rpmmd/index.js';
import type * as RpmmdModule from '../../rpmmd/index.js';

// Implementations load in a preAction hook (see program.ts): start-up only registers names and options.
let rpm: typeof RpmModule;
let rpmmd: typeof RpmmdModule;

/** Load what the actions of this file call (once; before the first action runs). */
export async function loadRpmRepoCommands(): Promise<void> {
  [rpm, rpmmd] = await Promise.all([import('../../rpm/index.js'), import('../../rpmmd/index.js')]);
}

/** `$XDG_CACHE_HOME/atoll`, else `~/.cache/atoll`. */
export function defaultCacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return xdg && xdg.startsWith('/') ? join(xdg, 'atoll') : join(homedir(), '.cache', 'atoll');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `ID,URL` as dnf's --repofrompath takes it; a plain path becomes file://. */
export function parseRepoFromPath(spec: string): RepoConfig {
  const comma = spec.indexOf(',');
  if (comma <= 0 || comma === spec.length - 1) {
    throw new AtollError('CLI_USAGE', `--repofrompath wants ID,URL, got '${spec}'`, { hint: 'for example --repofrompath fedora,https://mirror.example/fedora/39/x86_64/os/' });
  }
  const id = spec.slice(0, comma);
  let url = spec.slice(comma + 1);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) url = resolve(url);
  return rpmmd.defaultRepoConfig(id, [rpmmd.normalizeBaseUrl(url)]);
}

interface RepoSelection {
  repofrompath: string[];
  repofile: string[];
  releasever?: string;
  cachedir?: string;
  refresh?: boolean;
  cacheonly?: boolean;
}

async function selectRepos(opts: RepoSelection, context: CliContext): Promise<RepoConfig[]> {
  const repos = opts.repofrompath.map(parseRepoFromPath);
  const vars = rpmmd.buildVars({ env: process.env, ...(opts.releasever !== undefined ? { releasever: opts.releasever } : {}) });
  for (const file of opts.repofile) {
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new AtollError('CLI_USAGE', `cannot read repo file ${file}: ${(error as Error).message}`);
    });
    repos.push(...rpmmd.parseRepoFile(text, file, vars, context.reporter).filter((r) => r.enabled));
  }
  if (repos.length === 0) throw new AtollError('CLI_USAGE', 'no repository given', { hint: 'use --repofrompath ID,URL or --repofile FILE' });
  return repos;
}

async function openAll(configs: RepoConfig[], opts: RepoSelection, context: CliContext): Promise<Array<{ repo: RpmmdRepo; config: RepoConfig }>> {
  const cacheRoot = opts.cachedir !== undefined ? resolve(opts.cachedir) : defaultCacheRoot();
  const out: Array<{ repo: RpmmdRepo; config: RepoConfig }> = [];
  for (const config of configs) {
    try {
      const repo = await rpmmd.openRepo(config, { cacheRoot, reporter: context.reporter, refresh: Boolean(opts.refresh), cacheOnly: Boolean(opts.cacheonly) });
      out.push({ repo, config });
    } catch (error) {
      if (config.skipIfUnavailable && error instanceof AtollError) {
        context.notice(`atoll: skipping repository ${config.id}: ${error.message}`);
        continue;
      }
      throw error;
    }
  }
  return out;
}

function visible<P extends Nevra>(config: RepoConfig, packages: readonly P[]): P[] {
  if (config.excludepkgs.length === 0 && config.includepkgs.length === 0) return [...packages];
  const keep = rpmmd.packageFilter(config);
  return packages.filter((p) => keep({ name: p.name, nevras: [rpm.formatNevra(p), `${p.name}-${p.version}-${p.release}.${p.arch}`, `${p.name}.${p.arch}`] }));
}

function packageJson(repoId: string, p: RepoPackage): Record<string, unknown> {
  return {
    repo: repoId,
    nevra: rpm.formatNevra(p),
    name: p.name,
    epoch: p.epoch ?? 0,
    version: p.version,
    release: p.release,
    arch: p.arch,
    summary: p.summary,
    location: p.locationHref,
    checksum: { type: p.checksumType, value: p.pkgid },
    packageSize: p.packageSize,
    installedSize: p.installedSize,
    sourcerpm: p.sourcerpm,
  };
}

function addRepoOptions(command: Command): Command {
  return command
    .option('--repofrompath <id,url>', 'a repository by id and base URL or path (repeatable)', collect, [])
    .option('--repofile <file>', 'repositories from a yum.repos.d .repo file (repeatable)', collect, [])
    .option('--releasever <version>', 'value of $releasever in .repo files')
    .option('--cachedir <dir>', 'cache root (default $XDG_CACHE_HOME/atoll or ~/.cache/atoll)')
    .option('--refresh', 'ignore metadata_expire and re-check repomd.xml')
    .option('--cacheonly', 'use cached metadata only');
}

/** `atoll rpm-repo ...`: rpm-md package repositories. */
export function registerRpmRepoCommands(program: Command, context: CliContext): void {
  const rpmRepo = program.command('rpm-repo').description('rpm-md package repositories (create, query)');
  rpmRepo
    .command('create')
    .description('write repodata (repomd.xml, primary, filelists, other) for a directory of RPMs')
    .argument('<dir>', 'repository root: every .rpm below it is indexed')
    .option('--compress-type <type>', 'compression of the metadata: gz or zst', 'gz')
    .option('--checksum <type>', 'package and metadata checksum type', 'sha256')
    .option('--revision <revision>', 'repomd revision (default: current time)')
    .option('--set-timestamp-to-revision', 'use the revision as the timestamp of every record')
    .option('--changelog-limit <n>', 'newest changelog entries kept per package', '10')
    .option('-x, --excludes <glob>', 'leave out matching paths (repeatable)', collect, [])
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { compressType: string; checksum: string; revision?: string; setTimestampToRevision?: boolean; changelogLimit: string; excludes: string[]; json?: boolean }) => {
      if (opts.compressType !== 'gz' && opts.compressType !== 'zst') throw new AtollError('CLI_USAGE', `--compress-type must be gz or zst, got '${opts.compressType}'`);
      const limit = Number(opts.changelogLimit);
      if (!Number.isInteger(limit) || limit < 0) throw new AtollError('CLI_USAGE', `--changelog-limit must be a non-negative integer, got '${opts.changelogLimit}'`);
      const result = await rpmmd.createRepo(resolve(dir), {
        compression: opts.compressType,
        checksumType: opts.checksum,
        ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
        setTimestampToRevision: Boolean(opts.setTimestampToRevision),
        changelogLimit: limit,
        excludes: opts.excludes,
        reporter: context.reporter,
      });
      if (opts.json) context.printJson({ packages: result.packages, repomd: result.repomdPath, records: result.records });
      else context.out(`${result.packages} packages indexed: ${result.repomdPath}`);
    });

  addRepoOptions(rpmRepo.command('query').description('query packages of rpm-md repositories'))
    .option('--whatprovides <capability>', 'packages providing a capability (name, "name >= evr" or a file path)')
    .option('--list', 'print one NEVRA per line (the default)')
    .option('--json', 'print JSON')
    .action(async (opts: RepoSelection & { whatprovides?: string; list?: boolean; json?: boolean }) => {
      const opened = await openAll(await selectRepos(opts, context), opts, context);
      const results: Array<{ repo: string; pkg: RepoPackage }> = [];
      if (opts.whatprovides !== undefined) {
        for (const { repo, config } of opened) {
          const keep = new Set(visible(config, repo.packages));
          for (const pkg of await rpmmd.whatProvides([repo], opts.whatprovides)) if (keep.has(pkg)) results.push({ repo: repo.id, pkg });
        }
      } else if (!opts.json) {
        // A plain listing needs only NEVRAs: read them without building whole packages.
        const lines = new Set<string>();
        for (const { repo, config } of opened) for (const id of visible(config, repo.identities())) lines.add(rpm.formatNevra(id));
        const sorted = [...lines].sort();
        context.out(sorted.length === 0 ? '' : `${sorted.join('\n')}\n`);
        return;
      } else {
        for (const { repo, config } of opened) for (const pkg of visible(config, repo.packages)) results.push({ repo: repo.id, pkg });
      }
      if (opts.json) {
        context.printJson(results.map((r) => packageJson(r.repo, r.pkg)));
        return;
      }
      const lines = [...new Set(results.map((r) => rpm.formatNevra(r.pkg)))].sort();
      context.out(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    });

  addRepoOptions(rpmRepo.command('download').description('download packages (by name or NEVRA) with verified checksums'))
    .argument('<packages...>', 'package names or NEVRAs')
    .option('--destdir <dir>', 'where to put the .rpm files', '.')
    .option('--parallel <n>', 'downloads in flight', '3')
    .option('--json', 'print JSON')
    .action(async (names: string[], opts: RepoSelection & { destdir: string; parallel: string; json?: boolean }) => {
      const parallel = Number(opts.parallel);
      if (!Number.isInteger(parallel) || parallel < 1) throw new AtollError('CLI_USAGE', `--parallel must be a positive integer, got '${opts.parallel}'`);
      const opened = await openAll(await selectRepos(opts, context), opts, context);
      const wanted = new Set(names);
      const found = new Set<string>();
      const transport = new rpmmd.Transport({ connections: parallel });
      const downloaded: Array<{ repo: string; nevra: string; path: string }> = [];
      try {
        for (const { repo, config } of opened) {
          const pick = visible(config, repo.packages).filter((p) => {
            const keys = [p.name, rpm.formatNevra(p), `${p.name}-${p.version}-${p.release}.${p.arch}`];
            const hit = keys.find((k) => wanted.has(k));
            if (hit !== undefined) found.add(hit);
            return hit !== undefined;
          });
          for (const r of await rpmmd.downloadPackages(repo, pick, { destDir: resolve(opts.destdir), parallel, transport })) {
            downloaded.push({ repo: repo.id, nevra: rpm.formatNevra(r.pkg), path: r.path });
          }
        }
      } finally {
        await transport.close();
      }
      const missing = names.filter((n) => !found.has(n));
      if (missing.length > 0) throw new AtollError('RPMMD_PACKAGE_NOT_FOUND', `no package matches ${missing.join(', ')}`, { data: { missing } });
      if (opts.json) context.printJson(downloaded);
      else context.out(downloaded.map((d) => d.path).join('\n'));
    });
}
