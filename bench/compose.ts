/**
 * Compose benchmark: a generated ~300-package repository (≈30,000 files) composed by
 * `atoll compose tree` vs the classic way, `dnf --installroot install` + `ostree commit` of the
 * result. Cold (empty cache, fresh repo) target ≤ 1.0; warm (packages already in the package
 * cache, fresh target repo) ≤ 0.3; also the unchanged re-run (input hash hit).
 * Sizes: ATOLL_BENCH_COMPOSE_PACKAGES (default 300), ATOLL_BENCH_COMPOSE_FILES (default 100).
 */
import { writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Benchmark } from './harness.js';
import { atollBin } from './harness.js';
import { fixturePackageSet, writeFixturePackages } from '../src/rpm/index.js';
import { createRepo } from '../src/rpmmd/index.js';

const bench: Benchmark = {
  name: 'compose',
  description: 'compose tree of ~300 generated packages vs dnf --installroot + ostree commit',
  async run(ctx) {
    const count = Number(process.env.ATOLL_BENCH_COMPOSE_PACKAGES ?? 300);
    const files = Number(process.env.ATOLL_BENCH_COMPOSE_FILES ?? 100);
    const dir = join(ctx.workDir, 'compose');
    const rpms = join(dir, 'rpms');
    await mkdir(rpms, { recursive: true });
    const descriptions = fixturePackageSet({ count, files, seed: 7 });
    await writeFixturePackages(rpms, descriptions);
    await createRepo(rpms, { revision: '1700000000' });
    const names = [...new Set(descriptions.map((d) => d.name))];
    writeFileSync(join(dir, 'bench.repo'), `[bench]\nbaseurl=file://${rpms}\ngpgcheck=0\n`);
    const treefile = join(dir, 'treefile.yaml');
    writeFileSync(treefile, `ref: bench/os\nrepos: [bench]\ntmp-is-dir: true\npackages:\n${names.map((n) => `  - ${n}\n`).join('')}`);
    const repo = join(dir, 'repo');
    const cache = join(dir, 'cache');
    const peerRoot = join(dir, 'dnfroot');
    const peerRepo = join(dir, 'peer-repo');
    const freshRepos = async (): Promise<void> => {
      for (const p of [repo, peerRepo, peerRoot]) await rm(p, { recursive: true, force: true });
      execFileSync('ostree', ['init', '--repo', repo, '--mode', 'archive']);
      execFileSync('ostree', ['init', '--repo', peerRepo, '--mode', 'archive']);
    };
    const atoll = { argv: [process.execPath, atollBin, '--progress=none', 'compose', 'tree', '--repo', repo, '--cachedir', cache, treefile] };
    const peer = {
      argv: [
        'sh',
        '-c',
        `dnf -q -y --nogpgcheck --installroot ${peerRoot} --setopt=reposdir=${dir} --setopt=cachedir=${join(dir, 'dnfcache')} --setopt=install_weak_deps=False --releasever=1 install ${names.join(' ')} && ostree commit --repo ${peerRepo} -b bench/os --tree=dir=${peerRoot}`,
      ],
    };
    await ctx.compare({
      label: `compose cold (${count} packages, ~${count * files} files)`,
      atoll,
      peer,
      before: async () => {
        await freshRepos();
        await rm(cache, { recursive: true, force: true });
        await rm(join(dir, 'dnfcache'), { recursive: true, force: true });
      },
      target: { ratioMax: 1.0, rssMaxMB: 1024 },
    });
    await ctx.compare({
      label: 'compose warm (packages imported)',
      atoll,
      peer,
      before: async () => freshRepos(),
      target: { ratioMax: 0.3, rssMaxMB: 1024 },
    });
    await ctx.measure('compose unchanged re-run (input hash hit)', atoll);
  },
};
export default bench;
