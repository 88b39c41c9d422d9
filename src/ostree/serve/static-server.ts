import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeSync, createReadStream, fstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { AtollError, isErrno } from '../../errors/index.js';
import { safePathComponents } from '../../util/index.js';

/**
 * A static, read-only HTTP server for an archive repository: exactly what `ostree pull` needs
 * from any web server (GET/HEAD of plain files, 404 for anything missing) plus what makes it
 * cache-friendly (ETag, Last-Modified, conditional requests, byte ranges, keep-alive).
 *
 * Safety: the URL path is percent-decoded, split and checked component by component (no `..`,
 * no NUL, no dot-files such as `.lock` or in-flight temp files), then the file is resolved with
 * realpath and must still lie inside the repository's own realpath, so a symlink in the repo
 * that points outside is refused. Directories are never listed (404).
 */
export interface RepoServerOptions {
  /** The repository directory (the one holding `config` and `objects/`). */
  root: string;
  /** Defaults to 127.0.0.1: serving on all interfaces is an explicit choice. */
  address?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Called after each response is finished (for logs and for tests that count traffic). */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
}

export interface RepoServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

/** Content types by suffix; everything OSTree stores is opaque binary except a few text files. */
function contentType(relativePath: string): string {
  if (relativePath === 'config' || relativePath.startsWith('refs/')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/**
 * Objects and deltas are content-addressed and never change once written, so caches may keep
 * them forever; refs, summary and config change on every commit and must be revalidated.
 */
function cacheControl(relativePath: string): string {
  if (relativePath.startsWith('objects/') && !relativePath.endsWith('.commitmeta')) return 'public, max-age=31536000, immutable';
  if (relativePath.startsWith('deltas/')) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

/** Decode and validate a request path into repo-relative components, or undefined to refuse. */
export function requestPathComponents(rawUrl: string): string[] | undefined {
  const pathname = rawUrl.split('?', 1)[0]?.split('#', 1)[0] ?? '';
  if (!pathname.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\\')) return undefined;
  const parts = safePathComponents(decoded);
  if (parts === undefined) return undefined;
  if (parts.some((p) => p.startsWith('.'))) return undefined;
  return parts;
}

export function formatEtag(size: number, mtimeMs: number, ino: number): string {
  return `"${ino.toString(16)}-${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/** Parse a single `bytes=` range against a size; 'unsatisfiable', or undefined to serve whole. */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  // Multiple ranges or other units: serving the full body is always allowed (RFC 9110 14.2).
  if (!match) return undefined;
  const [, a = '', b = ''] = match;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== '' && Number(b) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored for If-None-Match.
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Bodies up to this size are read in one synchronous read and sent with one write. */
const INLINE_BODY_MAX = 1024 * 1024;

export async function startRepoServer(options: RepoServerOptions): Promise<RepoServer> {
  let rootReal: string;
  try {
    rootReal = realpathSync.native(options.root);
  } catch (error) {
    throw new AtollError('SERVE_NO_REPO', `cannot serve ${options.root}: ${(error as Error).message}`, { cause: error });
  }
  const onRequest = options.onRequest;

  /**
   * Path → open file descriptor, or undefined (→ 404). Synchronous, as every file access of a
   * request: a repository's files are local and small, and realpath, open, fstat, read and close
   * each cost a few microseconds as plain syscalls, but a thread-pool round trip each (with its
   * wake-ups, and scheduling delays on a loaded machine) when asynchronous. A pull asks for tens
   * of thousands of objects; the server's latency per request is what the pull waits for.
   */
  function resolveFile(parts: string[]): { fd: number; relativePath: string } | undefined {
    const joined = join(rootReal, ...parts);
    let real: string;
    try {
      real = realpathSync.native(joined);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'ENAMETOOLONG')) return undefined;
      throw error;
    }
    // A symlink (or a symlinked directory) that leads outside the repository is refused.
    if (!real.startsWith(rootReal + sep)) return undefined;
    let fd: number;
    try {
      fd = openSync(real, 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'EISDIR')) return undefined;
      throw error;
    }
    return { fd, relativePath: real.slice(rootReal.length + 1).split(sep).join('/') };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<number> {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 });
      response.end();
      return 0;
    }
    const parts = requestPathComponents(request.url ?? '/');
    const found = parts === undefined || parts.length === 0 ? undefined : resolveFile(parts);
    if (!found) {
      const body = 'not found\n';
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      response.end(method === 'HEAD' ? undefined : body);
      return method === 'HEAD' ? 0 : body.length;
    }
    const { fd, relativePath } = found;
    let streaming = false;
    try {
      const stat: Stats = fstatSync(fd);
      if (!stat.isFile()) {
        // Directories are never listed.
        response.writeHead(404, { 'Content-Length': 0 });
        response.end();
        return 0;
      }
      const etag = formatEtag(stat.size, stat.mtimeMs, stat.ino);
      const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000);
      const headers: Record<string, string | number> = {
        'Content-Type': contentType(relativePath),
        ETag: etag,
        'Last-Modified': lastModified.toUTCString(),
        'Accept-Ranges': 'bytes',
        'Cache-Control': cacheControl(relativePath),
      };
      const inm = request.headers['if-none-match'];
      const ims = request.headers['if-modified-since'];
      const notModified =
        inm !== undefined ? etagMatches(inm, etag) : ims !== undefined && !Number.isNaN(Date.parse(ims)) && lastModified.getTime() <= Date.parse(ims);
      if (notModified) {
        response.writeHead(304, headers);
        response.end();
        return 0;
      }
      let start = 0;
      let end = stat.size - 1;
      let status = 200;
      const rangeHeader = request.headers.range;
      const ifRange = request.headers['if-range'] as string | undefined;
      const rangeApplies =
        rangeHeader !== undefined &&
        (ifRange === undefined || ifRange === etag || (!ifRange.startsWith('"') && !ifRange.startsWith('W/') && Date.parse(ifRange) >= lastModified.getTime()));
      if (rangeApplies) {
        const range = parseRange(rangeHeader, stat.size);
        if (range === 'unsatisfiable') {
          response.writeHead(416, { ...headers, 'Content-Range': `bytes */${stat.size}`, 'Content-Length': 0 });
          response.end();
          return 0;
        }
        if (range) {
          ({ start, end } = range);
          status = 206;
          headers['Content-Range'] = `bytes ${start}-${end}/${stat.size}`;
        }
      }
      const length = Math.max(0, end - start + 1);
      headers['Content-Length'] = length;
      response.writeHead(status, headers);
      if (method === 'HEAD' || length === 0) {
        response.end();
        return 0;
      }
      if (length <= INLINE_BODY_MAX) {
        // Objects, refs and summaries: one read, one write.
        const body = Buffer.allocUnsafe(length);
        let done = 0;
        while (done < length) {
          const n = readSync(fd, body, done, length - done, start + done);
          if (n === 0) break;
          done += n;
        }
        response.end(done === length ? body : body.subarray(0, done));
        return done;
      }
      // Large files (static deltas) are streamed; the stream owns (and closes) the descriptor.
      const stream = createReadStream('', { fd, start, end, autoClose: true });
      streaming = true;
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        response.on('close', () => {
          stream.destroy();
          resolve();
        });
        stream.pipe(response);
      });
      return length;
    } finally {
      if (!streaming) closeSync(fd);
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).then(
      (bytes) => onRequest?.({ method: request.method ?? 'GET', path: request.url ?? '', status: response.statusCode, bytes }),
      () => {
        if (!response.headersSent) {
          response.writeHead(500, { 'Content-Length': 0 });
          response.end();
        } else {
          response.destroy();
        }
        onRequest?.({ method: request.method ?? 'GET', path: request.url ?? '', status: 500, bytes: 0 });
      },
    );
  });
  // Pull clients keep one connection per parallel request; idle ones may linger a while.
  server.keepAliveTimeout = 30_000;
  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new AtollError('SERVE_LISTEN_FAILED', `cannot listen on ${address}:${options.port ?? 0}: ${error.message}`, { cause: error })),
    );
    server.listen(options.port ?? 0, address, () => resolve());
  });
  const info = server.address() as AddressInfo;
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return {
    url: `http://${host}:${info.port}/`,
    port: info.port,
    address: info.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
