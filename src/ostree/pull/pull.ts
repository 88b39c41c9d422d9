import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { AtollError, isErrno } from '../../errors/index.js';
import type { Reporter } from '../../report/index.js';
import { checkSignType, getRemote, SIGN_TYPES, type Remote } from './remote-config.js';
import { DirectorySource, type FileSource } from './source.js';
import { openRemoteSource } from './remote-source.js';
import { readCookies } from './cookies.js';
import { PullTarget } from './target.js';
import { ArchiveProvider, runPull, fetchSummary, type ObjectProvider, type PullResult } from './pull-engine.js';
import type { VerifyPolicy } from './signatures.js';
import type { DeltaPolicy } from './delta-pull.js';
import { ed25519PublicKey } from './ed25519.js';
import { publicKeysFromText, readEd25519KeyDirs } from './sign-keys.js';
import { GPG_METADATA_KEY, describeGpgSignatures, trustedGpgKeys } from './gpg.js';
import { verifyContent } from './verify.js';
import { decodeSummary, metadataByteArrays, sha256Hex, type FileHeader } from '../objects/index.js';
import { decodeDetached, verifyDetachedSignatures } from './signatures.js';
import { MAX_METADATA_SIZE } from './verify.js';

export interface PullOptions {
  /** The destination repository. */
  repo: string;
  remote: string;
  /** Refs or commit checksums; empty = the remote's `branches`, or everything with `mirror`. */
  refs?: readonly string[];
  depth?: number;
  mirror?: boolean;
  commitMetadataOnly?: boolean;
  parallel?: number;
  /** `--url`: fetch from this URL instead of the remote's configured one. */
  url?: string;
  /** `--http-header NAME=VALUE` pairs. */
  httpHeaders?: ReadonlyArray<readonly [string, string]>;
  /** The User-Agent header to send. */
  userAgent?: string;
  /** `--subpath`: fetch only these paths of the commits' trees. */
  subpaths?: readonly string[];
  /** `--localcache-repo`: local repositories to take objects from before fetching them. */
  localCacheRepos?: readonly string[];
  /** Refuse commits older than this local commit (ostree's `timestamp-check-from-rev`). */
  timestampCheckFromRev?: string;
  /** Refuse content a bare-user-only repository cannot hold (`--bareuseronly-files`). */
  bareUserOnlyFiles?: boolean;
  /** `-T`: refuse a commit older than the one the ref has now. */
  timestampCheck?: boolean;
  /** `--http-trusted`: archive → archive content is stored without re-hashing. */
  httpTrusted?: boolean;
  /** Never use static deltas (`--disable-static-deltas`). */
  disableStaticDeltas?: boolean;
  /** Fail unless a static delta serves each requested commit (`--require-static-deltas`). */
  requireStaticDeltas?: boolean;
  /** With requireStaticDeltas: report what the deltas would fetch, write nothing. */
  dryRun?: boolean;
  /** `--disable-verify-bindings`: do not check ostree.ref-binding / ostree.collection-binding. */
  disableVerifyBindings?: boolean;
  /** `--cache-dir`: cache summaries in DIR/summaries/ instead of REPO/tmp/cache/summaries/. */
  cacheDir?: string;
  reporter?: Reporter;
}

/**
 * The delta policy of a pull, as ostree-repo-pull.c decides it: never into archive repositories
 * (an error when deltas are required), nor for mirrors, commit-metadata-only or subpath pulls.
 */
function deltaPolicy(target: PullTarget, options: { disableStaticDeltas?: boolean; requireStaticDeltas?: boolean; dryRun?: boolean; mirror?: boolean; commitMetadataOnly?: boolean; subpaths?: readonly string[] }): DeltaPolicy {
  if (options.dryRun && !options.requireStaticDeltas) throw new AtollError('PULL_DRY_RUN', '--dry-run requires --require-static-deltas');
  if (target.mode === 'archive') {
    if (options.requireStaticDeltas) throw new AtollError('PULL_DELTA_ARCHIVE', "Can't use static deltas in an archive repo");
    return 'disabled';
  }
  if (options.disableStaticDeltas || options.mirror || options.commitMetadataOnly || (options.subpaths && options.subpaths.length > 0)) return 'disabled';
  return options.requireStaticDeltas ? 'required' : 'allowed';
}

/** The keys of one sign type a remote configures (`verification-TYPE-key` / `-file`). */
async function remoteSignKeys(remote: Remote, type: string): Promise<{ configured: boolean; ed25519: KeyObject[]; dummy: string[] }> {
  const inline = remote.options[`verification-${type}-key`];
  const file = remote.options[`verification-${type}-file`];
  const out = { configured: inline !== undefined || file !== undefined, ed25519: [] as KeyObject[], dummy: [] as string[] };
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (!isErrno(error, 'ENOENT', 'EISDIR', 'EACCES')) throw error;
      throw new AtollError('PULL_BAD_KEY', `verification-${type}-file ${file} of remote "${remote.name}" cannot be read: ${(error as Error).message}`);
    }
    if (type === 'ed25519') out.ed25519.push(...publicKeysFromText(text));
    else out.dummy.push(...text.split('\n').map((l) => l.trim()).filter(Boolean));
  }
  if (inline !== undefined) {
    if (type === 'ed25519') out.ed25519.push(...inline.split(/[\s;]+/).filter(Boolean).map((k) => ed25519PublicKey(k)));
    else out.dummy.push(inline);
  }
  if (!out.configured && type === 'ed25519') {
    // libostree falls back to the system-wide trusted keys when the remote names none.
    out.ed25519.push(...(await readEd25519KeyDirs()).trusted);
  }
  return out;
}

/** The sign-API part of a remote's policy, as libostree's `_signapi_init_for_remote` builds it. */
async function remoteSignPolicy(remote: Remote): Promise<Pick<VerifyPolicy, 'ed25519' | 'dummy' | 'ed25519Revoked'>> {
  const explicit = remote.signTypes;
  for (const type of explicit ?? []) checkSignType(type);
  const policy: Pick<VerifyPolicy, 'ed25519' | 'dummy' | 'ed25519Revoked'> = {};
  for (const type of explicit ?? SIGN_TYPES) {
    const keys = await remoteSignKeys(remote, type);
    const count = type === 'ed25519' ? keys.ed25519.length : keys.dummy.length;
    if (count === 0) {
      if (explicit !== undefined) throw new AtollError('PULL_BAD_KEY', `No keys found for required signapi type ${type}`, { hint: `set verification-${type}-key or verification-${type}-file on remote "${remote.name}"` });
      continue;
    }
    if (type === 'ed25519') policy.ed25519 = keys.ed25519;
    else policy.dummy = keys.dummy;
  }
  if (policy.ed25519 === undefined && policy.dummy === undefined) {
    throw new AtollError('PULL_BAD_KEY', `remote "${remote.name}" has sign-verify enabled but no verification keys (verification-ed25519-key, verification-ed25519-file)`, {
      hint: 'add the key with --sign-verify=ed25519=inline:PUBKEY',
    });
  }
  return policy;
}

/** The signature policy a remote's config asks for (OSTree defaults: gpg-verify=true). */
export async function remotePolicies(repo: string, remote: Remote): Promise<{ commit: VerifyPolicy; summary: VerifyPolicy }> {
  const gpg = remote.gpgVerify || remote.gpgVerifySummary ? await trustedGpgKeys(repo, remote.name, remote.options.gpgkeypath) : undefined;
  const sign = remote.signVerify || remote.signVerifySummary ? await remoteSignPolicy(remote) : {};
  const none = { ed25519: undefined, dummy: undefined };
  return {
    commit: { gpg: remote.gpgVerify ? gpg : undefined, ...(remote.signVerify ? sign : none) },
    summary: { gpg: remote.gpgVerifySummary ? gpg : undefined, ...(remote.signVerifySummary ? sign : none) },
  };
}

function checkBareOwnership(target: PullTarget): void {
  if (target.mode === 'bare' && typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new AtollError('PULL_NEEDS_ROOT', `pulling into the bare repository ${target.path} needs root: bare objects keep their real owner (chown)`, {
      hint: 'run as root, or pull into a bare-user or archive repository',
    });
  }
}

/** The FileSource a remote's config (and a pull's options) describe. */
async function remoteSource(repoPath: string, remote: Remote, options: Pick<PullOptions, 'url' | 'httpHeaders' | 'userAgent' | 'parallel'>): Promise<FileSource> {
  const tlsFile = async (key: string): Promise<Buffer | undefined> => {
    const path = remote.options[key];
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (error) {
      throw new AtollError('PULL_BAD_REMOTE_CONFIG', `cannot read ${key} ${path} of remote "${remote.name}": ${(error as Error).message}`, { cause: error });
    }
  };
  const source = await openRemoteSource(options.url ?? remote.url, {
    headers: options.httpHeaders,
    userAgent: options.userAgent,
    cookies: await readCookies(repoPath, remote.name),
    contentUrl: remote.contentUrl,
    connections: options.parallel ?? 8,
    tlsPermissive: remote.options['tls-permissive'] === 'true',
    tlsCa: await tlsFile('tls-ca-path'),
    tlsClientCert: await tlsFile('tls-client-cert-path'),
    tlsClientKey: await tlsFile('tls-client-key-path'),
  });
  return source;
}

/**
 * `atoll repo remote refs NAME` (ostree `remote refs`): the refs of the remote's summary, fetched
 * (through its metalink or mirrorlist too) and checked against the summary signature policy.
 */
export async function remoteRefs(repo: string, remoteName: string, options: Pick<PullOptions, 'httpHeaders' | 'userAgent'> = {}): Promise<Array<{ ref: string; checksum: string }>> {
  const target = await PullTarget.openSource(repo);
  const remote = await getRemote(target.path, remoteName);
  if (remote.url === '') throw new AtollError('PULL_NO_REMOTE_URL', `No "url" option in remote "${remote.name}"`);
  const policies = await remotePolicies(target.path, remote);
  const source = await remoteSource(target.path, remote, options);
  try {
    const signature = await source.get('summary.sig', { maxSize: MAX_METADATA_SIZE });
    const bytes = await source.get('summary', { maxSize: 100 * MAX_METADATA_SIZE });
    if (bytes === undefined) {
      throw new AtollError('PULL_SUMMARY_REQUIRED', 'Remote refs not available; server has no summary file', { hint: 'run `atoll repo summary -u` (or `ostree summary -u`) on the server' });
    }
    if (policies.summary.gpg || policies.summary.ed25519) await verifyDetachedSignatures('summary', bytes, decodeDetached(signature, 'summary'), policies.summary);
    let summary;
    try {
      summary = decodeSummary(bytes);
    } catch (error) {
      throw new AtollError('PULL_BAD_SUMMARY', `invalid summary from ${source.description}: ${(error as Error).message}`, { cause: error });
    }
    return summary.refs.map((r) => ({ ref: r.name, checksum: r.checksum }));
  } finally {
    await source.close();
  }
}

export interface RemoteSummary {
  /** The summary as the server has it. */
  summary: Uint8Array;
  /** `summary.sig`, when the server has one. */
  signature: Uint8Array | undefined;
  /**
   * With `gpg-verify-summary` and a signature: ostree's report of the GPG signatures
   * ("GPG: Verification enabled, found N signatures:" and one block per signature).
   */
  gpgReport: string | undefined;
}

/**
 * `ostree remote summary NAME` (ostree_repo_remote_fetch_summary): the remote's summary and
 * summary.sig, fetched (a cached summary is used when the server's summary.sig equals the
 * cached one) and verified as the remote's config asks (gpg-verify-summary,
 * sign-verify-summary), then cached under tmp/cache/summaries/ when signed.
 */
export async function fetchRemoteSummary(repo: string, remoteName: string, options: Pick<PullOptions, 'httpHeaders' | 'userAgent' | 'cacheDir'> = {}): Promise<RemoteSummary> {
  const target = await PullTarget.openSource(repo);
  const remote = await getRemote(target.path, remoteName);
  if (remote.url === '') throw new AtollError('PULL_NO_REMOTE_URL', `No "url" option in remote "${remote.name}"`);
  const policies = await remotePolicies(target.path, remote);
  const source = await remoteSource(target.path, remote, options);
  const cache = process.env.OSTREE_SKIP_CACHE ? undefined : { dir: options.cacheDir ?? join(target.path, 'tmp', 'cache'), remote: remote.name };
  try {
    const signature = await source.get('summary.sig', { maxSize: MAX_METADATA_SIZE });
    const summary = await fetchSummary(source, signature, { cache, policy: policies.summary, remote: remote.name });
    if (summary === undefined) throw new AtollError('PULL_SUMMARY_REQUIRED', 'Remote server has no summary file', { hint: 'run `ostree summary -u` on the server' });
    let gpgReport: string | undefined;
    if (remote.gpgVerifySummary && signature !== undefined && policies.summary.gpg) {
      const sigs = metadataByteArrays(decodeDetached(signature, 'summary') ?? new Map(), GPG_METADATA_KEY) ?? [];
      gpgReport = await describeGpgSignatures(summary, sigs, policies.summary.gpg, { title: 'GPG: Verification enabled, found N signatureS:' });
    }
    return { summary, signature, gpgReport };
  } finally {
    await source.close();
  }
}

/** `atoll repo pull REMOTE [REF...]`. */
export async function pull(options: PullOptions): Promise<PullResult> {
  const target = await PullTarget.open(options.repo);
  checkBareOwnership(target);
  const deltas = deltaPolicy(target, options);
  const remote = await getRemote(target.path, options.remote);
  const backend = remote.options['custom-backend'];
  if (backend !== undefined) throw new AtollError('PULL_CUSTOM_BACKEND', `remote '${remote.name}' uses custom backend '${backend}'`, { data: { remote: remote.name, backend } });
  const unconfigured = remote.options['unconfigured-state'];
  if (unconfigured !== undefined) throw new AtollError('PULL_REMOTE_UNCONFIGURED', `remote unconfigured-state: ${unconfigured}`, { data: { remote: remote.name } });
  if (remote.url === '') throw new AtollError('PULL_NO_REMOTE_URL', `No "url" option in remote "${remote.name}"`);
  const policies = await remotePolicies(target.path, remote);
  const source = await remoteSource(target.path, remote, options);
  // A file:// remote may be a repository of any mode (as OSTree's local pull path allows).
  let provider: ObjectProvider = new ArchiveProvider(source);
  if (source instanceof DirectorySource) {
    const local = await PullTarget.openSource(source.root).catch(() => undefined);
    if (local && local.mode !== 'archive') provider = new LocalRepoProvider(local, source);
  }
  const cache = options.localCacheRepos && options.localCacheRepos.length > 0
    ? new LocalCacheProvider(provider, await Promise.all(options.localCacheRepos.map((p) => PullTarget.openSource(p))))
    : undefined;
  if (cache) provider = cache;
  try {
    const result = await runPull({
      target,
      provider,
      refs: options.refs && options.refs.length > 0 ? options.refs : options.mirror ? [] : remote.branches,
      remote: remote.name,
      collectionId: remote.collectionId,
      disableVerifyBindings: options.disableVerifyBindings ?? false,
      mirror: options.mirror ?? false,
      depth: options.depth ?? 0,
      commitMetadataOnly: options.commitMetadataOnly ?? false,
      ...(options.subpaths ? { subpaths: options.subpaths } : {}),
      parallel: options.parallel ?? 8,
      policy: policies.commit,
      summaryPolicy: policies.summary,
      // libtest sets OSTREE_SKIP_CACHE to keep tests from sharing cached summaries.
      summaryCache: process.env.OSTREE_SKIP_CACHE || options.url !== undefined ? undefined : { dir: options.cacheDir ?? join(target.path, 'tmp', 'cache'), remote: remote.name },
      checkRemoteMode: !(source instanceof DirectorySource),
      tombstones: !(source instanceof DirectorySource),
      refetchDetachedMetadata: !(source instanceof DirectorySource),
      ...(options.timestampCheckFromRev !== undefined ? { timestampCheckFromRev: options.timestampCheckFromRev } : {}),
      deltas,
      dryRun: options.dryRun === true,
      bareUserOnlyFiles: options.bareUserOnlyFiles === true,
      httpTrustedContent: options.httpTrusted === true,
      timestampCheck: options.timestampCheck === true,
      ...(options.reporter ? { reporter: options.reporter } : {}),
    });
    if (cache) {
      result.metadataFetched -= cache.localMetadata;
      result.contentFetched -= cache.localContent;
      result.localMetadata = cache.localMetadata;
      result.localContent = cache.localContent;
    }
    return result;
  } finally {
    await source.close();
  }
}

/**
 * `pull --localcache-repo`: objects already in one of these local repositories are copied from
 * there (re-verified) instead of fetched; counted apart, as ostree reports "(N meta, M content local)".
 */
class LocalCacheProvider implements ObjectProvider {
  localMetadata = 0;
  localContent = 0;
  constructor(
    private readonly inner: ObjectProvider,
    private readonly caches: readonly PullTarget[],
  ) {}
  get files(): FileSource {
    return this.inner.files;
  }
  async getMetadata(type: 'commit' | 'dirtree' | 'dirmeta' | 'commitmeta', checksum: string, maxSize: number): Promise<Uint8Array | undefined> {
    if (type !== 'commitmeta') {
      for (const cache of this.caches) {
        const bytes = await cache.readObject(checksum, type);
        if (bytes !== undefined && bytes.length <= maxSize && sha256Hex(bytes) === checksum) {
          this.localMetadata++;
          return bytes;
        }
      }
    }
    return await this.inner.getMetadata(type, checksum, maxSize);
  }
  async getContent(checksum: string): Promise<{ header: FileHeader; data: Uint8Array; archiveBytes?: Uint8Array; local?: boolean } | undefined> {
    for (const cache of this.caches) {
      if (!(await cache.has(checksum, 'file'))) continue;
      const { header, data } = await cache.loadContent(checksum);
      verifyContent(checksum, header, data);
      this.localContent++;
      return { header, data, local: true };
    }
    return await this.inner.getContent(checksum);
  }
}

/**
 * Objects from a local repository in a non-archive mode. `pull` (file:// remotes) and atoll's
 * `pull-local` re-verify them as they are read; `pull-local --trusted` (what the `ostree` front
 * end passes unless `--untrusted`) trusts the source, as ostree does for local paths.
 */
class LocalRepoProvider implements ObjectProvider {
  constructor(
    private readonly repo: PullTarget,
    readonly files: DirectorySource,
    private readonly trusted = false,
  ) {}
  async getMetadata(type: 'commit' | 'dirtree' | 'dirmeta' | 'commitmeta', checksum: string): Promise<Uint8Array | undefined> {
    const bytes = await this.repo.readObject(checksum, type);
    if (bytes) this.files.bytesTransferred += bytes.length;
    return bytes;
  }
  async getContent(checksum: string): Promise<{ header: FileHeader; data: Uint8Array } | undefined> {
    if (!(await this.repo.has(checksum, 'file'))) return undefined;
    const { header, data } = await this.repo.loadContent(checksum);
    this.files.bytesTransferred += data.length;
    if (!this.trusted) verifyContent(checksum, header, data);
    return { header, data };
  }
}

/**
 * pull-local: objects are hardlinked from the source repository where the modes allow it
 * (ostree's _ostree_repo_import_object), after verifying them unless the source is trusted.
 */
function withLinks(provider: ObjectProvider, source: PullTarget, trusted: boolean): ObjectProvider {
  return {
    files: provider.files,
    getMetadata: (type, checksum, maxSize) => provider.getMetadata(type, checksum, maxSize),
    getContent: (checksum) => provider.getContent(checksum),
    link: async (target, type, checksum) => {
      if (!(await source.has(checksum, type))) return false;
      if (type === 'file' && source.mode !== target.mode) {
        // bare-user → bare-user-only: a canonical regular file is stored alike in both (ostree's
        // import_is_bareuser_only_conversion); symlinks are not (bare-user keeps them as files).
        if (!(source.mode === 'bare-user' && target.mode === 'bare-user-only')) return false;
        const { header } = await source.loadContent(checksum);
        const mode = header.mode & 0o7777;
        const canonical = (header.mode & 0o170000) === 0o100000 && header.uid === 0 && header.gid === 0 && header.xattrs.length === 0 && (mode & ~0o775) === 0 && (mode & 0o400) !== 0;
        if (!canonical) return false;
      }
      if (!trusted) {
        if (type === 'file') {
          const { header, data } = await source.loadContent(checksum);
          verifyContent(checksum, header, data);
        } else {
          const bytes = await source.readObject(checksum, type);
          if (bytes === undefined) return false;
          if (type !== 'commitmeta' && sha256Hex(bytes) !== checksum) {
            throw new AtollError('PULL_CORRUPT_OBJECT', `Corrupted ${type} object; checksum expected='${checksum}' actual='${sha256Hex(bytes)}'`, { data: { checksum, type } });
          }
        }
      }
      return await target.linkFrom(source, checksum, type);
    },
  };
}

export interface PullLocalOptions {
  repo: string;
  source: string;
  refs?: readonly string[];
  /** Write refs under refs/remotes/REMOTE/ instead of refs/heads/. */
  remote?: string | undefined;
  depth?: number;
  commitMetadataOnly?: boolean;
  /** Refuse content a bare-user-only repository cannot hold (setuid, world-writable, ...). */
  bareUserOnlyFiles?: boolean;
  parallel?: number;
  /** `--gpg-verify`: commits must carry a GPG signature by a key of `remote`'s keyring. */
  gpgVerify?: boolean;
  /** `--gpg-verify-summary`: the source's summary must be signed by a key of `remote`'s keyring. */
  gpgVerifySummary?: boolean;
  /** `--disable-verify-bindings`: skip the ref/collection binding checks. */
  disableVerifyBindings?: boolean;
  /**
   * Do not re-hash what is read from the source (ostree's `pull-local` default: a local
   * repository is trusted unless `--untrusted`). atoll verifies by default.
   */
  trusted?: boolean;
  /** Use the source's static deltas, failing when there is none (ostree pull-local only uses them then). */
  requireStaticDeltas?: boolean;
  reporter?: Reporter;
}

/** `atoll repo pull-local SRC [REF...]`: copy commits from another repository on this machine. */
export async function pullLocal(options: PullLocalOptions): Promise<PullResult> {
  const target = await PullTarget.open(options.repo);
  checkBareOwnership(target);
  const src = await PullTarget.openSource(options.source);
  const files = new DirectorySource(src.path);
  const trusted = options.trusted ?? false;
  const provider = withLinks(src.mode === 'archive' ? new ArchiveProvider(files, trusted) : new LocalRepoProvider(src, files, trusted), src, trusted);
  let refs = [...(options.refs ?? [])];
  const mirror = refs.length === 0;
  if (mirror) {
    // ostree pull-local without refs copies every local ref of the source.
    const { listRefs, Repo } = await import('../repo/index.js');
    const all = await listRefs(await Repo.open(src.path));
    // ostree takes every ref, remote ones included, and then refuses "REMOTE:REF" as a local ref name.
    const remoteRef = all.find((r) => r.remote !== undefined);
    if (remoteRef) throw new AtollError('PULL_BAD_REF', `Invalid ref name ${remoteRef.remote}:${remoteRef.ref}`, { data: { ref: remoteRef.ref } });
    refs = all.map((r) => r.ref);
  }
  // Local refs: read them from the source repository (its summary may be stale).
  const resolved: string[] = [];
  for (const ref of refs) {
    if (/^[0-9a-f]{64}$/.test(ref)) {
      resolved.push(ref);
      continue;
    }
    const checksum = await src.readRef(ref, undefined);
    if (checksum === undefined) throw new AtollError('PULL_NO_REF', `Refspec '${ref}' not found`, { data: { ref, source: src.path } });
    resolved.push(checksum);
  }
  // As libostree's local pull: GPG keys from the named remote's keyring, bindings against the
  // source repository's own collection-id (get_remote_repo_collection_id).
  let policy: VerifyPolicy = {};
  if (options.gpgVerify || options.gpgVerifySummary) {
    if (options.remote === undefined) throw new AtollError('PULL_NO_REMOTE', 'Must specify remote name to enable gpg verification', { hint: 'pass --remote=NAME (its keyring holds the trusted keys)' });
    const remoteInfo = await getRemote(target.path, options.remote);
    const keys = await trustedGpgKeys(target.path, remoteInfo.name, remoteInfo.options.gpgkeypath);
    if (options.gpgVerify) policy = { gpg: keys };
    if (options.gpgVerifySummary) {
      const summary = await files.get('summary');
      if (summary === undefined) throw new AtollError('PULL_SUMMARY_REQUIRED', `GPG verification enabled, but no summary found (check that the remote's summary is generated): ${src.path}`);
      await verifyDetachedSignatures('summary', summary, decodeDetached(await files.get('summary.sig'), 'summary'), { gpg: keys });
    }
  }
  const { Repo: RepoClass } = await import('../repo/index.js');
  const sourceCollectionId = (await RepoClass.open(src.path)).config.getStringOr('core', 'collection-id', undefined);
  const deltas = options.requireStaticDeltas ? deltaPolicy(target, { requireStaticDeltas: true, commitMetadataOnly: options.commitMetadataOnly ?? false }) : 'disabled';
  const result = await runPull({
    target,
    // With deltas, the source's summary says where they are (refs are resolved above anyway).
    provider: deltas === 'disabled' ? { ...providerWithoutSummary(provider) } : provider,
    deltas,
    overridesSkipSummary: false,
    // Named refs travel as REF@CHECKSUM so their bindings are checked (the refs are written below).
    refs: resolved.map((checksum, k) => (/^[0-9a-f]{64}$/.test(refs[k] as string) ? checksum : `${refs[k] as string}@${checksum}`)),
    remote: options.remote,
    collectionId: sourceCollectionId,
    disableVerifyBindings: options.disableVerifyBindings ?? false,
    policy,
    depth: options.depth ?? 0,
    commitMetadataOnly: options.commitMetadataOnly ?? false,
    bareUserOnlyFiles: options.bareUserOnlyFiles ?? false,
    parallel: options.parallel ?? 4,
    trusted,
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
  // Refs named after the source's refs (the engine only saw checksums).
  for (let k = 0; k < refs.length; k++) {
    const ref = refs[k] as string;
    if (/^[0-9a-f]{64}$/.test(ref)) continue;
    await target.writeRef(ref, resolved[k] as string, options.remote);
  }
  result.refs = refs.map((ref, k) => ({ ref: /^[0-9a-f]{64}$/.test(ref) ? undefined : ref, checksum: resolved[k] as string }));
  return result;
}

/** pull-local resolves refs itself: hide the source's summary from the engine. */
function providerWithoutSummary(provider: ObjectProvider): ObjectProvider {
  const files = provider.files;
  const hidden = {
    description: files.description,
    get bytesTransferred() {
      return files.bytesTransferred;
    },
    get requests() {
      return files.requests;
    },
    get: (path: string, options?: { maxSize?: number }) => (path === 'summary' || path === 'summary.sig' ? Promise.resolve(undefined) : files.get(path, options)),
    close: () => files.close(),
  };
  return {
    files: hidden,
    getMetadata: (type, checksum, maxSize) => provider.getMetadata(type, checksum, maxSize),
    getContent: (checksum) => provider.getContent(checksum),
    ...(provider.getArchiveBytes ? { getArchiveBytes: (checksum: string) => (provider.getArchiveBytes as (c: string) => Promise<Uint8Array | undefined>)(checksum) } : {}),
    ...(provider.link ? { link: provider.link } : {}),
  };
}
