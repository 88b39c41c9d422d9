/**
 * Writer-side payload compressors. gzip uses Node's zlib (deterministic: no name, mtime 0).
 * xz, zstd and bzip2 run Debian's own `xz`, `zstd` and `bzip2` programs: Node 20's zlib has
 * none of them, the npm ports are either native addons with downloaded binaries or slow pure-JS
 * encoders, and the Debian programs use the very liblzma/libzstd/libbz2 that Debian's rpm links,
 * and with rpm's settings (xz: SHA-256 check; zstd: no checksum) their streams equal rpmbuild's
 * byte for byte (checked against the golden packages). They run single-threaded so the output
 * is reproducible. zlib in Node is Chromium's fork: its gzip stream is valid but not bit-equal
 * to rpm's. Level 19 zstd costs ~0.1 s per package (window allocation), as in rpmbuild; choose
 * a lower level where many packages are built.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import { AtollError } from '../../errors/index.js';
import type { PayloadCompressor } from './description.js';

export interface CompressorSpec {
  /** PAYLOADCOMPRESSOR value; undefined = tag absent (uncompressed payload). */
  tagValue: string | undefined;
  defaultLevel: number | undefined;
  /** Accepted levels (inclusive). */
  levels: readonly [number, number] | undefined;
  /** `rpmlib(PayloadIs...)` requirement rpmbuild adds for this compressor. */
  rpmlib: { name: string; version: string } | undefined;
  /** Compress the stream of chunks (consumed in order, with backpressure); returns the compressed bytes. */
  compress(chunks: Iterable<Uint8Array>, level: number | undefined): Promise<Uint8Array>;
}

/** Feed `chunks` into `input` honouring backpressure while collecting `output`. */
async function pump(input: Writable, output: Readable, chunks: Iterable<Uint8Array>, done: Promise<unknown>): Promise<Uint8Array> {
  const out: Buffer[] = [];
  output.on('data', (chunk: Buffer) => out.push(chunk));
  let failure: unknown;
  input.on('error', (error) => (failure ??= error));
  for (const chunk of chunks) {
    if (failure !== undefined) break;
    if (chunk.length === 0) continue;
    // Copy: sources reuse their buffers between chunks, and the write may be queued.
    if (!input.write(Buffer.from(chunk))) await Promise.race([once(input, 'drain'), done]);
  }
  input.end();
  await done;
  if (failure !== undefined) throw failure;
  const total = Buffer.concat(out);
  return new Uint8Array(total.buffer, total.byteOffset, total.byteLength);
}

async function viaProgram(program: string, args: string[], chunks: Iterable<Uint8Array>): Promise<Uint8Array> {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (error) =>
      reject(
        new AtollError('RPM_BUILD_COMPRESS_FAILED', `cannot run ${program} to compress the payload: ${error.message}`, {
          cause: error,
          hint: `install ${program} (scripts/setup-peers.sh installs it)`,
        }),
      ),
    );
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  let compressed: Uint8Array;
  try {
    compressed = await pump(child.stdin, child.stdout, chunks, exited);
  } catch (error) {
    child.kill();
    if (error instanceof AtollError) throw error;
    await exited.catch(() => undefined);
    throw new AtollError('RPM_BUILD_COMPRESS_FAILED', `${program} stopped reading the payload: ${Buffer.concat(stderr).toString('utf8').trim() || String(error)}`, {
      cause: error,
    });
  }
  const status = await exited;
  if (status !== 0) {
    throw new AtollError('RPM_BUILD_COMPRESS_FAILED', `${program} failed compressing the payload (status ${status}): ${Buffer.concat(stderr).toString('utf8').trim()}`, {
      hint: `check that Debian's ${program} works (scripts/setup-peers.sh installs it)`,
    });
  }
  return compressed;
}

async function viaGzip(chunks: Iterable<Uint8Array>, level: number): Promise<Uint8Array> {
  const gzip = createGzip({ level });
  const ended = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  return await pump(gzip, gzip, chunks, ended);
}

function concatChunks(chunks: Iterable<Uint8Array>): Uint8Array {
  const parts: Buffer[] = [];
  for (const chunk of chunks) if (chunk.length > 0) parts.push(Buffer.from(chunk));
  const total = Buffer.concat(parts);
  return new Uint8Array(total.buffer, total.byteOffset, total.byteLength);
}

export const PAYLOAD_COMPRESSORS: Readonly<Record<PayloadCompressor, CompressorSpec>> = {
  gzip: {
    tagValue: 'gzip',
    defaultLevel: 9,
    levels: [1, 9],
    rpmlib: undefined,
    compress: (chunks, level) => viaGzip(chunks, level ?? 9),
  },
  xz: {
    tagValue: 'xz',
    defaultLevel: 6,
    levels: [0, 9],
    rpmlib: { name: 'rpmlib(PayloadIsXz)', version: '5.2-1' },
    // rpm's xzdio uses an SHA-256 block check; with it the stream equals rpmbuild's byte for byte.
    compress: (chunks, level) => viaProgram('xz', [`-${level ?? 6}`, '--threads=1', '--check=sha256', '--stdout', '--quiet'], chunks),
  },
  zstd: {
    tagValue: 'zstd',
    defaultLevel: 19,
    levels: [1, 19],
    rpmlib: { name: 'rpmlib(PayloadIsZstd)', version: '5.4.18-1' },
    // rpm's zstdio writes no frame checksum; without it the stream equals rpmbuild's byte for byte.
    compress: (chunks, level) => viaProgram('zstd', [`-${level ?? 19}`, '--single-thread', '--no-check', '--stdout', '--quiet', '--no-progress'], chunks),
  },
  bzip2: {
    tagValue: 'bzip2',
    defaultLevel: 9,
    levels: [1, 9],
    rpmlib: { name: 'rpmlib(PayloadIsBzip2)', version: '3.0.5-1' },
    compress: (chunks, level) => viaProgram('bzip2', [`-${level ?? 9}`, '--stdout', '--quiet'], chunks),
  },
  none: {
    tagValue: undefined,
    defaultLevel: undefined,
    levels: undefined,
    rpmlib: undefined,
    compress: async (chunks) => concatChunks(chunks),
  },
};

export function compressorSpec(name: string): CompressorSpec {
  const spec = (PAYLOAD_COMPRESSORS as Record<string, CompressorSpec | undefined>)[name];
  if (spec === undefined) {
    throw new AtollError('RPM_BUILD_COMPRESSOR_UNKNOWN', `unknown payload compressor '${name}'`, {
      hint: `use one of ${Object.keys(PAYLOAD_COMPRESSORS).join(', ')}`,
    });
  }
  return spec;
}
