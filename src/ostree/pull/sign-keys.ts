import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { AtollError, isErrno } from '../../errors/index.js';
import { ed25519PublicKey } from './ed25519.js';

/**
 * Where libostree's ed25519 engine (`ostree_sign_ed25519_load_pk`) finds public keys: a file of
 * base64 keys, one a line (lines that are not a key are skipped, as libostree skips them), or a
 * base directory holding `trusted.ed25519` and `trusted.ed25519.d/*` (keys that count) and
 * `revoked.ed25519` and `revoked.ed25519.d/*` (keys that no longer count). Without either, the
 * system-wide directories `/etc/ostree` and `/usr/share/ostree`.
 */
export interface Ed25519KeySet {
  trusted: KeyObject[];
  revoked: KeyObject[];
}

export const SYSTEM_SIGN_KEY_DIRS = ['/etc/ostree', '/usr/share/ostree'];

/** The valid keys of a key file's text (invalid lines skipped). */
export function publicKeysFromText(text: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    try {
      keys.push(ed25519PublicKey(line));
    } catch {
      // libostree: "Invalid public key" is only a debug message; the line is skipped.
    }
  }
  return keys;
}

/** `--keys-file=FILE`: the file must be readable as a regular file. */
export async function readEd25519KeyFile(path: string): Promise<KeyObject[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AtollError('PULL_BAD_KEY', `ed25519: can't open file '${path}' with public keys: ${(error as Error).message}`, { cause: error });
  }
  return publicKeysFromText(text);
}

async function optionalKeys(path: string): Promise<KeyObject[]> {
  try {
    return publicKeysFromText(await readFile(path, 'utf8'));
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return [];
    throw error;
  }
}

async function keysOfDir(dir: string): Promise<KeyObject[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
  const keys: KeyObject[] = [];
  for (const name of names) keys.push(...(await optionalKeys(join(dir, name))));
  return keys;
}

/** `--keys-dir=DIR` (libostree's `basedir`), or the system-wide directories when `dirs` is empty. */
export async function readEd25519KeyDirs(dirs: readonly string[] = SYSTEM_SIGN_KEY_DIRS): Promise<Ed25519KeySet> {
  const set: Ed25519KeySet = { trusted: [], revoked: [] };
  for (const dir of dirs) {
    set.trusted.push(...(await optionalKeys(join(dir, 'trusted.ed25519'))), ...(await keysOfDir(join(dir, 'trusted.ed25519.d'))));
    set.revoked.push(...(await optionalKeys(join(dir, 'revoked.ed25519'))), ...(await keysOfDir(join(dir, 'revoked.ed25519.d'))));
  }
  return set;
}
