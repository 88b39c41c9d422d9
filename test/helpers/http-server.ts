import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';

/**
 * How the server answers one request. `ok` serves the file (honouring Range); the others
 * misbehave on purpose so download code can be tested against real failure modes.
 */
export type Behavior =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  /** Announce the full Content-Length, send only `bytes`, then cut the connection. */
  | { kind: 'truncate'; bytes: number }
  /** Serve the file with some bytes changed (same length). */
  | { kind: 'corrupt' }
  /** Wait `ms` before answering normally. */
  | { kind: 'slow'; ms: number };

export interface TestHttpServer {
  /** Base URL ending in `/`, on 127.0.0.1. */
  url: string;
  /** Requests seen, in order: path and Range header. */
  requests: Array<{ path: string; range: string | undefined }>;
  /** Decide per request; `count` is how many times this path was requested before (0-based). */
  setBehavior(rule: (path: string, count: number) => Behavior): void;
  close(): Promise<void>;
}

/**
 * A tiny static file server for tests, bound to 127.0.0.1 only, serving `root`. Paths
 * containing `..` are refused. Only GET/HEAD.
 */
export async function startHttpServer(root: string): Promise<TestHttpServer> {
  let rule: (path: string, count: number) => Behavior = () => ({ kind: 'ok' });
  const counts = new Map<string, number>();
  const requests: TestHttpServer['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch(() => {
      res.destroy();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ path, range: req.headers.range });
    const count = counts.get(path) ?? 0;
    counts.set(path, count + 1);
    const behavior = rule(path, count);
    if (behavior.kind === 'status') {
      res.writeHead(behavior.status, { 'content-type': 'text/plain' });
      res.end(`status ${behavior.status}\n`);
      return;
    }
    if (behavior.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, behavior.ms));
    const rel = normalize(path).replace(/^\/+/, '');
    if (rel.split('/').includes('..')) {
      res.writeHead(403).end();
      return;
    }
    let data: Buffer;
    try {
      data = await readFile(join(root, rel));
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (behavior.kind === 'corrupt') {
      data = Buffer.from(data);
      for (let i = Math.floor(data.length / 2); i < Math.min(data.length, Math.floor(data.length / 2) + 16); i++) data[i] = (data[i] as number) ^ 0xff;
    }
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      status = 206;
    }
    const body = data.subarray(start);
    const headers: Record<string, string | number> = { 'content-length': body.length, 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    if (status === 206) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (behavior.kind === 'truncate') {
      res.write(body.subarray(0, Math.min(behavior.bytes, body.length)), () => {
        res.socket?.destroy();
      });
      return;
    }
    res.end(body);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    setBehavior(next) {
      rule = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
