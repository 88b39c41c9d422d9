/**
 * `atoll upgrade` vs `ostree admin upgrade` (issue 9: ratio ≤ 1.0): a full upgrade — pull from a
 * loopback `atoll repo serve`, deploy, prune — after a 5% change of a synthetic OS tree (50,000
 * files by default; ATOLL_BENCH_UPGRADE_FILES to change it), on twin sysroots in a tmpfs.
 * Every timed run upgrades by exactly one 5% change: before a side's run, a new commit is made
 * on the server when that side already has the head (not timed).
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Benchmark } from './harness.js';
import { atollBin, releaseBenchTmpfs, serverCpuReport } from './harness.js';
import { generateBootableTree } from './gen-tree.js';

function sh(program: string, args: string[]): string {
  return execFileSync(program, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

async function regularFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && !path.includes('/usr/lib/modules/')) out.push(path);
    }
  };
  await walk(root);
  return out.sort();
}

const benchmark: Benchmark = {
  name: 'upgrade',
  description: 'full upgrade from a loopback server after a 5% change (atoll upgrade vs ostree admin upgrade)',
  async run(ctx) {
    const files = Number(process.env.ATOLL_BENCH_UPGRADE_FILES ?? 50_000);
    const work = join(ctx.workDir, 'tmpfs');
    await mkdir(work);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=12G', 'tmpfs', work]);
    let server: ReturnType<typeof spawn> | undefined;
    try {
      const tree = join(work, 'tree');
      const stats = await generateBootableTree(tree, { files, totalBytes: Math.round((files / 50_000) * 600 * 1024 * 1024), seed: 1 });
      const all = await regularFiles(tree);
      ctx.print(`tree: ${stats.files} files, ${stats.directories} dirs, ${(stats.bytes / 1e6).toFixed(0)} MB; each upgrade changes ${Math.ceil(all.length / 20)} files`);
      const srv = join(work, 'srv');
      sh('ostree', [`--repo=${srv}`, 'init', '--mode=archive']);
      let generation = 0;
      const commitNext = async (): Promise<string> => {
        if (generation > 0) {
          // 5%: every 20th file (shifted each generation) gets new bytes
          for (let i = generation % 20; i < all.length; i += 20) await appendFile(all[i] as string, `generation ${generation}\n`);
        }
        generation++;
        const when = new Date(Date.UTC(2024, 0, 1) + generation * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        return sh('ostree', [`--repo=${srv}`, 'commit', '-b', 'bench/os', '--owner-uid=0', '--owner-gid=0', `--timestamp=${when}`, `--add-metadata-string=version=${generation}`, tree]).trim();
      };
      let head = await commitNext();
      server = spawn(process.execPath, [atollBin, '--progress=none', 'repo', 'serve', '--repo', srv, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        server?.stdout?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const m = /^(http:\/\/\S+)\n/m.exec(text);
          if (m) resolve(m[1] as string);
        });
        server?.on('exit', (code) => reject(new Error(`atoll repo serve exited ${code}`)));
      });
      const sysroots = { atoll: join(work, 'sr-atoll'), peer: join(work, 'sr-ostree') };
      const deployed: Record<'atoll' | 'peer', string> = { atoll: head, peer: head };
      for (const sr of Object.values(sysroots)) {
        await mkdir(sr);
        sh('ostree', ['admin', 'init-fs', sr]);
        sh('ostree', ['admin', `--sysroot=${sr}`, 'os-init', 'bench']);
        sh('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'remote', 'add', '--no-gpg-verify', 'origin', url]);
        sh('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'pull', 'origin', 'bench/os']);
        sh('ostree', ['admin', `--sysroot=${sr}`, 'deploy', '--os=bench', 'origin:bench/os']);
      }
      await ctx.compare({
        label: `upgrade after a 5% change (${stats.files} files)`,
        atoll: { argv: [process.execPath, atollBin, '--progress=none', 'upgrade', '--sysroot', sysroots.atoll, '--os', 'bench'] },
        peer: { argv: ['ostree', 'admin', `--sysroot=${sysroots.peer}`, 'upgrade', '--os=bench'] },
        before: async (side) => {
          if (deployed[side] === head) head = await commitNext();
          deployed[side] = head;
        },
        target: { ratioMax: 1.0 },
      });
      if (server.pid !== undefined) ctx.print(await serverCpuReport(server.pid));
      for (const [side, sr] of Object.entries(sysroots)) {
        const status = sh('ostree', ['admin', `--sysroot=${sr}`, 'status']);
        ctx.print(`${side}: ${(status.match(/bench [0-9a-f]{64}/g) ?? []).length} deployments after the rounds`);
      }
    } finally {
      server?.kill('SIGTERM');
      releaseBenchTmpfs(work, true);
    }
  },
};

export default benchmark;
