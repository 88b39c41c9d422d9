/**
 * `atoll install` of one small package with two dependencies onto a ~50,000-file base (issue
 * 11: ratio ≤ 1.5 against a fresh `atoll admin deploy` of the same base: layering must not
 * cost much more than a deploy). Both run on one sysroot in a tmpfs, each round starting from
 * the single base deployment; the rpm-md metadata and package cache are warm after the first
 * round (as on a client that layered before). The base is a gen-tree OS tree plus an rpmdb.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Benchmark } from './harness.js';
import { atollBin, releaseBenchTmpfs } from './harness.js';
import { generateBootableTree } from './gen-tree.js';
import { readRpmPackage, writeRpm, type PackageDescription } from '../src/rpm/index.js';
import { createRepo } from '../src/rpmmd/index.js';
import { writeRpmdb } from '../src/assemble/index.js';

function sh(program: string, args: string[]): string {
  return execFileSync(program, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

const LAYERED: PackageDescription[] = [
  { name: 'bench-lib-a', version: '1.0', release: '1', provides: ['libbencha.so.1'], files: [{ path: '/usr/lib64/libbencha.so.1', content: 'a'.repeat(20_000), mode: 0o755 }] },
  { name: 'bench-lib-b', version: '1.0', release: '1', provides: ['libbenchb.so.1'], files: [{ path: '/usr/lib64/libbenchb.so.1', content: 'b'.repeat(30_000), mode: 0o755 }] },
  {
    name: 'bench-tool',
    version: '1.0',
    release: '1',
    requires: ['libbencha.so.1', 'libbenchb.so.1'],
    files: [
      { path: '/usr/bin/bench-tool', content: '#!/bin/sh\necho bench\n', mode: 0o755 },
      { path: '/usr/share/bench-tool/README', content: 'bench tool\n', mode: 0o644 },
      { path: '/etc/bench-tool.conf', content: 'x=1\n', config: true, noreplace: true, mode: 0o644 },
    ],
  },
];

const BASE_PACKAGES: PackageDescription[] = [
  { name: 'bench-filesystem', version: '1', release: '1', files: [{ path: '/usr/share/bench-filesystem', content: 'fs\n', mode: 0o644 }] },
  { name: 'bench-release', version: '1', release: '1', files: [{ path: '/usr/lib/os-release', content: 'ID=bench\nPRETTY_NAME="Bench OS"\n', mode: 0o644 }] },
];

const benchmark: Benchmark = {
  name: 'layering',
  description: 'install one package with two dependencies onto a 50,000-file base (atoll install vs atoll admin deploy of the base)',
  async run(ctx) {
    const work = join(ctx.workDir, 'tmpfs');
    await mkdir(work);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=8G', 'tmpfs', work]);
    try {
      const tree = join(work, 'tree');
      const stats = await generateBootableTree(tree, { files: 50_000, totalBytes: 600 * 1024 * 1024, seed: 1 });
      // The base's rpmdb: what layering solves against (base packages locked).
      const baseRpms = join(work, 'base-rpms');
      await mkdir(baseRpms);
      const headers = [];
      for (const d of BASE_PACKAGES) {
        const path = join(baseRpms, `${d.name}.rpm`);
        await writeRpm(d, path);
        headers.push({ headers: readRpmPackage(await readFile(path)).headers });
      }
      writeRpmdb(join(tree, 'usr/share/rpm'), headers, { timestamp: 1700000000 });
      ctx.print(`base: ${stats.files} files, ${stats.directories} dirs, ${(stats.bytes / 1e6).toFixed(0)} MB`);

      const rpms = join(work, 'rpms');
      await mkdir(rpms);
      for (const d of LAYERED) await writeRpm(d, join(rpms, `${d.name}-${d.version}-${d.release}.noarch.rpm`));
      await createRepo(rpms, { revision: '1700000000' });

      const sr = join(work, 'sr');
      await mkdir(sr);
      sh('ostree', ['admin', 'init-fs', sr]);
      sh('ostree', ['admin', `--sysroot=${sr}`, 'os-init', 'bench']);
      sh('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'commit', '-b', 'bench/os', '--owner-uid=0', '--owner-gid=0', tree]);
      sh(process.execPath, [atollBin, '--progress=none', 'admin', 'deploy', '--sysroot', sr, '--os=bench', 'bench/os']);
      // Back to the one base deployment before every run (not timed).
      const reset = async (): Promise<void> => {
        for (;;) {
          const rows = sh('ostree', ['admin', `--sysroot=${sr}`, 'status']).split('\n').filter((l) => /^[* ] bench [0-9a-f]{64}\.\d+/.test(l));
          if (rows.length <= 1) break;
          sh('ostree', ['admin', `--sysroot=${sr}`, 'undeploy', '0']);
        }
      };
      await ctx.compare({
        label: 'layer 1 package + 2 deps onto 50k files (peer: atoll admin deploy of the base)',
        atoll: { argv: [process.execPath, atollBin, '--progress=none', 'install', '--sysroot', sr, '--os=bench', '--repofrompath', `bench,file://${rpms}`, 'bench-tool'] },
        peer: { argv: [process.execPath, atollBin, '--progress=none', 'admin', 'deploy', '--sysroot', sr, '--os=bench', 'bench/os'] },
        before: reset,
        target: { ratioMax: 1.5 },
      });
    } catch (error) {
      ctx.print(`layering benchmark failed: ${String(error)}`);
      throw error;
    } finally {
      releaseBenchTmpfs(work);
    }
  },
};

export default benchmark;
