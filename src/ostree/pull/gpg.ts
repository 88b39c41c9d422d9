import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as OpenPGP from 'openpgp';
import { AtollError, isErrno } from '../../errors/index.js';
import { runProgram } from '../../util/index.js';
import { writeFile } from 'node:fs/promises';
import { globalKeyringDir, gpgIn, parseGpgColons, withGpgScratchHome } from './gpg-keyring.js';

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
  /**
   * The subset of `invalid` whose key is trusted but unusable now: revoked, or expired (seconds
   * since the epoch). gpgme, and so libostree, refuses these even when the signature predates
   * the expiry; OpenPGP.js alone would accept a signature made while the key was valid.
   */
  unusable: Array<{ keyId: string; revoked: boolean; expired?: number }>;
}

/** Why `key` (or its subkey `keyID`) cannot vouch for a signature now, if it cannot. */
async function keyProblem(key: PublicKeyT, keyID: OpenPGP.KeyID, now: Date): Promise<{ revoked: boolean; expired?: number } | undefined> {
  const signing = key.getKeys(keyID)[0];
  const checks: Array<{ target: { getExpirationTime(): Promise<Date | number | null> }; verify: () => Promise<unknown> }> = [
    { target: key, verify: () => key.verifyPrimaryKey(now) },
  ];
  if (signing && signing !== key) checks.push({ target: signing, verify: () => (signing as OpenPGP.Subkey).verify(now) });
  for (const { target, verify } of checks) {
    // OpenPGP.js words these "Primary key is revoked" / "Subkey is expired".
    const failure = await verify().then(() => undefined, (error: Error) => error.message);
    if (failure === undefined) continue;
    if (/revoked/i.test(failure)) return { revoked: true };
    const expires = await target.getExpirationTime().catch(() => null);
    if (/expired/i.test(failure) && expires instanceof Date) return { revoked: false, expired: Math.floor(expires.getTime() / 1000) };
  }
  return undefined;
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
  const result: GpgVerifyResult = { valid: [], invalid: [], missingKey: [], unusable: [] };
  const now = new Date();
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
      const key = keys.find((k) => k.getKeys(sig.keyID).length > 0);
      const problem = key ? await keyProblem(key, sig.keyID, now) : undefined;
      const verified = await sig.verified.then(() => true, () => false);
      if (verified && !problem) {
        result.valid.push({ keyId, fingerprint: key ? key.getFingerprint() : keyId });
        continue;
      }
      result.invalid.push(keyId);
      if (problem) result.unusable.push({ keyId, ...problem });
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

/** `%c` of the C locale in local time, as GLib formats the dates of signatures and keys. */
export function formatGpgDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

/**
 * What `ostree show` prints about a commit's GPG signatures (ostree_gpg_verify_result_describe):
 * for each signature, when and with which key it was made, then Good / BAD / public key not
 * found, the primary key when a subkey signed, and the expiry of the key and of its primary key.
 * The verdicts come from `gpg --verify` in a scratch home holding the trusted keys (gpgme, which
 * ostree uses, reads the same status lines), so expiry and revocation are judged as ostree's.
 * `now` in seconds.
 */
export async function describeGpgSignatures(
  data: Uint8Array,
  signatures: readonly Uint8Array[],
  keys: readonly PublicKeyT[],
  format: { linePrefix?: string; header?: boolean; title?: string } = {},
  now = Date.now() / 1000,
): Promise<string> {
  // `show`: a "Found N signatures:" header and a blank line before each; `admin status`: `    GPG: ` lines;
  // `remote summary`: its own title ("GPG: Verification enabled, found N signatures:").
  const header = format.header ?? true;
  const p = format.linePrefix ?? '  ';
  const plural = signatures.length === 1 ? '' : 's';
  const out: string[] = header ? [(format.title ?? 'Found N signatureS:').replace('N', String(signatures.length)).replace('signatureS', `signature${plural}`)] : [];
  await withGpgScratchHome(async (home) => {
    if (keys.length > 0) await gpgIn(home, ['--import'], Buffer.concat(keys.map((k) => Buffer.from(k.write()))));
    const listing = keys.length > 0 ? parseGpgColons((await gpgIn(home, ['--with-colons', '--fixed-list-mode', '--list-keys'])).stdout.toString('utf8'), now) : [];
    const dataFile = join(home, 'signed-data');
    await writeFile(dataFile, data);
    for (const [index, sig] of signatures.entries()) {
      if (header) out.push('');
      const sigFile = join(home, `sig-${index}`);
      await writeFile(sigFile, sig);
      const status = (await gpgIn(home, ['--status-fd', '1', '--verify', sigFile, dataFile])).stdout.toString('utf8').split('\n');
      const field = (name: string): string[] | undefined => status.find((l) => l.startsWith(`[GNUPG:] ${name} `))?.split(' ').slice(2);
      const errsig = field('ERRSIG');
      const validsig = field('VALIDSIG');
      const keyId = (field('GOODSIG') ?? field('EXPKEYSIG') ?? field('REVKEYSIG') ?? field('BADSIG') ?? field('EXPSIG') ?? errsig)?.[0] ?? '';
      const created = Number(validsig?.[2] ?? errsig?.[4] ?? 0);
      const algo = PK_ALGO_NAMES[Number(validsig?.[6] ?? errsig?.[1] ?? 0)] ?? 'unknown';
      out.push(`${p}Signature made ${formatGpgDate(created)} using ${algo} key ID ${keyId}`);
      if (errsig !== undefined && (errsig[5] === '9' || field('NO_PUBKEY') !== undefined)) {
        out.push(`${p}Can't check signature: public key not found`);
        continue;
      }
      const key = listing.find((k) => k.fingerprint.endsWith(keyId) || k.subkeys.some((sk) => sk.fingerprint.endsWith(keyId)));
      const sub = key?.subkeys.find((sk) => sk.fingerprint.endsWith(keyId));
      const uid = key?.uids[0]?.uid ?? '';
      const uidMatch = /^(.*?)\s*(?:<([^<>]*)>)?$/.exec(uid);
      const who = `"${uidMatch?.[1] ?? uid} <${uidMatch?.[2] ?? ''}>"`;
      const good = field('GOODSIG') !== undefined && !(key?.expired || key?.revoked || sub?.expired || sub?.revoked);
      const revoked = field('REVKEYSIG') !== undefined || key?.revoked === true || sub?.revoked === true;
      out.push(good ? `${p}Good signature from ${who}` : revoked ? `${p}Key revoked` : `${p}BAD signature from ${who}`);
      if (sub && key) out.push(`${p}Primary key ID ${key.fingerprint.slice(-16)}`);
      const signing = sub ?? key;
      if (signing && signing.expires > 0) out.push(`${p}Key ${signing.expired ? 'expired' : 'expires'} ${formatGpgDate(signing.expires)}`);
      if (sub && key && key.expires > 0) out.push(`${p}Primary key ${key.expired ? 'expired' : 'expires'} ${formatGpgDate(key.expires)}`);
    }
  });
  return out.join('\n');
}

/** gpgme's pubkey_algo_name for OpenPGP algorithm numbers. */
const PK_ALGO_NAMES: Record<number, string> = { 1: 'RSA', 2: 'RSA', 3: 'RSA', 16: 'ELG', 17: 'DSA', 18: 'ECDH', 19: 'ECDSA', 22: 'EdDSA' };

/** The keys `ostree show` trusts without a remote: the global keyring directory and --gpg-homedir's keyrings. */
export async function showGpgKeys(homedir: string | undefined): Promise<PublicKeyT[]> {
  return [...(await keysFromPath(globalKeyringDir())), ...(homedir ? await keysFromPath(homedir) : [])];
}
