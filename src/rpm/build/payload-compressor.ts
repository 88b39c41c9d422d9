/**
 * Writer-side payload compressors. gzip uses Node's zlib (deterministic: no name, mtime 0).
 * xz, zstd and bzip2 run Debian's own `xz`, `zstd` and `bzip2` programs: Node 20's zlib has
 * none of them, the npm ports are either native addons with downloaded binaries or slow pure-JS
 * encoders, and the Debian programs use the very liblzma/libzstd/libbz2 that Debian's rpm links,
 * so the streams are what rpmbuild would produce. They run single-threaded so the output is
 * reproducible byte for byte.
 */
import { gzipSync } from 'node:zlib';
import { AtollError } from '../../errors/index.js';
import { runProgram } from '../../util/index.js';
import type { PayloadCompressor } from './description.js';

export interface CompressorSpec {
  /** PAYLOADCOMPRESSOR value; undefined = tag absent (uncompressed payload). */
  tagValue: string | undefined;
  defaultLevel: number | undefined;
  /** `rpmlib(PayloadIs...)` requirement rpmbuild adds for this compressor. */
  rpmlib: { name: string; version: string } | undefined;
  compress(data: Uint8Array, level: number | undefined): Promise<Uint8Array>;
}

async function viaProgram(program: string, args: string[], data: Uint8Array): Promise<Uint8Array> {
  const result = await runProgram(program, args, { input: data });
  if (result.status !== 0) {
    throw new AtollError('RPM_BUILD_COMPRESS_FAILED', `${program} failed compressing the payload (status ${result.status}): ${result.stderr.trim()}`, {
      hint: `check that Debian's ${program} works (scripts/setup-peers.sh installs it)`,
    });
  }
  return new Uint8Array(result.stdout.buffer, result.stdout.byteOffset, result.stdout.byteLength);
}

export const PAYLOAD_COMPRESSORS: Readonly<Record<PayloadCompressor, CompressorSpec>> = {
  gzip: {
    tagValue: 'gzip',
    defaultLevel: 9,
    rpmlib: undefined,
    compress: async (data, level) => new Uint8Array(gzipSync(data, { level: level ?? 9 })),
  },
  xz: {
    tagValue: 'xz',
    defaultLevel: 6,
    rpmlib: { name: 'rpmlib(PayloadIsXz)', version: '5.2-1' },
    compress: (data, level) => viaProgram('xz', [`-${level ?? 6}`, '--threads=1', '--stdout', '--quiet'], data),
  },
  zstd: {
    tagValue: 'zstd',
    defaultLevel: 19,
    rpmlib: { name: 'rpmlib(PayloadIsZstd)', version: '5.4.18-1' },
    compress: (data, level) => viaProgram('zstd', [`-${level ?? 19}`, '--single-thread', '--stdout', '--quiet', '--no-progress'], data),
  },
  bzip2: {
    tagValue: 'bzip2',
    defaultLevel: 9,
    rpmlib: { name: 'rpmlib(PayloadIsBzip2)', version: '3.0.5-1' },
    compress: (data, level) => viaProgram('bzip2', [`-${level ?? 9}`, '--stdout', '--quiet'], data),
  },
  none: {
    tagValue: undefined,
    defaultLevel: undefined,
    rpmlib: undefined,
    compress: async (data) => data,
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
