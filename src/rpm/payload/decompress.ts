import { spawn, spawnSync } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import { AtollError } from '../../errors/index.js';

/**
 * Payload decompressors, chosen by PAYLOADCOMPRESSOR (rpm-format.md §8.1). Each turns an async
 * iterable of compressed chunks into an async iterable of cpio bytes, streaming, never holding a
 * whole payload.
 *
 * gzip runs in-process (node:zlib). Node 20 has no xz, lzma, zstd or bzip2, and the npm options
 * are either pure JS/wasm (several times slower than liblzma/libzstd) or download binaries at
 * install time; so those run through Debian's own `xz`, `zstd` and `bzip2` programs on a pipe,
 * which decode at native speed on another core while we parse cpio and write files. The
 * registry hides which is which; a native binding can replace an entry without callers noticing.
 */

export type ByteSource = AsyncIterable<Uint8Array>;
export type Decompressor = (input: ByteSource) => ByteSource;

async function* gunzip(input: ByteSource): ByteSource {
  const iterator = input[Symbol.asyncIterator]();
  // rpm's gzip reader passes data that is not gzip through unchanged (uncompressed payloads
  // written without a PAYLOADCOMPRESSOR tag rely on it).
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  const rest: ByteSource = {
    [Symbol.asyncIterator]: () => iterator,
  };
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    yield head;
    yield* rest;
    return;
  }
  // Concatenated gzip members are decoded too (zlib's gunzip handles multi-member input).
  const z = createGunzip({ chunkSize: 256 * 1024 });
  const feed = (async () => {
    try {
      if (!z.write(head)) await new Promise((r) => z.once('drain', r));
      for await (const chunk of rest) {
        if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
      }
      z.end();
    } catch (error) {
      z.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of z) yield chunk as Uint8Array;
  } catch (error) {
    if (error instanceof AtollError) throw error;
    throw new AtollError('RPM_PAYLOAD_BAD', `gzip payload is corrupt: ${(error as Error).message}`, { cause: error });
  } finally {
    z.destroy();
    await feed.catch(() => undefined);
  }
}

/** The coded error for a decoder program that cannot be started (not installed, not executable). */
export function decoderNotRunnable(program: string, label: string, error: Error): AtollError {
  return new AtollError('UTIL_PROGRAM_NOT_RUNNABLE', `cannot run ${program} to decompress the ${label} payload: ${error.message}`, {
    hint: `install ${program} (Debian package ${program === 'zstd' ? 'zstd' : program === 'bzip2' ? 'bzip2' : 'xz-utils'})`,
    cause: error,
  });
}

function viaProgram(program: string, args: string[], label: string): Decompressor {
  return async function* (input: ByteSource): ByteSource {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    const spawnError = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(decoderNotRunnable(program, label, error)),
      );
    });
    spawnError.catch(() => undefined);
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // Once the decoder is gone (finished early, or failed), the rest of the input is still read
    // (so digests over the compressed bytes complete) but no longer written.
    let gone = false;
    let abandoned = false; // the consumer stopped reading: stop reading the input too
    let wake: (() => void) | undefined;
    const markGone = (): void => {
      gone = true;
      wake?.();
    };
    child.once('exit', markGone);
    child.stdin.once('close', markGone);
    child.stdin.on('error', markGone); // EPIPE when the decoder stops early: its exit status tells
    const feed = (async () => {
      try {
        await feedAll();
      } catch (error) {
        // The input failed (a read error, a digest mismatch): stop the decoder instead of
        // leaving it waiting for bytes that will never come.
        child.stdin.destroy();
        child.kill('SIGKILL');
        throw error;
      }
    })();
    async function feedAll(): Promise<void> {
      for await (const chunk of input) {
        if (abandoned) break;
        if (gone) continue;
        if (!child.stdin.write(chunk)) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            child.stdin.once('drain', resolve);
            if (gone) resolve();
          });
          wake = undefined;
        }
      }
      if (!gone) child.stdin.end();
    }
    // Handled later (awaited after the output ends); without this an early failure would be an
    // unhandled rejection while we are still reading the decoder's output.
    feed.catch(() => undefined);
    let finished = false;
    try {
      for await (const chunk of child.stdout) yield chunk as Uint8Array;
      await feed; // an input failure (digest mismatch) is the more useful error: it comes first
      const code = await Promise.race([spawnError, exited]); // a failed spawn wins over its close event
      if (code !== 0) {
        throw new AtollError('RPM_PAYLOAD_BAD', `${label} payload is corrupt: ${stderr.trim() || `${program} exited ${code}`}`);
      }
      finished = true;
    } finally {
      if (!finished) {
        abandoned = true;
        wake?.();
        child.kill('SIGKILL');
        child.stdin.destroy();
        await feed.catch(() => undefined);
      }
    }
  };
}

/** The programs behind the program-based decoders (decoder-pipe.ts runs them on a FIFO). */
export interface DecoderProgram {
  program: string;
  args: string[];
  label: string;
  /**
   * Arguments that skip the format's own integrity check (xz's CRC/SHA-256 of the decoded
   * data), for callers that verify a digest over the compressed bytes instead.
   */
  ignoreCheckArgs: string[];
  /** Arguments that only make it faster, when this program's version has them (probed once). */
  tuningArgs?: () => string[];
}

let zstdTuning: string[] | undefined;

/**
 * zstd ≥ 1.5.3 decodes with two extra I/O threads by default (asyncio), which on a pipe
 * means ~9,000 futex wake-ups per 100 MB for nothing (rpm2cpio's libzstd has none):
 * `--no-asyncio` turns them off. Older versions refuse the option, so the version is probed
 * once (~2 ms).
 */
function zstdTuningFrom(versionText: string): string[] {
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  const version = m ? Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]) : 0;
  return version >= 10503 ? ['--no-asyncio'] : [];
}

function zstdTuningArgs(): string[] {
  zstdTuning ??= zstdTuningFrom(spawnSync('zstd', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).stdout ?? '');
  return zstdTuning;
}

/** Probe the decoder program's version ahead of time (asynchronously), so that tuningArgs() does not block. */
export function probeDecoderTuning(compressor: string | null): Promise<void> {
  if (compressor !== 'zstd' || zstdTuning !== undefined || !programs.has('zstd')) return Promise.resolve();
  return new Promise((resolve) => {
    let out = '';
    const child = spawn('zstd', ['-V'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.once('error', () => {
      zstdTuning ??= [];
      resolve();
    });
    child.once('close', () => {
      zstdTuning ??= zstdTuningFrom(out);
      resolve();
    });
  });
}

const programs = new Map<string, DecoderProgram>([
  ['xz', { program: 'xz', args: ['-dc', '--format=xz', '--single-stream', '-T0'], label: 'xz', ignoreCheckArgs: ['--ignore-check'] }],
  ['lzma', { program: 'xz', args: ['-dc', '--format=lzma'], label: 'lzma', ignoreCheckArgs: [] }],
  ['zstd', { program: 'zstd', args: ['-dcq', '--no-progress'], label: 'zstd', ignoreCheckArgs: [], tuningArgs: zstdTuningArgs }],
  ['bzip2', { program: 'bzip2', args: ['-dc'], label: 'bzip2', ignoreCheckArgs: [] }],
]);

const registry = new Map<string, Decompressor>([['gzip', gunzip]]);
for (const [name, p] of programs) registry.set(name, viaProgram(p.program, p.args, p.label));

/** Replace or add a decompressor (e.g. a native binding). */
export function registerDecompressor(name: string, decompressor: Decompressor): void {
  registry.set(name, decompressor);
  programs.delete(name);
}

/** The program that decodes a PAYLOADCOMPRESSOR value, when a program does (not gzip, not a registered replacement). */
export function payloadDecoderProgram(compressor: string | null): DecoderProgram | undefined {
  return programs.get(compressor ?? 'gzip');
}

/**
 * The decoder for a PAYLOADCOMPRESSOR value; null (tag absent) means rpm's default, gzip with
 * pass-through of non-gzip data.
 */
export function payloadDecompressor(compressor: string | null): Decompressor {
  const found = registry.get(compressor ?? 'gzip');
  if (!found) {
    throw new AtollError('RPM_COMPRESSOR_UNKNOWN', `unknown payload compressor '${compressor}'`, {
      hint: 'rpm knows gzip, bzip2, xz, lzma and zstd',
      data: { compressor },
    });
  }
  return found;
}
