/**
 * RPM benchmarks:
 *  1. header parse throughput over the real-world corpus (in-process, packages/s), and
 *     `atoll rpm inspect --json` vs `rpm -qp --qf` on the same 200+ files (one process each);
 *  2. unpack of a ~100 MB xz and a ~100 MB zstd package (built here with rpmbuild from a seeded
 *     synthetic tree) vs `rpm2cpio FILE | cpio -idm`. Target: ratio ≤ 1.0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atollBin, repoRoot, type Benchmark } from './harness.js';
import { generateTree } from './gen-tree.js';
import { readRpmPackage } from '../src/rpm/index.js';

function findRpms(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findRpms(path));
    else if (entry.endsWith('.rpm')) out.push(path);
  }
  return out.sort();
}

const sharedDir = process.env.ATOLL_SHARED_DIR ?? join(repoRoot, '..', 'shared');

async function buildBigPackage(work: string, tree: string, name: string, payload: string): Promise<string> {
  const top = join(work, `rpmbuild-${name}`);
  const spec = join(work, `${name}.spec`);
  await writeFile(
    spec,
    [
      `Name: ${name}`,
      'Version: 1',
      'Release: 1',
      'Summary: atoll unpack benchmark',
      'License: MIT',
      'BuildArch: noarch',
      'AutoReqProv: no',
      `%define _binary_payload ${payload}`,
      '%define __os_install_post %{nil}',
      '%define _build_id_links none',
      '%description',
      'benchmark',
      '%install',
      'mkdir -p %{buildroot}/opt/bench',
      `cp -a ${tree}/. %{buildroot}/opt/bench/`,
      '%files',
      '%defattr(-,root,root,-)',
      '/opt/bench',
      '',
    ].join('\n'),
  );
  // rpmbuild warns once per absolute symlink (the generated tree has hundreds, on purpose):
  // keep its other diagnostics, count those.
  const built = spawnSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--dbpath', join(work, 'rpmdb'), spec], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const lines = built.stderr.split('\n').filter((l) => l !== '');
  const absolute = lines.filter((l) => l.startsWith('warning: absolute symlink: '));
  for (const l of lines) if (!l.startsWith('warning: absolute symlink: ')) process.stderr.write(`${l}\n`);
  if (built.status !== 0) throw new Error(`rpmbuild failed for ${name} (exit ${built.status})`);
  if (absolute.length > 0) process.stderr.write(`rpmbuild: ${absolute.length} absolute-symlink warnings for ${name} (expected)\n`);
  const rpmDir = join(top, 'RPMS', 'noarch');
  return join(rpmDir, readdirSync(rpmDir)[0]!);
}

const benchmark: Benchmark = {
  name: 'rpm',
  description: 'RPM header parse throughput; unpack of ~100 MB xz/zstd packages vs rpm2cpio | cpio -idm',
  async run(ctx) {
    // 1. Header parsing.
    const corpus = join(sharedDir, 'corpus', 'rpms');
    if (existsSync(corpus)) {
      const files = findRpms(corpus);
      const headers = files.map((f) => {
        const bytes = readFileSync(f);
        return bytes.subarray(0, readRpmPackage(bytes).headers.payloadStart);
      });
      const rounds = 20;
      const start = process.hrtime.bigint();
      for (let r = 0; r < rounds; r++) for (const h of headers) readRpmPackage(h);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      ctx.print(`header parse (validate + decode + SHA256 check): ${((rounds * headers.length) / seconds).toFixed(0)} packages/s over ${headers.length} corpus packages`);
      // The corpus mean is dominated by two 15,000-file headers; the median says what a typical package costs.
      const each = headers.map((h) => {
        const t0 = process.hrtime.bigint();
        for (let r = 0; r < 5; r++) readRpmPackage(h);
        return Number(process.hrtime.bigint() - t0) / 5e9;
      });
      each.sort((x, y) => x - y);
      ctx.print(`header parse, median package: ${(each[each.length >> 1]! * 1e6).toFixed(0)} µs (${(1 / each[each.length >> 1]!).toFixed(0)} packages/s)`);
      const listFile = join(ctx.workDir, 'files.txt');
      await writeFile(listFile, files.join('\n'));
      const atollInspect = `xargs -a ${listFile} -d '\\n' node ${atollBin} --progress=none rpm inspect --json`;
      const peerInspect = `xargs -a ${listFile} -d '\\n' rpm -qp --nosignature --nodigest --dbpath ${join(ctx.workDir, 'db')} --qf '%{NEVRA} [%{PROVIDENEVRS} ][%{REQUIRENEVRS} ][%{FILENAMES} %{FILEDIGESTS} ]\\n'`;
      // A peer that fails fast (a missing tool, a package it refuses) would make a meaningless
      // ratio: both sides must have read every package before they are timed.
      const peerCheck = spawnSync('sh', ['-c', peerInspect], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const atollCheck = spawnSync('sh', ['-c', atollInspect], { encoding: 'utf8', maxBuffer: 1 << 30 });
      const peerLines = peerCheck.stdout.split('\n').filter((l) => l !== '').length;
      const atollObjects = atollCheck.status === 0 ? (JSON.parse(atollCheck.stdout) as unknown[]).length : -1;
      if (peerCheck.status !== 0 || peerLines !== files.length) {
        ctx.print(`inspect --json: peer check failed (rpm -qp exit ${peerCheck.status}, ${peerLines} of ${files.length} packages): ${peerCheck.stderr.split('\n').filter((l) => !l.startsWith('warning:')).join(' ').slice(0, 300)}; not compared`);
      } else if (atollObjects !== files.length) {
        ctx.print(`inspect --json: atoll check failed (exit ${atollCheck.status}, ${atollObjects} of ${files.length} packages): ${atollCheck.stderr.slice(0, 300)}; not compared`);
      } else {
        await ctx.compare({
          label: `inspect --json of ${files.length} corpus packages (one process per side)`,
          atoll: { argv: ['sh', '-c', `${atollInspect} > /dev/null`] },
          peer: { argv: ['sh', '-c', `${peerInspect} > /dev/null 2>&1`] },
        });
      }
    }

    // 2. Unpack of big packages.
    const tree = join(ctx.workDir, 'tree');
    await generateTree(tree, { files: 3000, totalBytes: 100e6, seed: 7 });
    for (const [name, payload] of [
      ['bench-xz', 'w6.xzdio'],
      ['bench-zstd', 'w19T0.zstdio'],
    ] as const) {
      const rpm = await buildBigPackage(ctx.workDir, tree, name, payload);
      ctx.print(`${name}: ${(statSync(rpm).size / 1e6).toFixed(1)} MB package`);
      const out = join(ctx.workDir, 'out');
      await ctx.compare({
        label: `unpack ${name} (~100 MB)`,
        atoll: { argv: ['node', atollBin, '--progress=none', 'rpm', 'unpack', rpm, out] },
        peer: { argv: ['sh', '-c', `rpm2cpio "$0" | cpio -idm --quiet`, rpm], cwd: out },
        before: async () => {
          await rm(out, { recursive: true, force: true });
          await mkdir(out);
        },
        target: { ratioMax: 1.0 },
      });
    }
  },
};

export default benchmark;
