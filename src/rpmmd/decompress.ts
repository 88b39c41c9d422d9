import { createReadStream } from 'node:fs';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { open } from 'node:fs/promises';
import { AtollError } from '../errors/index.js';
import { payloadDecompressor } from '../rpm/index.js';

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
        // A deep read-ahead lets zlib inflate on the thread pool while the parser works.
        const gunzip = createGunzip({ chunkSize: 256 * 1024, highWaterMark: 8 << 20 } as ZlibOptions);
        const source = createReadStream(path, { highWaterMark });
        source.on('error', (error) => gunzip.destroy(error));
        yield* source.pipe(gunzip) as AsyncIterable<Buffer>;
        return;
      }
      case 'zst':
      case 'xz':
      case 'bz2': {
        // The same streaming decoders rpm payloads use (Debian's zstd/xz/bzip2 on a pipe, at
        // native speed on the other core), so there is one registry of decompressors.
        const decoder = payloadDecompressor(kind === 'zst' ? 'zstd' : kind === 'bz2' ? 'bzip2' : 'xz');
        yield* decoder(createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>);
        return;
      }
      case 'zck':
        throw new AtollError('RPMMD_COMPRESSION_UNSUPPORTED', `${name}: zchunk metadata is not supported`, {
          hint: 'use the plain primary/filelists/other records of the repository',
          data: { name },
        });
    }
  } catch (error) {
    if (error instanceof AtollError && error.code.startsWith('RPMMD_')) throw error;
    throw corrupt(name, kind, error);
  }
}
