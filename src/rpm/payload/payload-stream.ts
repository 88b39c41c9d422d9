import { createReadStream } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';
import type { RpmHeaderPackage } from '../header/index.js';
import { payloadDecompressor, type ByteSource } from './decompress.js';
import { checkCompressed, checkDecoded, planPayloadChecks } from './payload-checks.js';

/**
 * The payload of a package file as a stream of cpio bytes, with every integrity value the
 * package carries checked on the way (rpm-format.md §6): PAYLOADDIGEST over the compressed
 * bytes, PAYLOADDIGESTALT over the cpio stream, MD5 over header+payload, SIZE/LONGSIZE and
 * PAYLOADSIZE/LONGARCHIVESIZE. A mismatch throws when the stream ends (the caller must treat
 * everything it produced as unverified until then).
 */

export interface PayloadIntegrity {
  /** Which checks ran and passed (filled in as the stream ends). */
  checked: string[];
  /** Inconsistencies rpm tolerates (PAYLOADSIZE off). */
  warnings: string[];
  compressedBytes: number;
  archiveBytes: number;
}

async function* hashed(source: ByteSource, hashes: Hash[], count: { n: number }): ByteSource {
  for await (const chunk of source) {
    for (const h of hashes) h.update(chunk);
    count.n += chunk.length;
    yield chunk;
  }
}

export interface PayloadStreamOptions {
  /** Main header bytes (for the MD5 over header+payload). */
  mainHeader: Uint8Array;
  /** File offset of the payload. */
  payloadStart: number;
  /** Skip integrity checks (default false). */
  noVerify?: boolean;
  /**
   * 'all' checks every digest the package carries (inspect --verify, like rpm -K); 'strongest'
   * (default) checks what an install needs: PAYLOADDIGEST when present (the ALT digest and the
   * legacy MD5 then cover nothing more), else the ALT digest, else MD5.
   */
  digests?: 'all' | 'strongest';
  integrity?: PayloadIntegrity;
}

/** Decompressed cpio stream of `path`'s payload. */
export function payloadCpioStream(path: string, pkg: RpmHeaderPackage, options: PayloadStreamOptions): ByteSource {
  const integrity = options.integrity ?? { checked: [], warnings: [], compressedBytes: 0, archiveBytes: 0 };
  const decompress = payloadDecompressor(pkg.payload.compressor);
  const plan = options.noVerify ? undefined : planPayloadChecks(pkg, options.mainHeader, options.digests);

  async function* compressed(): ByteSource {
    const hashes = (plan?.compressed ?? []).map((c) => (c.seed ? createHash(c.node).update(c.seed) : createHash(c.node)));
    const count = { n: 0 };
    let stream;
    try {
      stream = createReadStream(path, { start: options.payloadStart, highWaterMark: 1024 * 1024 });
    } catch (error) {
      throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      yield* hashed(stream as AsyncIterable<Uint8Array>, hashes, count);
    } catch (error) {
      if (error instanceof AtollError) throw error;
      throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    } finally {
      stream.destroy();
    }
    if (plan) checkCompressed(pkg, options.mainHeader.length, plan, count.n, hashes.map((h) => h.digest('hex')), integrity);
    else integrity.compressedBytes = count.n;
  }

  async function* archive(): ByteSource {
    const altHash = plan?.decoded ? createHash(plan.decoded.node) : undefined;
    const count = { n: 0 };
    yield* hashed(decompress(compressed()), altHash ? [altHash] : [], count);
    // rpm never checks PAYLOADSIZE, and real packages get it wrong (some writers leave the
    // trailer out): checkDecoded reports a mismatch, it is not fatal.
    if (plan) checkDecoded(pkg, plan, altHash ? altHash.digest('hex') : null, count.n, integrity);
    else integrity.archiveBytes = count.n;
  }

  return archive();
}
