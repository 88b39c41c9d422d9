import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as OpenPGP from 'openpgp';
import { AtollError, isErrno } from '../../errors/index.js';
import { runProgram } from '../../util/index.js';
import { globalKeyringDir } from './gpg-keyring.js';

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
  /** The subset of `invalid` whose key is not among the trusted keys at all. */
  missingKey: string[];
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
      // Files of a keyring directory that hold no keys (a trustdb.gpg) are passed over.
      if (name.endsWith('.gpg') || name.endsWith('.asc')) keys.push(...(await keysFromPath(join(path, name)).catch(() => [])));
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

/**
 * The paths of a remote's `gpgkeypath`, split as libostree's
 * ot_keyfile_get_string_list_with_separator_choice splits it: on `;` or `,` (not both), a
 * trailing separator ignored.
 */
export function gpgKeyPaths(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  if (value.includes(';') && value.includes(',')) {
    throw new AtollError('PULL_BAD_KEY', `gpgkeypath: key value list contains more than one separator: ${value}`, { hint: 'separate the paths with ; or with , (not both)' });
  }
  const parts = value.split(/[;,]/).map((p) => p.trim());
  if (parts.length > 1 && parts.at(-1) === '') parts.pop();
  return parts;
}

export async function trustedGpgKeys(repo: string, remote: string, gpgKeyPath: string | undefined): Promise<PublicKeyT[]> {
  const keys = await keysFromPath(remoteKeyringPath(repo, remote));
  for (const path of gpgKeyPaths(gpgKeyPath)) {
    // A path in gpgkeypath must exist (libostree opens each one).
    try {
      await stat(path);
    } catch (error) {
      throw new AtollError('PULL_BAD_KEY', `gpgkeypath (${path}): ${(error as Error).message.replace(/^ENOENT: no such file or directory.*$/, 'No such file or directory')}`, { cause: error });
    }
    keys.push(...(await keysFromPath(path)));
  }
  if (keys.length === 0) keys.push(...(await keysFromPath(globalKeyringDir())));
  return keys;
}

/** Check each binary signature in `signatures` over `data` against `keys`. */
export async function verifyGpgSignatures(data: Uint8Array, signatures: readonly Uint8Array[], keys: readonly PublicKeyT[]): Promise<GpgVerifyResult> {
  const openpgp = await openpgpLib();
  const result: GpgVerifyResult = { valid: [], invalid: [], missingKey: [] };
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
    const known = (id: string): boolean => keys.some((k) => k.getKeys(signature.getSigningKeyIDs().find((s) => s.toHex() === id) ?? signature.getSigningKeyIDs()[0]!).length > 0);
    const missing = keyIds.filter((id) => keys.length === 0 || !known(id));
    result.missingKey.push(...missing);
    if (keys.length === 0 || missing.length === keyIds.length) {
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
