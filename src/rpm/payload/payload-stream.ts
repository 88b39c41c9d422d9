import { createReadStream } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';
import { HASH_ALGO, type RpmHeaderPackage } from '../header/index.js';
import { payloadDecompressor, type ByteSource } from './decompress.js';

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

function mismatch(what: string, expected: string, actual: string): AtollError {
  return new AtollError('RPM_DIGEST_MISMATCH', `${what} mismatch: expected ${expected}, got ${actual}`, {
    hint: 'the package is corrupt or was modified',
    data: { what, expected, actual },
  });
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
  const verify = !options.noVerify;
  const all = options.digests === 'all';
  // Absent PAYLOADDIGESTALGO means SHA-256 (rpm 6 packages omit it; rpm 4.18 verifies them so).
  const algo = HASH_ALGO[pkg.payload.digestAlgo ?? 8];
  if (verify && (pkg.payload.digest !== null || pkg.payload.digestAlt !== null) && algo === undefined) {
    throw new AtollError('RPM_HEADER_BAD', `main header: unknown PAYLOADDIGESTALGO ${pkg.payload.digestAlgo}`);
  }

  async function* compressed(): ByteSource {
    const compressedHash = verify && pkg.payload.digest !== null ? createHash(algo!.node) : undefined;
    const md5 =
      verify && pkg.signature.md5 !== null && (all || (pkg.payload.digest === null && pkg.payload.digestAlt === null))
        ? createHash('md5').update(options.mainHeader)
        : undefined;
    const count = { n: 0 };
    let stream;
    try {
      stream = createReadStream(path, { start: options.payloadStart, highWaterMark: 1024 * 1024 });
    } catch (error) {
      throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      yield* hashed(stream as AsyncIterable<Uint8Array>, [compressedHash, md5].filter((h): h is Hash => h !== undefined), count);
    } catch (error) {
      if (error instanceof AtollError) throw error;
      throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    } finally {
      stream.destroy();
    }
    integrity.compressedBytes = count.n;
    if (!verify) return;
    if (pkg.signature.size !== null) {
      const total = options.mainHeader.length + count.n;
      if (total !== pkg.signature.size) {
        throw new AtollError('RPM_SIZE_MISMATCH', `header+payload is ${total} bytes, the signature says ${pkg.signature.size}`, {
          hint: 'the package is truncated or has trailing data',
          data: { actual: total, expected: pkg.signature.size },
        });
      }
      integrity.checked.push('size');
    }
    if (compressedHash) {
      const actual = compressedHash.digest('hex');
      if (actual !== pkg.payload.digest!.toLowerCase()) throw mismatch(`payload ${algo!.name} digest`, pkg.payload.digest!, actual);
      integrity.checked.push('payload-digest');
    }
    if (md5) {
      const actual = md5.digest('hex');
      if (actual !== pkg.signature.md5) throw mismatch('MD5 digest', pkg.signature.md5!, actual);
      integrity.checked.push('md5');
    }
  }

  async function* archive(): ByteSource {
    const altHash = verify && pkg.payload.digestAlt !== null && (all || pkg.payload.digest === null) ? createHash(algo!.node) : undefined;
    const count = { n: 0 };
    yield* hashed(decompress(compressed()), altHash ? [altHash] : [], count);
    integrity.archiveBytes = count.n;
    if (!verify) return;
    if (altHash) {
      const actual = altHash.digest('hex');
      if (actual !== pkg.payload.digestAlt!.toLowerCase()) throw mismatch(`payload ${algo!.name} ALT digest`, pkg.payload.digestAlt!, actual);
      integrity.checked.push('payload-digest-alt');
    }
    // rpm never checks PAYLOADSIZE, and real packages get it wrong (some writers leave the
    // trailer out): a mismatch is reported, not fatal.
    if (pkg.payload.archiveSize !== null) {
      if (count.n === pkg.payload.archiveSize) integrity.checked.push('archive-size');
      else integrity.warnings.push(`payload decompresses to ${count.n} bytes, PAYLOADSIZE says ${pkg.payload.archiveSize}`);
    }
  }

  return archive();
}
