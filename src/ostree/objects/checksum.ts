import { createHash, type Hash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';

/**
 * OSTree checksums: SHA-256, written as 64 lowercase hex characters. (A char loop: V8's regex
 * for /^[0-9a-f]{64}$/ was the top entry in dirtree encode profiles.)
 */
export function isChecksum(text: string): boolean {
  if (typeof text !== 'string' || text.length !== 64) return false;
  for (let k = 0; k < 64; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || (c > 57 && c < 97) || c > 102) return false;
  }
  return true;
}

/** Throws OSTREE_OBJECT_BAD_CHECKSUM unless `text` is 64 lowercase hex characters. */
export function assertChecksum(text: string, what = 'checksum'): void {
  if (!isChecksum(text)) {
    throw new AtollError('OSTREE_OBJECT_BAD_CHECKSUM', `invalid ${what} '${String(text).slice(0, 80)}': expected 64 lowercase hex characters`, {
      data: { checksum: String(text).slice(0, 80) },
    });
  }
}

/** 64 hex characters → 32 raw bytes (the form stored inside dirtree and commit objects). */
export function checksumToBytes(text: string, what = 'checksum'): Uint8Array {
  assertChecksum(text, what);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** 32 raw bytes → 64 lowercase hex characters. */
export function checksumFromBytes(bytes: Uint8Array, what = 'checksum'): string {
  if (bytes.length !== 32) {
    throw new AtollError('OSTREE_OBJECT_BAD_CHECKSUM', `invalid ${what}: ${bytes.length} bytes, expected 32`, { data: { length: bytes.length } });
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString('hex');
}

/** SHA-256 of the concatenation of `chunks`, as hex. */
export function sha256Hex(...chunks: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** A fresh SHA-256 hash (node:crypto), for callers that stream. */
export function newSha256(): Hash {
  return createHash('sha256');
}

/** Checksum of a metadata object (dirtree, dirmeta, commit): SHA-256 of its exact bytes. */
export function metadataChecksum(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}
