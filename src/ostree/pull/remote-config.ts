import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { KeyFile } from '../../keyfile/index.js';
import { writeFileAtomic } from '../../util/index.js';

/**
 * Remotes live in the repository's `config` as `[remote "NAME"]` groups, exactly as OSTree
 * writes them (`ostree remote add` and `atoll repo remote add` produce the same bytes, and
 * either tool reads what the other wrote). The key order mirrors ot-remote-builtin-add.c:
 * url, branches, contenturl, --set keys, gpg-verify, sign-verify, verification keys,
 * collection-id.
 */
export interface RemoteAddOptions {
  name: string;
  url: string;
  branches?: readonly string[];
  /** `--set=KEY=VALUE`, in command-line order. */
  set?: ReadonlyArray<readonly [string, string]>;
  noGpgVerify?: boolean;
  noSignVerify?: boolean;
  /** `--sign-verify=KEYTYPE=inline:KEY` or `KEYTYPE=file:PATH`. */
  signVerify?: string;
  contentUrl?: string;
  collectionId?: string;
  /** `--custom-backend=NAME`: fetched by another tool; `url` may then be ''. */
  customBackend?: string;
  ifNotExists?: boolean;
  force?: boolean;
  /**
   * A remotes config directory (a deployment's `etc/ostree/remotes.d`, when the repo is
   * reached through a non-physical sysroot): the remote goes to `NAME.conf` there, as
   * libostree's impl_repo_remote_add does, unless the repo sets `core.add-remotes-config-dir=false`.
   */
  configDir?: string;
}

export interface Remote {
  name: string;
  url: string;
  contentUrl: string | undefined;
  branches: string[];
  gpgVerify: boolean;
  gpgVerifySummary: boolean;
  signVerify: boolean;
  signVerifySummary: boolean;
  /** Base64 ed25519 public keys (`verification-ed25519-key`). */
  ed25519Keys: string[];
  /** `verification-ed25519-file`: a file of base64 public keys, one per line. */
  ed25519File: string | undefined;
  /**
   * `sign-verify=TYPE[,TYPE]` (libostree also takes a list of sign types there): the types
   * whose keys are required; undefined when sign-verify is a boolean (every type with keys).
   */
  signTypes: string[] | undefined;
  collectionId: string | undefined;
  /** Every key of the group, raw, for options this client does not interpret (tls-*, proxy). */
  options: Record<string, string>;
}

/** OSTree's remote names: one ref fragment, `[\w\d][-._\w\d]*`. */
const REMOTE_NAME = /^[A-Za-z0-9_][-._A-Za-z0-9]*$/;

export function isValidRemoteName(name: string): boolean {
  return REMOTE_NAME.test(name);
}

export function remoteGroup(name: string): string {
  return `remote "${name}"`;
}

async function readConfig(repo: string): Promise<KeyFile> {
  try {
    return KeyFile.parse(await readFile(join(repo, 'config'), 'utf8'));
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new AtollError('PULL_NO_REPO', `${repo} is not an OSTree repository: no config`, {
        hint: 'pass --repo with the repository directory (create one with `atoll repo init`)',
      });
    }
    throw error;
  }
}

async function writeConfig(repo: string, config: KeyFile): Promise<void> {
  await writeFileAtomic(join(repo, 'config'), config.serialize());
}

function checkName(name: string): void {
  if (!isValidRemoteName(name)) {
    throw new AtollError('PULL_BAD_REMOTE_NAME', `invalid remote name ${name}`, {
      hint: 'a remote name is letters, digits, and - . _ (not starting with - or .)',
    });
  }
}

/** The sign types atoll implements (libostree's: ed25519, and dummy for its tests). */
export const SIGN_TYPES = ['ed25519', 'dummy'];

export function checkSignType(type: string): void {
  if (!SIGN_TYPES.includes(type)) {
    throw new AtollError('PULL_SIGN_TYPE_UNSUPPORTED', `Requested signature type is not implemented: ${type}`, { hint: `atoll implements ${SIGN_TYPES.join(', ')}` });
  }
}

/** `--sign-verify=ed25519=inline:KEY` → [`verification-ed25519-key`, KEY]. */
export function parseSignVerify(spec: string): [string, string] {
  // libostree's add_verify_opt: the type is checked first, then the key reference.
  const eq = spec.indexOf('=');
  if (eq < 0) throw new AtollError('PULL_BAD_SIGN_SPEC', `Failed to parse KEYTYPE=[inline|file]:DATA in ${spec}`, { hint: 'use KEYTYPE=inline:PUBKEY or KEYTYPE=file:/path/to/key' });
  const type = spec.slice(0, eq);
  checkSignType(type);
  const match = /^(inline|file):(.+)$/.exec(spec.slice(eq + 1));
  if (!match) {
    throw new AtollError('PULL_BAD_SIGN_SPEC', `Invalid key reference ${spec.slice(eq + 1).split(':')[0] ?? ''}, expected inline|file`, { hint: 'use KEYTYPE=inline:PUBKEY or KEYTYPE=file:/path/to/key' });
  }
  const [, where = '', value = ''] = match;
  return [`verification-${type}-${where === 'inline' ? 'key' : 'file'}`, value];
}

/** Returns false when the remote existed and `ifNotExists` made this a no-op. */
export async function addRemote(repo: string, options: RemoteAddOptions): Promise<boolean> {
  checkName(options.name);
  if (options.ifNotExists && options.force) {
    throw new AtollError('PULL_REMOTE_EXISTS', 'Can only specify one of --if-not-exists and --force');
  }
  const config = await readConfig(repo);
  const group = remoteGroup(options.name);
  if (config.hasGroup(group)) {
    if (options.ifNotExists) return false;
    if (!options.force) {
      throw new AtollError('PULL_REMOTE_EXISTS', `remote configuration for "${options.name}" already exists`, {
        hint: 'use --if-not-exists to keep it, or --force to replace it',
      });
    }
    config.removeGroup(group);
  }
  const configFile = options.configDir !== undefined && config.getBooleanOr('core', 'add-remotes-config-dir', true) ? join(options.configDir, `${options.name}.conf`) : undefined;
  let target = config;
  if (configFile !== undefined) {
    target = KeyFile.parse('');
    try {
      await readFile(configFile);
      if (options.ifNotExists) return false;
      if (!options.force) throw new AtollError('PULL_REMOTE_EXISTS', `remote configuration for "${options.name}" already exists`, { hint: `see ${configFile}` });
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }
  const signKey = options.signVerify === undefined ? undefined : parseSignVerify(options.signVerify);
  // OSTree accepts `metalink=URL` in place of the URL; keep it as OSTree stores it.
  if (options.url.startsWith('metalink=')) target.setString(group, 'metalink', options.url.slice('metalink='.length));
  else if (options.url !== '' || options.customBackend === undefined) target.setString(group, 'url', options.url);
  if (options.customBackend !== undefined) target.setString(group, 'custom-backend', options.customBackend);
  if (options.branches && options.branches.length > 0) target.setStringList(group, 'branches', options.branches);
  if (options.contentUrl !== undefined) target.setString(group, 'contenturl', options.contentUrl);
  for (const [key, value] of options.set ?? []) target.setString(group, key, value);
  if (options.noGpgVerify || options.noSignVerify) target.setBoolean(group, 'gpg-verify', false);
  if (options.noSignVerify) target.setBoolean(group, 'sign-verify', false);
  if (signKey) {
    target.setString(group, signKey[0], signKey[1]);
    target.setBoolean(group, 'sign-verify', true);
  }
  if (options.collectionId !== undefined) target.setString(group, 'collection-id', options.collectionId);
  if (configFile !== undefined) {
    await mkdir(options.configDir as string, { recursive: true });
    await writeFileAtomic(configFile, target.serialize());
  } else await writeConfig(repo, config);
  return true;
}

/** Returns false when the remote did not exist and `ifExists` made this a no-op. */
export async function deleteRemote(repo: string, name: string, options: { ifExists?: boolean } = {}): Promise<boolean> {
  checkName(name);
  const config = await readConfig(repo);
  if (!config.removeGroup(remoteGroup(name))) {
    if (options.ifExists) return false;
    throw new AtollError('PULL_NO_REMOTE', `remote "${name}" not found`, { hint: 'list remotes with `atoll repo remote list`' });
  }
  await writeConfig(repo, config);
  // As libostree: the remote's keyring goes with it.
  await rm(join(repo, `${name}.trustedkeys.gpg`), { force: true });
  return true;
}

/** Remote names, sorted as `ostree remote list` prints them. */
/**
 * The repository's config, then those of its `core.parent` chain: ostree inherits the parent's
 * remotes (ostree_repo_remote_list, ostree_repo_get_remote_inherited). Loops are cut.
 */
async function configChain(repo: string): Promise<KeyFile[]> {
  const out: KeyFile[] = [];
  const seen = new Set<string>();
  let path: string | undefined = resolve(repo);
  while (path !== undefined && !seen.has(path) && out.length < 16) {
    seen.add(path);
    let config: KeyFile;
    try {
      config = await readConfig(path);
    } catch (error) {
      if (out.length === 0) throw error;
      break; // an unreadable parent: the child's own remotes still count
    }
    out.push(config);
    const parent = config.getStringOr('core', 'parent', undefined);
    path = parent === undefined || parent === '' ? undefined : resolve(path, parent);
  }
  return out;
}

export async function listRemotes(repo: string): Promise<Remote[]> {
  const remotes = new Map<string, Remote>();
  for (const config of await configChain(repo)) {
    for (const group of config.groupNames()) {
      const name = /^remote "(.+)"$/.exec(group)?.[1];
      if (name !== undefined && !remotes.has(name)) remotes.set(name, remoteFrom(config, name));
    }
  }
  return [...remotes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function getRemote(repo: string, name: string): Promise<Remote> {
  checkName(name);
  for (const config of await configChain(repo)) {
    if (config.hasGroup(remoteGroup(name))) return remoteFrom(config, name);
  }
  throw new AtollError('PULL_NO_REMOTE', `remote "${name}" not found`, { hint: 'add it with `atoll repo remote add NAME URL`' });
}

function remoteFrom(config: KeyFile, name: string): Remote {
  const group = remoteGroup(name);
  const options: Record<string, string> = {};
  for (const key of config.keys(group)) options[key] = config.getString(group, key);
  const gpgVerify = config.getBooleanOr(group, 'gpg-verify', true);
  const rawSignVerify = config.getStringOr(group, 'sign-verify', 'false').trim();
  const signTypes = ['true', 'false', '1', '0'].includes(rawSignVerify) ? undefined : rawSignVerify.split(/[,;]/).map((t) => t.trim()).filter(Boolean);
  const signVerify = signTypes !== undefined || config.getBooleanOr(group, 'sign-verify', false);
  const inlineKey = config.getStringOr(group, 'verification-ed25519-key', undefined);
  return {
    name,
    url: config.getStringOr(group, 'url', '') || (options.metalink !== undefined ? `metalink=${options.metalink}` : ''),
    contentUrl: config.getStringOr(group, 'contenturl', undefined),
    branches: config.hasKey(group, 'branches') ? config.getStringList(group, 'branches') : [],
    gpgVerify,
    gpgVerifySummary: config.getBooleanOr(group, 'gpg-verify-summary', false),
    signVerify,
    signVerifySummary: config.getBooleanOr(group, 'sign-verify-summary', false),
    ed25519Keys: inlineKey === undefined ? [] : inlineKey.split(/[\s;]+/).filter(Boolean),
    ed25519File: config.getStringOr(group, 'verification-ed25519-file', undefined),
    signTypes,
    collectionId: config.getStringOr(group, 'collection-id', undefined),
    options,
  };
}
