import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { atollBin } from './run.js';
import { systemPython, tempDir } from './env.js';

/**
 * HTTP servers for pull tests, each on 127.0.0.1 only, started as child processes (so that a
 * synchronous client like `ostree pull` via spawnSync cannot stall them) and killed when the
 * test ends.
 */
export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Request lines seen so far (only where the server logs them). */
  log(): string[];
}

function track(t: TestContext, child: ChildProcess): void {
  t.after(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    // A server that ignores SIGTERM (a stuck loop) must not keep the test file running.
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => clearTimeout(timer));
  });
}

function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${text}`)), 15_000);
    child[stream]?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${text}`));
    });
  });
}

/** `atoll repo serve --log` on a free port; the log holds "GET /path STATUS BYTES" lines. */
export async function startAtollServe(t: TestContext, repo: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [atollBin, '--progress=none', 'repo', 'serve', '--repo', repo, '--port', '0', '--log'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(t, child);
  const lines: string[] = [];
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const match = await waitForLine(child, 'stdout', /^(http:\/\/\S+)\n/m, 'atoll repo serve');
  return { url: match[1] as string, child, log: () => [...lines] };
}

/** Debian's `python3 -m http.server` on a free port. */
export async function startPythonHttp(t: TestContext, dir: string): Promise<RunningServer> {
  const child = spawn(systemPython, ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(t, child);
  const lines: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const match = await waitForLine(child, 'stdout', /port (\d+)/, 'python3 -m http.server');
  return { url: `http://127.0.0.1:${match[1]}/`, child, log: () => [...lines] };
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A real nginx serving `dir` from a throwaway config; the log is nginx's access log. */
export async function startNginx(t: TestContext, dir: string, nginx = '/usr/sbin/nginx'): Promise<RunningServer> {
  const work = tempDir(t, 'atoll-nginx-');
  mkdirSync(join(work, 'tmp'), { recursive: true });
  const port = await freePort();
  const accessLog = join(work, 'access.log');
  writeFileSync(
    join(work, 'nginx.conf'),
    [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(work, 'nginx.pid')};`,
      `error_log ${join(work, 'error.log')} warn;`,
      'events { worker_connections 64; }',
      'http {',
      '  default_type application/octet-stream;',
      '  log_format plain "$request_method $uri $status $body_bytes_sent";',
      `  access_log ${accessLog} plain;`,
      `  client_body_temp_path ${join(work, 'tmp')};`,
      `  proxy_temp_path ${join(work, 'tmp')};`,
      `  fastcgi_temp_path ${join(work, 'tmp')};`,
      `  uwsgi_temp_path ${join(work, 'tmp')};`,
      `  scgi_temp_path ${join(work, 'tmp')};`,
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    root ${dir};`,
      '    autoindex off;',
      '    location ~ /\\. { return 404; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(nginx, ['-p', work, '-c', join(work, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(t, child);
  const url = `http://127.0.0.1:${port}/`;
  // nginx prints nothing when it is ready: poll until the port answers.
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}config`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, child, log: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8').split('\n').filter(Boolean) : []) };
}
