/**
 * `atoll admin deploy` vs `ostree admin deploy` of a ~50,000-file commit already in the system
 * repo (issue 9: ratio ≤ 1.0), on twin sysroots in a tmpfs (ostree freezes the filesystem
 * holding /boot; tmpfs refuses the freeze). Also reports the disk the second deployment adds
 * (hardlinks: target ≤ 10% of the first).
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Benchmark } from './harness.js';
import { atollBin, releaseBenchTmpfs } from './harness.js';
import { generateBootableTree } from './gen-tree.js';

function sh(program: string, args: string[]): string {
  return execFileSync(program, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function usedKiB(dir: string): number {
  return Number(sh('du', ['-sk', dir]).split('\t')[0]);
}

const benchmark: Benchmark = {
  name: 'deploy',
  description: 'deploy a 50,000-file commit from the system repo (atoll admin deploy vs ostree admin deploy)',
  async run(ctx) {
    const work = join(ctx.workDir, 'tmpfs');
    await mkdir(work);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=8G', 'tmpfs', work]);
    try {
      const tree = join(work, 'tree');
      const stats = await generateBootableTree(tree, { files: 50_000, totalBytes: 600 * 1024 * 1024, seed: 1 });
      ctx.print(`tree: ${stats.files} files, ${stats.directories} dirs, ${(stats.bytes / 1e6).toFixed(0)} MB`);
      const sysroots = { atoll: join(work, 'sr-atoll'), peer: join(work, 'sr-ostree') };
      for (const sr of Object.values(sysroots)) {
        await mkdir(sr);
        sh('ostree', ['admin', 'init-fs', sr]);
        sh('ostree', ['admin', `--sysroot=${sr}`, 'os-init', 'bench']);
      }
      sh('ostree', [`--repo=${join(sysroots.peer, 'ostree/repo')}`, 'commit', '-b', 'bench/os', '--owner-uid=0', '--owner-gid=0', tree]);
      sh('ostree', [`--repo=${join(sysroots.atoll, 'ostree/repo')}`, 'pull-local', join(sysroots.peer, 'ostree/repo'), 'bench/os']);
      const reset = async (side: 'atoll' | 'peer'): Promise<void> => {
        const sr = sysroots[side];
        // remove every deployment so each round deploys from scratch
        for (;;) {
          const status = sh('ostree', ['admin', `--sysroot=${sr}`, 'status']);
          if (!/bench [0-9a-f]{64}/.test(status)) break;
          sh('ostree', ['admin', `--sysroot=${sr}`, 'undeploy', '0']);
        }
      };
      await ctx.compare({
        label: 'deploy 50k files',
        atoll: { argv: [process.execPath, atollBin, '--progress=none', 'admin', 'deploy', '--sysroot', sysroots.atoll, '--os=bench', 'bench/os'] },
        peer: { argv: ['ostree', 'admin', `--sysroot=${sysroots.peer}`, 'deploy', '--os=bench', 'bench/os'] },
        before: reset,
        target: { ratioMax: 1.0 },
      });
      // ostree prunes the repo after every deploy; atoll only when a deployed commit left the
      // list. Same work on both sides: ostree without its prune.
      await ctx.compare({
        label: 'deploy 50k files (ostree --no-prune)',
        atoll: { argv: [process.execPath, atollBin, '--progress=none', 'admin', 'deploy', '--sysroot', sysroots.atoll, '--os=bench', 'bench/os'] },
        peer: { argv: ['ostree', 'admin', `--sysroot=${sysroots.peer}`, 'deploy', '--no-prune', '--os=bench', 'bench/os'] },
        before: reset,
        target: { ratioMax: 1.0 },
      });
      // disk added by a second deployment of the same commit
      await reset('atoll');
      const deployDir = join(sysroots.atoll, 'ostree/deploy/bench/deploy');
      const repoDir = join(sysroots.atoll, 'ostree/repo');
      sh(process.execPath, [atollBin, '--progress=none', 'admin', 'deploy', '--sysroot', sysroots.atoll, '--os=bench', 'bench/os']);
      const one = usedKiB(sysroots.atoll);
      sh(process.execPath, [atollBin, '--progress=none', 'admin', 'deploy', '--sysroot', sysroots.atoll, '--os=bench', 'bench/os']);
      const two = usedKiB(sysroots.atoll);
      const repoOnly = usedKiB(repoDir);
      await reset('peer');
      sh('ostree', ['admin', `--sysroot=${sysroots.peer}`, 'deploy', '--os=bench', 'bench/os']);
      const peerOne = usedKiB(sysroots.peer);
      sh('ostree', ['admin', `--sysroot=${sysroots.peer}`, 'deploy', '--os=bench', 'bench/os']);
      const peerTwo = usedKiB(sysroots.peer);
      ctx.print(`disk (ostree): second deployment adds ${peerTwo - peerOne} KiB = ${((100 * (peerTwo - peerOne)) / Math.max(1, peerOne)).toFixed(1)}% of the first`);
      ctx.print(`disk: repo ${repoOnly} KiB; sysroot with 1 deployment ${one} KiB, with 2 ${two} KiB; second adds ${two - one} KiB = ${((100 * (two - one)) / Math.max(1, one)).toFixed(1)}% of the first (target ≤ 10%) [${deployDir}]`);
    } catch (error) {
      ctx.print(`deploy benchmark failed: ${String(error)}`);
      throw error;
    } finally {
      releaseBenchTmpfs(work);
    }
  },
};

export default benchmark;
