import { createReadStream } from 'node:fs';
import { open, stat, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Agent, Dispatcher } from 'undici';
import { AtollError } from '../errors/index.js';
import { createChecksum } from './checksum.js';
import type { Hash } from 'node:crypto';

/** Why one attempt at one URL failed, and whether trying the same URL again can help. */
export class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export interface TransportOptions {
  /** Connections per origin (keep-alive pool size). */
  connections?: number;
  /** Per-request inactivity timeout in ms. */
  timeoutMs?: number;
}

/**
 * HTTP(S) through one undici Agent (keep-alive, bounded connections per origin) and
 * `file://` through the filesystem. Only moves bytes: verification is the caller's job.
 */
export class Transport {
  /** Made on the first HTTP request: undici is not even loaded for file:// repositories. */
  private http: Promise<{ agent: Agent; dispatcher: Dispatcher; request: typeof import('undici').request }> | null = null;
  private readonly connections: number;
  private readonly timeoutMs: number;

  constructor(options: TransportOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.connections = options.connections ?? 4;
  }

  private client(): Promise<{ agent: Agent; dispatcher: Dispatcher; request: typeof import('undici').request }> {
    this.http ??= import('undici').then(({ Agent, interceptors, request }) => {
      const agent = new Agent({
        connections: this.connections,
        keepAliveTimeout: 10_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      return { agent, dispatcher: agent.compose(interceptors.redirect({ maxRedirections: 5 })), request };
    });
    return this.http;
  }

  async close(): Promise<void> {
    if (this.http !== null) await (await this.http).agent.close();
  }

  /** Fetch a small document whole (repomd.xml, mirrorlist, metalink). */
  async fetchBytes(url: string): Promise<Buffer> {
    if (url.startsWith('file:')) {
      try {
        return await readFile(fileURLToPath(url));
      } catch (error) {
        throw new AttemptError(`cannot read ${url}: ${(error as Error).message}`, false);
      }
    }
    const { request, dispatcher } = await this.client();
    let response;
    try {
      response = await request(url, { dispatcher, method: 'GET' });
    } catch (error) {
      throw new AttemptError(`${url}: ${(error as Error).message}`, true);
    }
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      throw new AttemptError(`${url}: HTTP ${response.statusCode}`, response.statusCode >= 500 || response.statusCode === 429, response.statusCode);
    }
    const expected = Number(response.headers['content-length'] ?? NaN);
    let body: Buffer;
    try {
      body = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      throw new AttemptError(`${url}: ${(error as Error).message}`, true);
    }
    if (Number.isFinite(expected) && body.length !== expected) {
      throw new AttemptError(`${url}: truncated body (${body.length} of ${expected} bytes)`, true);
    }
    return body;
  }

  /**
   * Download `url` into `partPath`, appending to what is already there when the server
   * honours a Range request (resume). `onBytes` reports bytes as they arrive. A body shorter
   * than its Content-Length leaves the partial file in place for the next attempt.
   * With `checksumType`, the file's digest is computed on the way (the kept prefix of a
   * resumed file is read once) and returned with its size, so verification needs no second
   * pass; null when the digest is not known (the server had nothing left to send).
   */
  async fetchToPart(
    url: string,
    partPath: string,
    onBytes: (n: number) => void = () => undefined,
    checksumType?: string,
  ): Promise<{ size: number; digest: string } | null> {
    const hash = checksumType !== undefined ? createChecksum(checksumType) : null;
    if (url.startsWith('file:')) {
      const size = await this.copyFile(fileURLToPath(url), url, partPath, onBytes, hash);
      return hash ? { size, digest: hash.digest('hex') } : null;
    }
    const have = await stat(partPath).then((s) => s.size, () => 0);
    // The file is open before the request so that the body's listeners are attached in the
    // same tick the response arrives: a connection that breaks meanwhile is still seen.
    const { request, dispatcher } = await this.client();
    const handle = await open(partPath, 'a');
    try {
      let response;
      try {
        response = await request(url, {
          dispatcher,
          method: 'GET',
          headers: have > 0 ? { range: `bytes=${have}-` } : {},
        });
      } catch (error) {
        throw new AttemptError(`${url}: ${(error as Error).message}`, true);
      }
      const status = response.statusCode;
      if (status === 416 && have > 0) {
        // Nothing left to send: the partial file is already complete (verification decides).
        await response.body.dump().catch(() => undefined);
        return null;
      }
      if (status !== 200 && status !== 206) {
        await response.body.dump().catch(() => undefined);
        throw new AttemptError(`${url}: HTTP ${status}`, status >= 500 || status === 429 || status === 408, status);
      }
      const append = status === 206 && have > 0;
      const expected = Number(response.headers['content-length'] ?? NaN);
      const prefix = append && hash ? hashPrefix(partPath, have, hash) : Promise.resolve();
      let received = 0;
      try {
        received = await drainToFile(response.body, handle, append ? prefix : handle.truncate(0), onBytes, hash);
      } catch (error) {
        throw new AttemptError(`${url}: transfer interrupted: ${(error as Error).message}`, true);
      }
      if (Number.isFinite(expected) && received !== expected) {
        throw new AttemptError(`${url}: truncated body (${received} of ${expected} bytes)`, true);
      }
      return hash ? { size: (append ? have : 0) + received, digest: hash.digest('hex') } : null;
    } finally {
      await handle.close();
    }
  }

  private async copyFile(path: string, url: string, partPath: string, onBytes: (n: number) => void, hash: Hash | null): Promise<number> {
    const handle = await open(partPath, 'w');
    let size = 0;
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        await handle.write(chunk);
        hash?.update(chunk);
        size += chunk.length;
        onBytes(chunk.length);
      }
      return size;
    } catch (error) {
      throw new AttemptError(`cannot read ${url}: ${(error as Error).message}`, false);
    } finally {
      await handle.close();
    }
  }
}

/**
 * Write a response body to `handle` as it arrives (flowing mode), so that when the connection
 * breaks every byte already received is on disk for the next attempt to resume from; an
 * async iterator would drop buffered chunks on error. Pauses the body while more than 8 MiB
 * wait for the disk. Rejects with the body's error after the received bytes are written.
 */
async function drainToFile(
  body: NodeJS.ReadableStream & { destroy?: () => void; errored?: Error | null },
  handle: FileHandle,
  before: Promise<void>,
  onBytes: (n: number) => void,
  hash: Hash | null,
): Promise<number> {
  let written = 0;
  let queued = 0;
  let writeError: unknown = null;
  let chain: Promise<void> = before.catch((error: unknown) => {
    writeError = error;
  });
  if (body.errored) throw body.errored;
  await new Promise<void>((resolve, reject) => {
    const finish = (error: unknown): void => {
      void chain.then(() => (error ?? writeError ? reject(error ?? writeError) : resolve()));
    };
    body.on('data', (chunk: Buffer) => {
      queued += chunk.length;
      if (queued > 8 << 20) body.pause();
      chain = chain.then(async () => {
        if (writeError) return;
        try {
          await handle.write(chunk);
          hash?.update(chunk);
          written += chunk.length;
          onBytes(chunk.length);
        } catch (error) {
          writeError = error;
          body.destroy?.();
        }
        queued -= chunk.length;
        if (queued <= 1 << 20 && body.isPaused()) body.resume();
      });
    });
    body.on('end', () => finish(null));
    body.on('error', (error) => finish(error));
  });
  return written;
}

/** Feed the first `length` bytes of a file (the kept part of a resumed download) into `hash`. */
async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
}

/** Digest and size of a file on disk. */
export async function fileChecksum(path: string, type: string): Promise<{ size: number; digest: string }> {
  const hash = createChecksum(type);
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, digest: hash.digest('hex') };
}

export interface Expected {
  size: number | null;
  checksum: { type: string; value: string } | null;
}

/**
 * Check a finished file against what metadata promised; returns a reason when it does not
 * match. `known` is the size and digest computed while the file was written (same type).
 */
export async function verifyFile(path: string, expected: Expected, known?: { size: number; digest: string } | null): Promise<string | null> {
  const type = expected.checksum?.type ?? 'sha256';
  const actual = known ?? (await fileChecksum(path, type));
  if (expected.size !== null && actual.size !== expected.size) return `size ${actual.size}, expected ${expected.size}`;
  if (expected.checksum !== null && actual.digest !== expected.checksum.value.toLowerCase()) {
    return `${expected.checksum.type} ${actual.digest}, expected ${expected.checksum.value}`;
  }
  return null;
}

/**
 * Move a verified part file to its final name. No fsync: a downloaded file is verified again
 * every time it is reused (fetchVerified), so one that a crash damaged is fetched again, never
 * trusted; syncing every package would only slow downloads down.
 */
export async function commitPart(partPath: string, finalPath: string): Promise<void> {
  await rename(partPath, finalPath);
}

export async function removeIfExists(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

export function downloadFailed(what: string, attempts: string[]): AtollError {
  return new AtollError('RPMMD_DOWNLOAD_FAILED', `cannot download ${what}: ${attempts.join('; ')}`, {
    hint: 'check the repository URLs (baseurl, mirrorlist, metalink) and the network',
    data: { what, attempts },
  });
}
