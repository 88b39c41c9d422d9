/**
 * Pull over loopback: atoll repo pull vs ostree pull of the same ~50,000-object archive commit
 * from the same server (nginx when installed, else `atoll repo serve`), into archive repos.
 * Then an incremental pull after a 5% change. Targets (issue 8): ratio ≤ 1.0 both, RSS ≤ 400 MB.
 * ATOLL_BENCH_PULL_FILES overrides the file count (default 45,000 files ≈ 50,000 objects);
 * ATOLL_BENCH_PULL_SERVER=atoll serves with `atoll repo serve` even when nginx is installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { atollBin, serverCpuReport, type Benchmark } from './harness.js';
import { generateTree } from './gen-tree.js';

function sh(program: string, args: string[]): void {
  const r = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')}: ${r.stderr}`);
}

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(workDir: string, repo: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const nginx = '/usr/sbin/nginx';
  let child: ChildProcess;
  if (existsSync(nginx) && process.env.ATOLL_BENCH_PULL_SERVER !== 'atoll') {
    const conf = join(workDir, 'nginx');
    mkdirSync(join(conf, 'tmp'), { recursive: true });
    writeFileSync(
      join(conf, 'nginx.conf'),
      `daemon off; master_process off; worker_processes 1; pid ${conf}/pid; error_log ${conf}/error.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path ${conf}/tmp; proxy_temp_path ${conf}/tmp; fastcgi_temp_path ${conf}/tmp; uwsgi_temp_path ${conf}/tmp; scgi_temp_path ${conf}/tmp;
  keepalive_requests 100000; server { listen 127.0.0.1:${port}; root ${repo}; } }\n`,
    );
    child = spawn(nginx, ['-p', conf, '-c', join(conf, 'nginx.conf')], { stdio: 'ignore' });
  } else {
    child = spawn(process.execPath, [atollBin, '--progress=none', 'repo', 'serve', '--repo', repo, '--port', String(port)], { stdio: 'ignore' });
  }
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${url}config`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, child };
}

const benchmark: Benchmark = {
  name: 'pull',
  description: 'atoll repo pull vs ostree pull over loopback (full, then incremental after a 5% change)',
  async run(ctx) {
    const files = Number(process.env.ATOLL_BENCH_PULL_FILES ?? 45_000);
    const tree = join(ctx.workDir, 'tree');
    await generateTree(tree, { files, totalBytes: files * 12_000, seed: 1 });
    const src = join(ctx.workDir, 'src');
    sh('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
    sh('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '--no-xattrs', tree]);
    const objects = readdirSync(join(src, 'objects')).reduce((n, p) => n + readdirSync(join(src, 'objects', p)).length, 0);
    ctx.print(`source: ${files} files, ${objects} objects`);
    const server = await startServer(ctx.workDir, src);
    const dst = join(ctx.workDir, 'dst');
    const fresh = async (): Promise<void> => {
      await rm(dst, { recursive: true, force: true });
      sh('ostree', [`--repo=${dst}`, 'init', '--mode=archive']);
      sh('ostree', [`--repo=${dst}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);
    };
    try {
      await ctx.compare({
        label: `full pull (${objects} objects)`,
        atoll: { argv: [process.execPath, atollBin, '--progress=none', 'repo', 'pull', `--repo=${dst}`, 'origin', 'os/main'] },
        peer: { argv: ['ostree', `--repo=${dst}`, 'pull', 'origin', 'os/main'] },
        before: fresh,
        target: { ratioMax: 1.0, rssMaxMB: 400 },
      });
      // Base for the incremental rounds: the first commit pulled once, copied before each run.
      const base = join(ctx.workDir, 'base');
      await rm(base, { recursive: true, force: true });
      await fresh();
      sh('ostree', [`--repo=${dst}`, 'pull', 'origin', 'os/main']);
      sh('cp', ['-a', dst, base]);
      // 5% of the files change.
      const changed = Math.floor(files * 0.05);
      const all: string[] = [];
      const walk = (dir: string): void => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(dir, e.name));
          else if (e.isFile()) all.push(join(dir, e.name));
        }
      };
      walk(tree);
      for (let i = 0; i < changed && i < all.length; i++) writeFileSync(all[(i * 7919) % all.length] as string, `changed ${i}\n`);
      sh('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '--no-xattrs', tree]);
      await ctx.compare({
        label: `incremental pull (${changed} files changed)`,
        atoll: { argv: [process.execPath, atollBin, '--progress=none', 'repo', 'pull', `--repo=${dst}`, 'origin', 'os/main'] },
        peer: { argv: ['ostree', `--repo=${dst}`, 'pull', 'origin', 'os/main'] },
        before: async () => {
          await rm(dst, { recursive: true, force: true });
          sh('cp', ['-a', base, dst]);
        },
        target: { ratioMax: 1.0, rssMaxMB: 400 },
      });
      if (server.child.pid !== undefined) ctx.print(await serverCpuReport(server.child.pid));
    } finally {
      server.child.kill('SIGTERM');
    }
  },
};

export default benchmark;
