import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { open } from 'node:fs/promises';
import { AtollError } from '../errors/index.js';

export type Compression = 'none' | 'gz' | 'xz' | 'zst' | 'bz2' | 'zck';

const SUFFIXES: ReadonlyArray<readonly [string, Compression]> = [
  ['.gz', 'gz'],
  ['.xz', 'xz'],
  ['.zst', 'zst'],
  ['.bz2', 'bz2'],
  ['.zck', 'zck'],
];

/** Compression named by a file suffix, or undefined when the suffix names none. */
export function compressionFromName(name: string): Compression | undefined {
  for (const [suffix, kind] of SUFFIXES) if (name.endsWith(suffix)) return kind;
  return undefined;
}

/** Compression recognised from the first bytes of a file (rpm-md.md §2.2). */
export function compressionFromMagic(head: Uint8Array): Compression | undefined {
  const starts = (...bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return 'gz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zst';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x42, 0x5a, 0x68)) return 'bz2';
  if (starts(0x00, 0x5a, 0x43, 0x4b, 0x31)) return 'zck';
  return undefined;
}

/**
 * Decide how to decode a metadata file: the suffix says what it should be, the magic bytes
 * confirm it. A file whose magic contradicts its suffix is refused (it is not what the
 * repository claims); a file without a known suffix is read as its magic says, else as plain.
 */
export async function detectCompression(path: string, name: string): Promise<Compression> {
  const handle = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buffer = Buffer.alloc(8);
    const { bytesRead } = await handle.read(buffer, 0, 8, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const bySuffix = compressionFromName(name);
  const byMagic = compressionFromMagic(head);
  if (bySuffix !== undefined && byMagic !== bySuffix) {
    throw new AtollError('RPMMD_COMPRESSION_MISMATCH', `${name}: the suffix says ${bySuffix} but the content is ${byMagic ?? 'not compressed'}`, {
      data: { name, suffix: bySuffix, magic: byMagic ?? null },
    });
  }
  return byMagic ?? 'none';
}

function corrupt(name: string, kind: Compression, cause: unknown): AtollError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new AtollError('RPMMD_DECOMPRESS_FAILED', `${name}: cannot decompress ${kind} data: ${detail}`, { cause, data: { name, compression: kind } });
}

/**
 * Stream the decompressed content of a file as chunks. Decoding errors (truncated or corrupt
 * data) become RPMMD_DECOMPRESS_FAILED naming the file.
 */
export async function* readDecompressed(path: string, name: string, kind: Compression): AsyncGenerator<Uint8Array> {
  const highWaterMark = 1 << 20;
  try {
    switch (kind) {
      case 'none':
        yield* createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>;
        return;
      case 'gz': {
        const gunzip = createGunzip({ chunkSize: 256 * 1024 });
        const source = createReadStream(path, { highWaterMark });
        source.on('error', (error) => gunzip.destroy(error));
        yield* source.pipe(gunzip) as AsyncIterable<Buffer>;
        return;
      }
      case 'zst': {
        const out: Uint8Array[] = [];
        // Decoders other than gzip load on first use: most repositories never need them.
        const { Decompress } = await import('fzstd');
        const decoder = new Decompress((data) => {
          out.push(data);
        });
        let ended = false;
        for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
          decoder.push(chunk);
          while (out.length > 0) yield out.shift() as Uint8Array;
        }
        decoder.push(new Uint8Array(0), true);
        ended = true;
        while (out.length > 0) yield out.shift() as Uint8Array;
        if (!ended) throw new Error('unexpected end of zstd stream');
        return;
      }
      case 'xz': {
        const web = Readable.toWeb(createReadStream(path, { highWaterMark })) as unknown as ReadableStream<Uint8Array>;
        const xz = (await import('xz-decompress')) as unknown as { default: { XzReadableStream: typeof import('xz-decompress').XzReadableStream } };
        const stream = new xz.default.XzReadableStream(web);
        yield* stream as unknown as AsyncIterable<Uint8Array>;
        return;
      }
      case 'bz2': {
        const chunks: Buffer[] = [];
        for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) chunks.push(chunk);
        const { default: Bunzip } = await import('seek-bzip');
        yield Bunzip.decode(Buffer.concat(chunks), undefined, true);
        return;
      }
      case 'zck':
        throw new AtollError('RPMMD_COMPRESSION_UNSUPPORTED', `${name}: zchunk metadata is not supported`, {
          hint: 'use the plain primary/filelists/other records of the repository',
          data: { name },
        });
    }
  } catch (error) {
    if (error instanceof AtollError) throw error;
    throw corrupt(name, kind, error);
  }
}
