import { AtollError } from '../../errors/index.js';
import type { Superblock } from './delta-format.js';

/**
 * Signed deltas (`static-delta generate --sign`, `verify`, `apply-offline KEY`): the superblock
 * file wrapped as `(taya{sv})` with `ostree.sign.TYPE` signatures over the superblock bytes.
 * atoll signs and verifies the `dummy` type of OSTree's test suite (the signature is the key
 * text itself); ed25519 delta signatures are not implemented.
 */

export interface DeltaSigning {
  type: string;
  keys: readonly string[];
}

function checkType(type: string): void {
  if (type !== 'dummy') throw new AtollError('DELTA_SIGNATURE', `signature type '${type}' is not supported for static deltas (atoll signs deltas with 'dummy' only)`, { data: { type } });
}

/** The signatures to wrap the superblock with. */
export function signDelta(superblock: Uint8Array, signing: DeltaSigning): Map<string, Uint8Array[]> {
  checkType(signing.type);
  void superblock;
  return new Map([[`ostree.sign.${signing.type}`, signing.keys.map((k) => Buffer.from(k, 'utf8'))]]);
}

/** Throws (with ostree's wording) unless one signature of `type` verifies with one of `keys`. */
export function verifyDeltaSignatures(superblock: Superblock, signing: DeltaSigning): void {
  checkType(signing.type);
  if (!superblock.signatures) throw new AtollError('DELTA_SIGNATURE', 'no signatures in static-delta');
  const sigs = superblock.signatures.get(`ostree.sign.${signing.type}`) ?? [];
  if (sigs.length === 0) throw new AtollError('DELTA_SIGNATURE', `signature: ${signing.type}: no signatures`);
  const keys = signing.keys.map((k) => Buffer.from(k, 'utf8'));
  if (sigs.some((sig) => keys.some((key) => Buffer.compare(Buffer.from(sig), key) === 0))) return;
  throw new AtollError('DELTA_SIGNATURE', `signature: ${signing.type}: incorrect signatures found: ${sigs.length}`);
}
