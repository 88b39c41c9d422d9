import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { runProgram, writeFileAtomic } from '../../util/index.js';
import { readFile } from 'node:fs/promises';

/**
 * Remote keyrings as libostree keeps them (ostree_repo_remote_gpg_import,
 * ostree_repo_remote_get_gpg_keys), with the system `gpg` doing what gpgme does for ostree: keys
 * are imported into a scratch GnuPG home holding an old-format `pubring.gpg` (so gpg ≥ 2.1 keeps
 * that format rather than a keybox), merged with what the remote had, and the resulting
 * `pubring.gpg` becomes `REPO/REMOTE.trustedkeys.gpg`. Merging through gpg means a re-imported
 * key gains its new revocations/expiry instead of appearing twice.
 */
export function remoteKeyringFile(repo: string, remote: string): string {
  return join(repo, `${remote}.trustedkeys.gpg`);
}

/** The global trusted keyring directory: `$OSTREE_GPG_HOME`, else /usr/share/ostree/trusted.gpg.d. */
export function globalKeyringDir(): string {
  return process.env.OSTREE_GPG_HOME || '/usr/share/ostree/trusted.gpg.d';
}

/** Run `work` with a fresh GnuPG home (an empty old-format pubring.gpg), removed afterwards. */
export async function withGpgScratchHome<T>(work: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'atoll-gpg-'));
  try {
    await writeFile(join(home, 'pubring.gpg'), '');
    return await work(home);
  } finally {
    await runProgram('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

/** Run gpg in `home`; the result whatever the exit status (verification failures exit 1). */
export async function gpgIn(home: string, args: string[], input?: Uint8Array): Promise<{ status: number; stdout: Buffer; stderr: string }> {
  return await runProgram('gpg', ['--homedir', home, '--batch', '--no-tty', '--no-autostart', '--no-permission-warning', ...args], input !== undefined ? { input } : {});
}

async function gpg(home: string, args: string[], input?: Uint8Array): Promise<Buffer> {
  const result = await runProgram('gpg', ['--homedir', home, '--batch', '--no-tty', '--no-autostart', '--no-permission-warning', ...args], input !== undefined ? { input } : {});
  if (result.status !== 0 && !(args[0] === '--import' && result.status === 2 && /not changed|unchanged|imported/.test(result.stderr))) {
    throw new AtollError('PULL_GPG_KEYRING', `gpg ${args.join(' ')} failed: ${result.stderr.trim()}`, { hint: 'check that the file holds OpenPGP public keys' });
  }
  return result.stdout;
}

/** One key of a keyring, with what `ostree remote gpg-list-keys` prints about it. */
export interface GpgKeyInfo {
  fingerprint: string;
  created: number;
  /** Seconds since the epoch; 0 = never. */
  expires: number;
  expired: boolean;
  revoked: boolean;
  uids: Array<{ uid: string; revoked: boolean; email: string | undefined }>;
  subkeys: Array<{ fingerprint: string; created: number; expires: number; expired: boolean; revoked: boolean }>;
}

/** Parse `gpg --with-colons --fixed-list-mode --list-keys` (doc/DETAILS of GnuPG). */
export function parseGpgColons(text: string, now = Date.now() / 1000): GpgKeyInfo[] {
  const keys: GpgKeyInfo[] = [];
  let pending: 'pub' | 'sub' | undefined;
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const kind = f[0];
    const expires = Number(f[6] || 0);
    const flags = {
      created: Number(f[5] || 0),
      expires,
      expired: f[1] === 'e' || (expires > 0 && expires <= now),
      revoked: f[1] === 'r',
    };
    if (kind === 'pub') {
      keys.push({ fingerprint: '', ...flags, uids: [], subkeys: [] });
      pending = 'pub';
    } else if (kind === 'sub' && keys.length > 0) {
      keys.at(-1)?.subkeys.push({ fingerprint: '', ...flags });
      pending = 'sub';
    } else if (kind === 'fpr' && pending !== undefined) {
      const key = keys.at(-1) as GpgKeyInfo;
      if (pending === 'pub') key.fingerprint = f[9] ?? '';
      else (key.subkeys.at(-1) as { fingerprint: string }).fingerprint = f[9] ?? '';
      pending = undefined;
    } else if (kind === 'uid' && keys.length > 0) {
      const uid = unescapeColons(f[9] ?? '');
      const email = /<([^<>]*)>\s*$/.exec(uid)?.[1];
      keys.at(-1)?.uids.push({ uid, revoked: f[1] === 'r', email: email || undefined });
    }
  }
  return keys;
}

function unescapeColons(text: string): string {
  return Buffer.from(text.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))), 'latin1').toString('utf8');
}

async function listHome(home: string): Promise<GpgKeyInfo[]> {
  return parseGpgColons((await gpg(home, ['--with-colons', '--fixed-list-mode', '--list-keys'])).toString('utf8'));
}

async function keyringFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
  if (!info.isDirectory()) return [path];
  return (await readdir(path)).filter((n) => n.endsWith('.gpg')).sort().map((n) => join(path, n));
}

/**
 * `remote gpg-import`: import the keys of `keyrings` (files) and/or `stdin` (armored or binary),
 * only those matching `keyIds` when given, into the remote's keyring. Returns how many keys were
 * new to it (ostree's "Imported N GPG keys to remote").
 */
export async function importRemoteGpgKeys(repo: string, remote: string, source: { keyrings?: readonly string[]; stdin?: Uint8Array; keyIds?: readonly string[] }): Promise<number> {
  return await withGpgScratchHome(async (src) => {
    for (const file of source.keyrings ?? []) {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new AtollError('PULL_GPG_KEYRING', `cannot read keyring ${file}: ${(error as Error).message}`, { cause: error });
      }
      await gpg(src, ['--import'], bytes);
    }
    if (source.stdin !== undefined) await gpg(src, ['--import'], source.stdin);
    const available = await listHome(src);
    let selected = available.map((k) => k.fingerprint);
    if ((source.keyIds ?? []).length > 0) {
      selected = (source.keyIds ?? []).map((id) => {
        const wanted = id.toUpperCase().replace(/^0X/, '');
        const key = available.find((k) => k.fingerprint.endsWith(wanted) || k.subkeys.some((s) => s.fingerprint.endsWith(wanted)));
        if (!key) throw new AtollError('PULL_GPG_KEYRING', `Unable to find key "${id}": No data`, { hint: 'check the key ID against the keyring (gpg --list-keys)' });
        return key.fingerprint;
      });
    }
    const target = remoteKeyringFile(repo, remote);
    return await withGpgScratchHome(async (dst) => {
      const existing = await readFile(target).catch((error: unknown) => {
        if (isErrno(error, 'ENOENT')) return undefined;
        throw error;
      });
      if (existing !== undefined && existing.length > 0) await gpg(dst, ['--import'], existing);
      const before = new Set((await listHome(dst)).map((k) => k.fingerprint));
      const fresh = [...new Set(selected)].filter((f) => !before.has(f));
      if (selected.length > 0) await gpg(dst, ['--import'], await gpg(src, ['--export', ...new Set(selected)]));
      await writeFileAtomic(target, await readFile(join(dst, 'pubring.gpg')));
      return fresh.length;
    });
  });
}

/** `remote gpg-list-keys [REMOTE]`: the remote's keyring (and gpgkeypath), or the global keyrings. */
export async function listRemoteGpgKeys(repo: string, remote: string | undefined, gpgKeyPath?: string): Promise<GpgKeyInfo[]> {
  const files =
    remote === undefined
      ? await keyringFiles(globalKeyringDir())
      : [...(await keyringFiles(remoteKeyringFile(repo, remote))), ...(await Promise.all((gpgKeyPath ?? '').split(/[;,]/).map((p) => p.trim()).filter(Boolean).map(keyringFiles))).flat()];
  if (files.length === 0) return [];
  return await withGpgScratchHome(async (home) => {
    for (const file of files) await gpg(home, ['--import'], await readFile(file));
    return await listHome(home);
  });
}

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

function zbase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ZBASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The Web Key Directory URLs of an email address (advanced, direct), as ostree prints them. */
export function wkdUrls(email: string): [string, string] | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  const hash = zbase32(createHash('sha1').update(local.toLowerCase()).digest());
  const l = encodeURIComponent(local);
  return [`https://openpgpkey.${domain}/.well-known/openpgpkey/${domain}/hu/${hash}?l=${l}`, `https://${domain}/.well-known/openpgpkey/hu/${hash}?l=${l}`];
}

/** ostree's date form in key listings: `%c` of the C locale in local time. */
function formatKeyDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

/** The text of `ostree remote gpg-list-keys` (ot-remote-builtin-gpg-list-keys.c). */
export function formatGpgKeyListing(keys: readonly GpgKeyInfo[]): string {
  const lines: string[] = [];
  for (const key of keys) {
    lines.push(`Key: ${key.fingerprint}${key.revoked ? ' (revoked)' : ''}`, `  Created: ${formatKeyDate(key.created)}`);
    if (key.expires > 0) lines.push(`  ${key.expired ? 'Expired' : 'Expires'}: ${formatKeyDate(key.expires)}`);
    for (const uid of key.uids) {
      lines.push(`  UID: ${uid.uid}${uid.revoked ? ' (revoked)' : ''}`);
      const urls = uid.email !== undefined ? wkdUrls(uid.email) : undefined;
      if (urls) lines.push(`  Advanced update URL: ${urls[0]}`, `  Direct update URL: ${urls[1]}`);
    }
    for (const sub of key.subkeys) {
      lines.push(`  Subkey: ${sub.fingerprint}${sub.revoked ? ' (revoked)' : ''}`, `    Created: ${formatKeyDate(sub.created)}`);
      if (sub.expires > 0) lines.push(`    ${sub.expired ? 'Expired' : 'Expires'}: ${formatKeyDate(sub.expires)}`);
    }
  }
  return lines.join('\n');
}

