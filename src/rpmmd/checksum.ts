import { createHash, type Hash } from 'node:crypto';
import { AtollError } from '../errors/index.js';

/**
 * Digest names as repository metadata writes them, mapped to node's names. `sha` is yum's
 * legacy spelling of SHA-1. Matching is case-insensitive, as librepo's. Unknown types are
 * refused: a digest we cannot compute is a digest we cannot verify.
 */
const ALGORITHMS: Record<string, string> = {
  md5: 'md5',
  sha: 'sha1',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
};

/** Strength order used to pick the best of several offered digests (metalink). */
export const CHECKSUM_STRENGTH = ['md5', 'sha', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

export function isKnownChecksumType(type: string): boolean {
  return ALGORITHMS[type.toLowerCase()] !== undefined;
}

export function createChecksum(type: string): Hash {
  const algorithm = ALGORITHMS[type.toLowerCase()];
  if (algorithm === undefined) {
    throw new AtollError('RPMMD_CHECKSUM_TYPE_UNKNOWN', `unknown checksum type '${type}'`, {
      hint: 'supported: md5, sha, sha1, sha224, sha256, sha384, sha512',
      data: { type },
    });
  }
  return createHash(algorithm);
}

export function checksumHex(type: string, data: Uint8Array | string): string {
  return createChecksum(type).update(data).digest('hex');
}
