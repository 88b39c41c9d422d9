import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AtollError } from '../errors/index.js';
import { nullReporter, type Reporter } from '../report/index.js';
import { buildVars, openRepo, packageFilter, parseRepoFile, type RepoConfig, type RpmmdRepo, type Transport } from '../rpmmd/index.js';
import type { TreefileConfig } from './treefile/index.js';

export interface ComposeRepo {
  config: RepoConfig;
  repo: RpmmdRepo;
}

export interface ComposeReposOptions {
  /** The treefile's path: `.repo` files are read from its directory (never from the host's /etc/yum.repos.d). */
  treefilePath: string;
  /** Where rpm-md metadata is cached (`--cachedir`). */
  cacheRoot: string;
  basearch: string;
  cacheOnly?: boolean;
  transport?: Transport;
  reporter?: Reporter;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The repositories a treefile composes from, as rpm-ostree picks them: every `.repo` file
 * beside the treefile, `releasever`/`repovars` substituted, and exactly the ids listed in
 * `repos` (plus `lockfile-repos`) enabled whatever their `enabled=` says; without `repos`,
 * the repositories the files enable.
 */
export async function loadComposeRepos(config: TreefileConfig, options: ComposeReposOptions): Promise<ComposeRepo[]> {
  const reporter = options.reporter ?? nullReporter;
  const dir = dirname(options.treefilePath);
  const listed = config.repos !== undefined || config['lockfile-repos'] !== undefined;
  let wanted = [...new Set([...stringList(config.repos), ...stringList(config['lockfile-repos'])])];
  const explicit: Record<string, string> = {};
  const repovars = config.repovars;
  if (repovars !== null && typeof repovars === 'object') {
    for (const [k, v] of Object.entries(repovars as Record<string, unknown>)) explicit[k] = String(v);
  }
  const vars = buildVars({
    arch: options.basearch,
    ...(config.releasever !== undefined ? { releasever: String(config.releasever) } : {}),
    explicit,
  });
  const defined = new Map<string, RepoConfig>();
  const names = (await readdir(dir)).filter((n) => n.endsWith('.repo')).sort();
  for (const name of names) {
    const file = join(dir, name);
    for (const repo of parseRepoFile(await readFile(file, 'utf8'), file, vars, reporter)) if (!defined.has(repo.id)) defined.set(repo.id, repo);
  }
  // Without `repos`, every repository the .repo files enable (rpm-ostree's default).
  if (!listed) wanted = [...defined.values()].filter((r) => r.enabled).map((r) => r.id);
  if (wanted.length === 0) {
    throw new AtollError('COMPOSE_NO_REPOS', `treefile ${options.treefilePath} selects no repositories`, {
      hint: "add 'repos: [ID...]' naming sections of .repo files in the treefile's directory",
    });
  }
  const out: ComposeRepo[] = [];
  for (const id of wanted) {
    const repoConfig = defined.get(id);
    if (repoConfig === undefined) {
      throw new AtollError('COMPOSE_REPO_NOT_FOUND', `repository '${id}' named in the treefile is not defined by any .repo file in ${dir}`, {
        hint: `found: ${[...defined.keys()].join(', ') || 'no .repo files'}`,
        data: { id, dir },
      });
    }
    const repo = await openRepo(repoConfig, {
      cacheRoot: options.cacheRoot,
      reporter,
      cacheOnly: Boolean(options.cacheOnly),
      // rpm-ostree refreshes rpm-md on every compose unless --cache-only.
      refresh: !options.cacheOnly,
      ...(options.transport ? { transport: options.transport } : {}),
    });
    out.push({ config: repoConfig, repo });
  }
  return out;
}

/** The repository's packages after its own excludepkgs/includepkgs. */
export function visiblePackages(entry: ComposeRepo): RpmmdRepo['packages'] {
  const keep = packageFilter(entry.config);
  return entry.repo.packages.filter((p) => keep({ name: p.name, nevras: [`${p.name}-${p.version}-${p.release}.${p.arch}`] }));
}
