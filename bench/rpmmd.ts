/**
 * rpm-md benchmarks (issue 5):
 *  1. cold `atoll rpm-repo query --list` (whole command: start, verify, parse, cache write) vs
 *     `zcat primary | rpmmd2solv`, on a generated 60,000-package repository (gen-primary.ts)
 *     and on the real CentOS Stream 9 AppStream metadata (17,649 packages). Target: ratio ≤ 1.5,
 *     peak RSS ≤ 600 MB;
 *  2. warm `query --list` from atoll's binary cache. Target: ≤ 0.5 s median;
 *  3. parallel download of 500 packages from a loopback HTTP server: MB/s, and the ratio vs
 *     `dnf download` of the same set (when dnf's download plugin is installed).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { atollBin, repoRoot, median, timeCommand, type Benchmark } from './harness.js';
import { generateRepo } from './gen-primary.js';
import { createRepo } from '../src/rpmmd/index.js';
import { writeFixturePackages, type PackageDescription } from '../src/rpm/index.js';
import { mulberry32 as seededRandom } from '../src/util/index.js';
import { startHttpServer } from '../test/helpers/http-server.js';

const sharedDir = process.env.ATOLL_SHARED_DIR ?? join(repoRoot, '..', 'shared');

const benchmark: Benchmark = {
  name: 'rpmmd',
  description: 'rpm-md: cold query --list vs zcat | rpmmd2solv, warm cache load, parallel downloads',
  async run(ctx) {
    const generated = join(ctx.workDir, 'gen60k');
    await generateRepo(generated, { packages: 60000, seed: 1 });
    const repos: Array<[string, string]> = [['generated 60,000 packages', generated]];
    const appstream = join(sharedDir, 'corpus', 'repos', 'osbuild', 'testrepos', 'appstream');
    if (existsSync(appstream)) repos.push(['CentOS Stream 9 AppStream (17,649 packages)', appstream]);
    for (const [label, repo] of repos) {
      const primary = join(repo, 'repodata', readdirSync(join(repo, 'repodata')).find((f) => f.endsWith('-primary.xml.gz')) as string);
      const cache = join(ctx.workDir, 'cache');
      const query = { argv: ['node', atollBin, '--progress=none', 'rpm-repo', 'query', '--list', '--repofrompath', `r,${repo}`, '--cachedir', cache] };
      await ctx.compare({
        label: `cold query --list, ${label}`,
        atoll: { argv: ['sh', '-c', `"$@" > /dev/null`, 'sh', ...query.argv] },
        peer: { argv: ['sh', '-c', `zcat "$0" | rpmmd2solv > /dev/null`, primary] },
        before: async () => rm(cache, { recursive: true, force: true }),
        target: { ratioMax: 1.5, rssMaxMB: 600 },
      });
      const warm: number[] = [];
      for (let round = 0; round < Math.max(3, ctx.rounds); round++) warm.push((await timeCommand({ argv: ['sh', '-c', `"$@" > /dev/null`, 'sh', ...query.argv] })).seconds);
      const m = median(warm);
      ctx.print(`warm query --list, ${label}: ${m.toFixed(3)}s median [target ≤ 0.5 s: ${m <= 0.5 ? 'ok' : 'MISSED'}]`);
      await rm(cache, { recursive: true, force: true });
    }

    // Parallel downloads: 500 packages of ~150 KB (uncompressed payloads of seeded random bytes).
    const pkgDir = join(ctx.workDir, 'pkgs');
    await mkdir(pkgDir, { recursive: true });
    const random = seededRandom(5);
    const descriptions: PackageDescription[] = Array.from({ length: 500 }, (_, i) => ({
      name: `dl-${String(i).padStart(3, '0')}`,
      version: '1',
      release: '1',
      payload: { compressor: 'none' },
      files: [{ path: `/usr/share/dl/${i}.bin`, content: Uint8Array.from({ length: 100_000 + Math.floor(random() * 100_000) }, () => Math.floor(random() * 256)) }],
    }));
    await writeFixturePackages(pkgDir, descriptions);
    await createRepo(pkgDir, { revision: '1' });
    const totalBytes = readdirSync(pkgDir).filter((f) => f.endsWith('.rpm')).reduce((sum, f) => sum + statSync(join(pkgDir, f)).size, 0);
    const server = await startHttpServer(pkgDir);
    try {
      const names = descriptions.map((d) => d.name);
      const listFile = join(ctx.workDir, 'names.txt');
      await writeFile(listFile, names.join('\n'));
      const dest = join(ctx.workDir, 'dest');
      const dnfDir = join(ctx.workDir, 'dnf');
      await mkdir(dnfDir, { recursive: true });
      await writeFile(join(dnfDir, 'dnf.conf'), '[main]\nmax_parallel_downloads=8\n');
      const atollCmd = { argv: ['sh', '-c', `xargs -a "$0" node ${atollBin} --progress=none rpm-repo download --parallel 8 --repofrompath dl,${server.url} --cachedir ${join(ctx.workDir, 'dlcache')} --destdir ${dest} > /dev/null`, listFile] };
      const before = async (): Promise<void> => {
        await rm(dest, { recursive: true, force: true });
        await mkdir(dest);
        await rm(join(ctx.workDir, 'dlcache'), { recursive: true, force: true });
        await rm(join(dnfDir, 'cache'), { recursive: true, force: true });
      };
      const hasDnfDownload = spawnSync('dnf', ['download', '--help'], { stdio: 'ignore' }).status === 0;
      if (hasDnfDownload) {
        const result = await ctx.compare({
          label: `download 500 packages (${(totalBytes / 1e6).toFixed(0)} MB) over loopback`,
          atoll: atollCmd,
          peer: {
            argv: ['sh', '-c', `xargs -a "$0" dnf -q --config ${join(dnfDir, 'dnf.conf')} --setopt=cachedir=${join(dnfDir, 'cache')} --installroot=${join(dnfDir, 'root')} --setopt=reposdir=/dev/null --releasever=1 --disableplugin=* --enableplugin=download --repofrompath=dl,${server.url} --repo=dl download --destdir ${dest} > /dev/null`, listFile],
          },
          before,
        });
        ctx.print(`download throughput: atoll ${(totalBytes / 1e6 / result.atoll.seconds).toFixed(1)} MB/s, dnf ${(totalBytes / 1e6 / result.peer.seconds).toFixed(1)} MB/s`);
      } else {
        const runs: number[] = [];
        for (let round = 0; round < ctx.rounds; round++) {
          await before();
          runs.push((await timeCommand(atollCmd)).seconds);
        }
        ctx.print(`download 500 packages (${(totalBytes / 1e6).toFixed(0)} MB): atoll ${(totalBytes / 1e6 / median(runs)).toFixed(1)} MB/s (dnf download plugin missing: no peer)`);
      }
    } finally {
      await server.close();
    }
  },
};

export default benchmark;
