/**
 * The object store against ostree 2022.7 on a generated OS tree (~50,000 files / ~1.5 GB by
 * default; ATOLL_BENCH_OSTREE_FILES and ATOLL_BENCH_OSTREE_BYTES shrink it for a quick run):
 * commit into bare and archive, re-commit of an unchanged hardlink checkout (devino cache),
 * hardlink checkout and fsck. Targets from issue 3.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { atollBin, type Benchmark, type BenchCommand } from './harness.js';
import { generateTree } from './gen-tree.js';

const RSS_MAX_MB = 400;

function sh(program: string, args: string[]): void {
  const r = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${r.stderr.toString()}`);
}

const atoll = (...args: string[]): BenchCommand => ({ argv: [process.execPath, atollBin, '--progress=none', 'repo', ...args] });
const ostree = (...args: string[]): BenchCommand => ({ argv: ['ostree', ...args] });

const benchmark: Benchmark = {
  name: 'ostree',
  description: 'commit (bare, archive), re-commit via devino cache, hardlink checkout, fsck: atoll vs ostree',
  async run(ctx) {
    const files = Number(process.env.ATOLL_BENCH_OSTREE_FILES ?? 50_000);
    const totalBytes = Number(process.env.ATOLL_BENCH_OSTREE_BYTES ?? 1.5e9);
    const tree = join(ctx.workDir, 'tree');
    const stats = await generateTree(tree, { files, totalBytes, seed: 1 });
    ctx.print(`tree: ${stats.files} files, ${stats.directories} dirs, ${stats.symlinks} symlinks, ${stats.hardlinks} hardlinks, ${(stats.bytes / 1e6).toFixed(0)} MB`);
    const repoFor = (side: 'atoll' | 'peer', mode: string): string => join(ctx.workDir, `${side}-${mode}`);
    const fresh = async (side: 'atoll' | 'peer', mode: string): Promise<void> => {
      await rm(repoFor(side, mode), { recursive: true, force: true });
      sh('ostree', [`--repo=${repoFor(side, mode)}`, 'init', `--mode=${mode}`]);
    };
    const commitArgs = (repo: string, dir: string): string[] => [`--repo=${repo}`, 'commit', '-b', 'main', '-s', 'bench', '--timestamp=@1767225600', dir];

    for (const [mode, ratioMax] of [['bare', 1.0], ['archive', 0.7]] as const) {
      await ctx.compare({
        label: `commit into ${mode}`,
        atoll: atoll('commit', `--repo=${repoFor('atoll', mode)}`, '-b', 'main', '-s', 'bench', '--timestamp=@1767225600', tree),
        peer: ostree(...commitArgs(repoFor('peer', mode), tree)),
        before: (side) => fresh(side, mode),
        target: { ratioMax, rssMaxMB: RSS_MAX_MB },
      });
    }

    // One bare repo with the tree, and a hardlink checkout of it (made by ostree).
    const bare = repoFor('peer', 'bare');
    await fresh('peer', 'bare');
    sh('ostree', commitArgs(bare, tree));
    const co = join(ctx.workDir, 'co');
    await rm(co, { recursive: true, force: true });
    sh('ostree', [`--repo=${bare}`, 'checkout', '-H', 'main', co]);
    await ctx.compare({
      label: 're-commit of an unchanged hardlink checkout (bare)',
      atoll: { argv: [process.execPath, atollBin, '--progress=none', 'repo', 'commit', `--repo=${bare}`, '-b', 'again-atoll', '-s', 'bench', '--timestamp=@1767225600', co] },
      peer: ostree(`--repo=${bare}`, 'commit', '-b', 'again-ostree', '-s', 'bench', '--timestamp=@1767225600', co),
      target: { ratioMax: 1.0, rssMaxMB: RSS_MAX_MB },
    });

    const dest = join(ctx.workDir, 'checkout');
    await ctx.compare({
      label: 'hardlink checkout (bare)',
      atoll: atoll('checkout', `--repo=${bare}`, '-H', 'main', dest),
      peer: ostree(`--repo=${bare}`, 'checkout', '-H', 'main', dest),
      before: () => rm(dest, { recursive: true, force: true }),
      target: { ratioMax: 1.0, rssMaxMB: RSS_MAX_MB },
    });

    await ctx.compare({
      label: 'fsck (bare)',
      atoll: atoll('fsck', `--repo=${bare}`),
      peer: ostree(`--repo=${bare}`, 'fsck'),
      target: { ratioMax: 1.0, rssMaxMB: RSS_MAX_MB },
    });
  },
};

export default benchmark;
