import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as OpenPGP from 'openpgp';
import { AtollError, isErrno } from '../../errors/index.js';
import { runProgram, writeFileAtomic } from '../../util/index.js';

/**
 * OpenPGP for `ostree.gpgsigs`: verification with OpenPGP.js (maintained, pure JS, no native
 * code, verifies the RSA/EdDSA/ECDSA signatures gpg makes), signing by running `gpg` (the key
 * material stays in the user's gpg home, as with `ostree gpg-sign`).
 *
 * Trusted keys for a remote, as OSTree looks them up: `REPO/<remote>.trustedkeys.gpg` (written
 * by `remote add --gpg-import`), the files or directories listed in the remote's `gpgkeypath`,
 * and the system directory `/usr/share/ostree/trusted.gpg.d` unless a remote keyring exists.
 */
export const GPG_METADATA_KEY = 'ostree.gpgsigs';

// OpenPGP.js is loaded on first use: importing it costs ~0.3 s, which every CLI invocation
// would otherwise pay.
let loaded: Promise<typeof OpenPGP> | undefined;
function openpgpLib(): Promise<typeof OpenPGP> {
  loaded ??= import('openpgp');
  return loaded;
}
type PublicKeyT = OpenPGP.PublicKey;

export interface GpgVerifyResult {
  valid: Array<{ keyId: string; fingerprint: string }>;
  /** Key IDs of signatures that did not verify or whose key is not trusted. */
  invalid: string[];
}

/** Parse binary keyrings and/or armored key blocks, concatenated or alone. */
export async function readPublicKeys(bytes: Uint8Array): Promise<PublicKeyT[]> {
  const openpgp = await openpgpLib();
  const text = Buffer.from(bytes).toString('latin1');
  if (text.includes('-----BEGIN PGP')) {
    const keys: PublicKeyT[] = [];
    for (const block of text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g) ?? []) {
      keys.push(...(await openpgp.readKeys({ armoredKeys: block })).map((k) => k.toPublic()));
    }
    return keys;
  }
  if (bytes.length === 0) return [];
  return (await openpgp.readKeys({ binaryKeys: bytes })).map((k) => k.toPublic());
}

async function keysFromPath(path: string): Promise<PublicKeyT[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
  if (info.isDirectory()) {
    const keys: PublicKeyT[] = [];
    for (const name of (await readdir(path)).sort()) {
      if (name.endsWith('.gpg') || name.endsWith('.asc')) keys.push(...(await keysFromPath(join(path, name))));
    }
    return keys;
  }
  try {
    return await readPublicKeys(await readFile(path));
  } catch (error) {
    throw new AtollError('PULL_BAD_KEY', `cannot read OpenPGP keys from ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function remoteKeyringPath(repo: string, remote: string): string {
  return join(repo, `${remote}.trustedkeys.gpg`);
}

export async function trustedGpgKeys(repo: string, remote: string, gpgKeyPath: string | undefined): Promise<PublicKeyT[]> {
  const keys = await keysFromPath(remoteKeyringPath(repo, remote));
  for (const path of (gpgKeyPath ?? '').split(/[;,]/).map((p) => p.trim()).filter(Boolean)) keys.push(...(await keysFromPath(path)));
  if (keys.length === 0) keys.push(...(await keysFromPath('/usr/share/ostree/trusted.gpg.d')));
  return keys;
}

/** `remote add --gpg-import FILE`: append the keys of FILE (armored or binary) to the remote keyring. */
export async function importRemoteGpgKeys(repo: string, remote: string, file: string): Promise<number> {
  const keys = await keysFromPath(file);
  if (keys.length === 0) throw new AtollError('PULL_BAD_KEY', `no OpenPGP public keys in ${file}`);
  const path = remoteKeyringPath(repo, remote);
  const existing = await readFile(path).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT')) return Buffer.alloc(0);
    throw error;
  });
  const parts = [existing, ...keys.map((k) => Buffer.from(k.write()))];
  await writeFileAtomic(path, Buffer.concat(parts));
  return keys.length;
}

/** Check each binary signature in `signatures` over `data` against `keys`. */
export async function verifyGpgSignatures(data: Uint8Array, signatures: readonly Uint8Array[], keys: readonly PublicKeyT[]): Promise<GpgVerifyResult> {
  const openpgp = await openpgpLib();
  const result: GpgVerifyResult = { valid: [], invalid: [] };
  for (const binary of signatures) {
    let signature: OpenPGP.Signature;
    try {
      signature = await openpgp.readSignature({ binarySignature: binary });
    } catch {
      result.invalid.push('(unparsable signature)');
      continue;
    }
    const message = await openpgp.createMessage({ binary: data });
    const keyIds = signature.getSigningKeyIDs().map((id) => id.toHex());
    if (keys.length === 0) {
      result.invalid.push(...keyIds);
      continue;
    }
    const verification = await openpgp.verify({ message, signature, verificationKeys: [...keys], format: 'binary' });
    for (const sig of verification.signatures) {
      const keyId = sig.keyID.toHex();
      try {
        await sig.verified;
        const key = keys.find((k) => k.getKeys(sig.keyID).length > 0);
        result.valid.push({ keyId, fingerprint: key ? key.getFingerprint() : keyId });
      } catch {
        result.invalid.push(keyId);
      }
    }
  }
  return result;
}

/** The issuer key ID (16 hex digits, upper case) of each binary signature ('' when unparsable). */
export async function gpgSignatureKeyIds(signatures: readonly Uint8Array[]): Promise<string[]> {
  const openpgp = await openpgpLib();
  const ids: string[] = [];
  for (const binary of signatures) {
    try {
      const signature = await openpgp.readSignature({ binarySignature: binary });
      ids.push((signature.getSigningKeyIDs()[0]?.toHex() ?? '').toUpperCase());
    } catch {
      ids.push('');
    }
  }
  return ids;
}

/** A detached binary signature made by `gpg` (what `ostree gpg-sign` stores). */
export async function gpgSign(data: Uint8Array, keyId: string, homedir: string | undefined): Promise<Uint8Array> {
  const args = [...(homedir ? ['--homedir', homedir] : []), '--batch', '--yes', '--no-tty', '--pinentry-mode', 'loopback', '--local-user', keyId, '--detach-sign', '--output', '-'];
  const result = await runProgram('gpg', args, { input: data });
  if (result.status !== 0 || result.stdout.length === 0) {
    throw new AtollError('PULL_GPG_SIGN_FAILED', `gpg could not sign with key ${keyId}: ${result.stderr.trim()}`, {
      hint: 'check the key ID and --gpg-homedir (gpg --list-secret-keys)',
    });
  }
  return new Uint8Array(result.stdout);
}
