import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from 'undici';
import { AtollError, isErrno } from '../../errors/index.js';
import { cookieHeader, type Cookie } from './cookies.js';

/**
 * Where a pull reads files from: an HTTP(S) server (undici, keep-alive, bounded connections,
 * retries) or a local directory (`file://` remotes and `pull-local` of an archive repository).
 * Paths are repo-relative (`summary`, `objects/ab/cdef….filez`) and always built by the pull
 * from validated checksums and ref names. `get` returns undefined for "not there" (HTTP 404,
 * ENOENT), which OSTree treats as absence, never as failure.
 */
export interface FileSource {
  readonly description: string;
  get(path: string, options?: { maxSize?: number; contentUrl?: boolean }): Promise<Uint8Array | undefined>;
  /** Bytes received so far (HTTP bodies, or bytes read from disk). */
  readonly bytesTransferred: number;
  readonly requests: number;
  close(): Promise<void>;
}

export interface HttpSourceOptions {
  url: string;
  /** OSTree's `contenturl`: objects come from here, summary/refs/config from `url`. */
  contentUrl?: string | undefined;
  connections?: number;
  retries?: number;
  /** Per-request timeout in ms (headers and body idle). */
  timeoutMs?: number;
  tlsPermissive?: boolean;
  /** OSTree's tls-ca-path, tls-client-cert-path, tls-client-key-path (PEM file contents). */
  tlsCa?: Buffer | undefined;
  tlsClientCert?: Buffer | undefined;
  tlsClientKey?: Buffer | undefined;
  /** Extra request headers (`pull --http-header`), then the cookies of the remote's jar. */
  headers?: ReadonlyArray<readonly [string, string]>;
  /** The User-Agent header (default `atoll-pull`). */
  userAgent?: string;
  cookies?: readonly Cookie[];
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function tooLarge(path: string, maxSize: number): AtollError {
  return new AtollError('PULL_OBJECT_TOO_LARGE', `${path} exceeded maximum size of ${maxSize} bytes`, {
    data: { path, maxSize },
    hint: 'the server is not serving an OSTree repository, or the summary lies about the commit size',
  });
}

type AgentClass = typeof Agent;
/**
 * undici's Agent, loaded on first HTTP use (startup that other commands need not pay). Only the
 * Agent module and what it requires: undici's index also loads fetch, WebSocket, EventSource and
 * the caches, about as much again (~70 ms of CPU on every pull, a quarter of a small pull's
 * startup). The deep path is undici's own layout; should it move, the index is the fallback.
 */
const AGENT_MODULE: string = 'undici/lib/dispatcher/agent.js';
let agentLoaded: Promise<AgentClass> | undefined;
function undiciAgent(): Promise<AgentClass> {
  agentLoaded ??= (import(AGENT_MODULE) as Promise<{ default: AgentClass }>).then(
    (module) => module.default,
    async () => (await import('undici')).Agent,
  );
  return agentLoaded;
}

/**
 * A body that ended before its Content-Length: what arrived is kept, and the next attempt asks
 * for the rest with `Range: bytes=N-` (and `If-Range`, so a changed file comes whole).
 */
class IncompleteDownload extends Error {
  constructor(
    readonly chunks: Buffer[],
    readonly received: number,
    readonly expected: number,
    readonly validator: string | undefined,
    cause: unknown,
  ) {
    super(`Download incomplete: received ${received} of ${expected} bytes (${(cause as Error | undefined)?.message ?? 'connection closed'})`);
  }
}

interface Partial {
  chunks: Buffer[];
  length: number;
  validator: string | undefined;
}

/** Errors worth another try: the connection, not the content, failed. */
function isTransient(error: unknown): boolean {
  if (error instanceof IncompleteDownload) return true;
  if (error instanceof AtollError) return error.code === 'PULL_HTTP_STATUS' && Number(error.data?.status) >= 500;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('UND_ERR')) return true;
  return isErrno(error, 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET');
}

export class HttpSource implements FileSource {
  description: string;
  bytesTransferred = 0;
  requests = 0;
  private agent: Promise<Agent> | undefined;
  private readonly agentOptions: ConstructorParameters<typeof Agent>[0];
  private readonly base: URL;
  private readonly contentBase: URL;
  /** Mirrors tried in order for each file (one entry without a mirrorlist). */
  private bases: URL[];
  private contentBases: URL[];
  /** No contenturl of its own: objects come from wherever `url` points, mirrors included. */
  private readonly contentFollowsUrl: boolean;
  private readonly retries: number;

  private readonly headers: Record<string, string>;
  private readonly cookies: readonly Cookie[];

  constructor(options: HttpSourceOptions) {
    this.base = new URL(withSlash(options.url));
    this.contentBase = new URL(withSlash(options.contentUrl ?? options.url));
    this.headers = { 'user-agent': options.userAgent ?? 'atoll-pull' };
    for (const [name, value] of options.headers ?? []) this.headers[name.toLowerCase()] = value;
    // Credentials in the URL (http://user:pw@host/) become HTTP basic auth, as with libcurl.
    if (this.base.username !== '' || this.base.password !== '') {
      const user = decodeURIComponent(this.base.username);
      const password = decodeURIComponent(this.base.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      for (const url of [this.base, this.contentBase]) {
        url.username = '';
        url.password = '';
      }
    }
    this.contentFollowsUrl = options.contentUrl === undefined;
    this.bases = [this.base];
    this.contentBases = [this.contentBase];
    this.cookies = options.cookies ?? [];
    this.description = this.base.href;
    this.retries = options.retries ?? 5;
    const timeout = options.timeoutMs ?? 60_000;
    this.agentOptions = {
      connections: options.connections ?? 8,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: {
        ...(options.tlsPermissive ? { rejectUnauthorized: false } : {}),
        ...(options.tlsCa ? { ca: options.tlsCa } : {}),
        ...(options.tlsClientCert ? { cert: options.tlsClientCert } : {}),
        ...(options.tlsClientKey ? { key: options.tlsClientKey } : {}),
      },
    };
  }

  /**
   * Serve from these mirrors (OSTree's `mirrorlist=`): each file is tried on them in order,
   * the next one taken on any failure, a 404 included; the last mirror's answer stands.
   */
  setMirrors(urls: readonly string[], which: 'url' | 'contenturl'): void {
    if (urls.length === 0) throw new TypeError('setMirrors: no mirrors');
    const bases = urls.map((u) => new URL(withSlash(u)));
    if (which === 'url') {
      this.bases = bases;
      if (this.contentFollowsUrl) this.contentBases = bases;
      this.description = (bases[0] as URL).href;
    } else this.contentBases = bases;
  }

  async get(path: string, options: { maxSize?: number; contentUrl?: boolean } = {}): Promise<Uint8Array | undefined> {
    const bases = options.contentUrl ? this.contentBases : this.bases;
    for (let k = 0; ; k++) {
      const last = k === bases.length - 1;
      try {
        const bytes = await this.getUrl(new URL(path, bases[k]), options.maxSize, path);
        if (bytes !== undefined || last) return bytes;
      } catch (error) {
        if (last) throw error;
      }
    }
  }

  /** One absolute URL, with retries and Range resume; undefined on 404/410. */
  async getUrl(url: URL, maxSize?: number, path = url.pathname): Promise<Uint8Array | undefined> {
    let attempt = 0;
    let partial: Partial | undefined;
    for (;;) {
      try {
        return await this.once(url, path, maxSize, partial);
      } catch (error) {
        if (error instanceof IncompleteDownload) {
          // Resume where the body stopped; an attempt that brought new bytes is not held
          // against the retry budget (a server may cut every response short, as OSTree's
          // test server does with --force-range-requests).
          if (error.received > (partial?.length ?? 0)) attempt--;
          partial = { chunks: error.chunks, length: error.received, validator: error.validator };
        }
        if (attempt >= this.retries || !isTransient(error)) {
          if (error instanceof AtollError) throw error;
          throw new AtollError('PULL_HTTP_FAILED', `fetching ${url.href} failed after ${attempt + 1} attempt(s): ${(error as Error).message}`, {
            cause: error,
            data: { url: url.href },
          });
        }
        attempt++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  /**
   * One GET through undici's dispatch API: the body chunks are collected in the handler's
   * callbacks, without the Readable stream and async iterator `request()` builds per response
   * (a cost paid on the pull's only thread, ~50,000 times for an OS tree).
   */
  private async once(url: URL, path: string, maxSize: number | undefined, partial?: Partial): Promise<Uint8Array | undefined> {
    this.requests++;
    this.agent ??= undiciAgent().then((AgentConstructor) => new AgentConstructor(this.agentOptions));
    const agent = await this.agent;
    const cookie = cookieHeader(this.cookies, url);
    let headers = cookie === undefined ? this.headers : { ...this.headers, cookie };
    if (partial) {
      headers = { ...headers, range: `bytes=${partial.length}-` };
      if (partial.validator !== undefined) headers['if-range'] = partial.validator;
    }
    return await new Promise<Uint8Array | undefined>((resolve, reject) => {
      let status = 0;
      let chunks: Buffer[] = [];
      let length = 0;
      /** The whole file's size, when the response says (Content-Length, Content-Range). */
      let expected: number | undefined;
      let validator: string | undefined;
      let settled = false;
      let abort: (error?: Error) => void = () => undefined;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const incomplete = (cause: unknown): boolean => {
        if ((status !== 200 && status !== 206) || expected === undefined || length >= expected || settled) return false;
        settled = true;
        reject(new IncompleteDownload(chunks, length, expected, validator, cause));
        return true;
      };
      agent.dispatch(
        { origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers },
        {
          // undici's Client takes the callback form of a dispatch handler.
          onConnect: (abortRequest: (error?: Error) => void) => {
            abort = abortRequest;
          },
          onHeaders: (statusCode: number, rawHeaders: Buffer[]) => {
            status = statusCode;
            if (status !== 200 && status !== 206) return true;
            let contentLength: number | undefined;
            let range: RegExpExecArray | null = null;
            let etag: string | undefined;
            let lastModified: string | undefined;
            for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
              const name = String(rawHeaders[i]).toLowerCase();
              const value = String(rawHeaders[i + 1]);
              if (name === 'content-length') contentLength = Number(value);
              else if (name === 'content-range') range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
              else if (name === 'etag' && !/^W\//.test(value)) etag = value;
              else if (name === 'last-modified') lastModified = value;
            }
            validator = etag ?? lastModified;
            if (status === 206) {
              // Only the rest of what we hold is acceptable; anything else starts over.
              if (!partial || !range || Number(range[1]) !== partial.length) {
                const error = new AtollError('PULL_HTTP_STATUS', `server answered a range request for ${url.href} with an unexpected range`, { data: { status, url: url.href } });
                fail(error);
                abort(error);
                return false;
              }
              chunks = [...partial.chunks];
              length = partial.length;
              expected = range[3] === '*' ? (contentLength !== undefined ? partial.length + contentLength : undefined) : Number(range[3]);
            } else if (contentLength !== undefined && Number.isSafeInteger(contentLength)) expected = contentLength;
            if (maxSize !== undefined && expected !== undefined && expected > maxSize) {
              const error = tooLarge(path, maxSize);
              fail(error);
              abort(error);
            }
            return true;
          },
          onData: (chunk: Buffer) => {
            if ((status !== 200 && status !== 206) || settled) return true;
            length += chunk.length;
            this.bytesTransferred += chunk.length;
            if (maxSize !== undefined && length > maxSize) {
              const error = tooLarge(path, maxSize);
              fail(error);
              abort(error);
              return false;
            }
            chunks.push(chunk);
            return true;
          },
          onComplete: () => {
            if (settled || incomplete(undefined)) return;
            settled = true;
            if (status === 404 || status === 410) resolve(undefined);
            else if (status !== 200 && status !== 206) {
              reject(new AtollError('PULL_HTTP_STATUS', `server returned HTTP ${status} for ${url.href}`, { data: { status, url: url.href } }));
            } else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
          },
          onError: (error: Error) => {
            if (!incomplete(error)) fail(error);
          },
        },
      );
    });
  }

  async close(): Promise<void> {
    if (this.agent) await (await this.agent).close();
  }
}

/** A repository directory on this machine (`file://` URL or `pull-local`). */
export class DirectorySource implements FileSource {
  bytesTransferred = 0;
  requests = 0;
  readonly description: string;
  constructor(readonly root: string) {
    this.description = root;
  }

  async get(path: string, options: { maxSize?: number } = {}): Promise<Uint8Array | undefined> {
    this.requests++;
    let handle;
    try {
      handle = await open(join(this.root, path), 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw new AtollError('PULL_READ_FAILED', `cannot read ${join(this.root, path)}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return undefined;
      if (options.maxSize !== undefined && stat.size > options.maxSize) throw tooLarge(path, options.maxSize);
      const bytes = await handle.readFile();
      this.bytesTransferred += bytes.length;
      return bytes;
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {}
}

/** The source for a remote URL as OSTree accepts them: http://, https://, file://. */
export function sourceForUrl(url: string, options: Omit<HttpSourceOptions, 'url'> = {}): FileSource {
  if (url.startsWith('file://')) return new DirectorySource(fileURLToPath(url));
  if (url.startsWith('http://') || url.startsWith('https://')) return new HttpSource({ ...options, url });
  if (url.startsWith('metalink=') || url.startsWith('mirrorlist=')) {
    throw new AtollError('PULL_UNSUPPORTED_URL', `metalink and mirrorlist URLs need to be resolved first: ${url}`, { hint: 'pull through openRemoteSource, which reads the metalink or mirrorlist' });
  }
  throw new AtollError('PULL_UNSUPPORTED_URL', `Invalid URI scheme in ${url}`, { hint: 'use an http://, https:// or file:// URL' });
}
