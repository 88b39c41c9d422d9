import { AtollError } from '../../errors/index.js';
import type { Superblock } from './delta-format.js';

/**
 * Signed deltas (`static-delta generate --sign`, `verify`, `apply-offline KEY`): the superblock
 * file wrapped as `(taya{sv})` with `ostree.sign.TYPE` signatures over the superblock bytes.
 * The `dummy` type of OSTree's test suite (the signature is the key text itself) is built in;
 * other types (ed25519) come with `sign`/`verify` functions from the caller, which owns the key
 * codecs (ostree/pull).
 */
export interface DeltaSigning {
  type: string;
  /** dummy: the key texts; other types: what the functions below were made from. */
  keys: readonly string[];
  /** One signature of `data` per secret key. */
  sign?: (data: Uint8Array) => Uint8Array[];
  /** True when one of `signatures` verifies `data` with one of the public keys. */
  verify?: (data: Uint8Array, signatures: readonly Uint8Array[]) => boolean;
}

function checkType(signing: DeltaSigning, has: boolean): void {
  if (signing.type !== 'dummy' && !has) {
    throw new AtollError('DELTA_SIGNATURE', `signature type '${signing.type}' is not supported for static deltas`, { data: { type: signing.type } });
  }
}

/** The signatures to wrap the superblock with. */
export function signDelta(superblock: Uint8Array, signing: DeltaSigning): Map<string, Uint8Array[]> {
  checkType(signing, signing.sign !== undefined);
  const sigs = signing.sign ? signing.sign(superblock) : signing.keys.map((k) => Buffer.from(k, 'utf8'));
  return new Map([[`ostree.sign.${signing.type}`, sigs]]);
}

/** Throws (with ostree's wording) unless one signature of the type verifies with one of the keys. */
export function verifyDeltaSignatures(superblock: Superblock, signing: DeltaSigning): void {
  checkType(signing, signing.verify !== undefined);
  if (!superblock.signatures || !superblock.signedBytes) throw new AtollError('DELTA_SIGNATURE', 'no signatures in static-delta');
  const sigs = superblock.signatures.get(`ostree.sign.${signing.type}`) ?? [];
  if (sigs.length === 0) throw new AtollError('DELTA_SIGNATURE', `signature: ${signing.type}: no signatures`);
  if (signing.verify) {
    if (signing.verify(superblock.signedBytes, sigs)) return;
  } else {
    const keys = signing.keys.map((k) => Buffer.from(k, 'utf8'));
    if (sigs.some((sig) => keys.some((key) => Buffer.compare(Buffer.from(sig), key) === 0))) return;
  }
  throw new AtollError('DELTA_SIGNATURE', `signature: ${signing.type}: incorrect signatures found: ${sigs.length}`);
}
