import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { AtollError } from '../../errors/index.js';

/**
 * ed25519 in OSTree's conventions (ostree-sign-ed25519.c): a public key is the base64 of the
 * 32 raw key bytes; a secret key is the base64 of libsodium's 64-byte form (seed ‖ public
 * key). Signatures are the 64 raw bytes, stored as `ostree.sign.ed25519` (`aay`) in the
 * detached metadata of the signed object. node:crypto does the maths; it wants DER, so the raw
 * keys get the fixed SPKI/PKCS#8 prefixes of RFC 8410.
 */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export const ED25519_METADATA_KEY = 'ostree.sign.ed25519';

export function ed25519PublicKey(base64OrRaw: string | Uint8Array): KeyObject {
  const raw = typeof base64OrRaw === 'string' ? Buffer.from(base64OrRaw.trim(), 'base64') : Buffer.from(base64OrRaw);
  if (raw.length !== 32) {
    throw new AtollError('PULL_BAD_KEY', `invalid ed25519 public key: ${raw.length} bytes, expected 32`, {
      hint: 'an ed25519 public key is the base64 of its 32 raw bytes',
    });
  }
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/**
 * A secret key in any form OSTree or OpenSSL users have: base64 of 64 bytes (libsodium:
 * seed ‖ public), base64 of a 32-byte seed, or a PKCS#8 PEM (also base64-wrapped, as in
 * OSTree's pre-signed test data).
 */
export function ed25519SecretKey(text: string): KeyObject {
  const trimmed = text.trim();
  const pem = trimmed.startsWith('-----BEGIN') ? trimmed : decodedPem(trimmed);
  if (pem !== undefined) {
    try {
      const key = createPrivateKey(pem);
      if (key.asymmetricKeyType === 'ed25519') return key;
    } catch (error) {
      throw new AtollError('PULL_BAD_KEY', `invalid ed25519 secret key (PEM): ${(error as Error).message}`, { cause: error });
    }
    throw new AtollError('PULL_BAD_KEY', 'the PEM key is not an ed25519 key');
  }
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length !== 64 && raw.length !== 32) {
    throw new AtollError('PULL_BAD_KEY', `invalid ed25519 secret key: ${raw.length} bytes, expected 64 (seed and public key) or 32 (seed)`);
  }
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  if (raw.length === 64) {
    const derived = publicKeyBase64(key);
    if (derived !== raw.subarray(32).toString('base64')) {
      throw new AtollError('PULL_BAD_KEY', 'invalid ed25519 secret key: its public half does not match its seed');
    }
  }
  return key;
}

function decodedPem(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64').toString('latin1');
  return decoded.startsWith('-----BEGIN') ? decoded : undefined;
}

/** The base64 public key (OSTree's form) of a secret or public key. */
export function publicKeyBase64(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32)).toString('base64');
}

/** The 64-byte signature over `data` (a commit object's bytes, or the summary). */
export function ed25519Sign(data: Uint8Array, secretKey: KeyObject): Uint8Array {
  return new Uint8Array(cryptoSign(null, data, secretKey));
}

export function ed25519Verify(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== 64) return false;
  return cryptoVerify(null, data, publicKey, signature);
}

/** Public keys from `verification-ed25519-file`: one base64 key per line, `#` comments allowed. */
export function parsePublicKeyList(text: string): KeyObject[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ed25519PublicKey(l));
}
