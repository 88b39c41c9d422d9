import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { PublicKey } from 'openpgp';
import { AtollError, addContext, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { decodeCommitMeta, encodeCommitMeta, metadataByteArrays, sha256Hex, assertChecksum } from '../objects/index.js';
import type { Variant, VarDict } from '../../gvariant/index.js';
import { glibHashTableOrder } from '../commit/index.js';
import { ED25519_METADATA_KEY, ed25519Sign, ed25519Verify, publicKeyBase64 } from './ed25519.js';
import { GPG_METADATA_KEY, describeGpgSignatures, formatGpgDate, gpgSign, gpgSignatureKeyIds, verifyGpgSignatures } from './gpg.js';
import { DUMMY_METADATA_KEY, dummySignEnabled } from './dummy-sign.js';

/**
 * Signatures live in detached metadata (`a{sv}`): `.commitmeta` beside a commit, `summary.sig`
 * beside the summary, as arrays of raw signatures (`aay`) under `ostree.gpgsigs` (OpenPGP) and
 * `ostree.sign.ed25519` (64-byte ed25519). Signing appends to what is there (as OSTree does);
 * verification passes when at least one signature of the required kind verifies with a
 * trusted key.
 */
export interface VerifyPolicy {
  /** Trusted OpenPGP keys; undefined = GPG verification off. */
  gpg?: readonly PublicKey[] | undefined;
  /** Trusted ed25519 public keys; undefined = ed25519 verification off. */
  ed25519?: readonly KeyObject[] | undefined;
  /** ed25519 keys that no longer count (`revoked.ed25519`, `revoked.ed25519.d/`). */
  ed25519Revoked?: readonly KeyObject[] | undefined;
  /** `dummy` verification keys (OSTree's test-only sign type); undefined = off. */
  dummy?: readonly string[] | undefined;
}

export function requiresSignature(policy: VerifyPolicy): boolean {
  return policy.gpg !== undefined || policy.ed25519 !== undefined || policy.dummy !== undefined;
}

export interface SignatureReport {
  gpgValid: string[];
  ed25519Valid: string[];
  /** OSTree's success line of the sign type that verified (`ed25519: Signature verified successfully with key 'HEX'`). */
  signMessage?: string;
}

/**
 * The sign API part (ed25519, dummy) as libostree's `_sign_verify_for_remote` does it: the
 * types are tried in order and the first that verifies wins; a type without signatures in the
 * metadata is passed over; the first failure is the error reported.
 */
function verifySignApi(what: string, data: Uint8Array, detached: VarDict | undefined, policy: VerifyPolicy): string {
  let firstError: AtollError | undefined;
  let found = false;
  if (policy.ed25519 !== undefined) {
    const sigs = detached ? metadataByteArrays(detached, ED25519_METADATA_KEY) : undefined;
    if (sigs !== undefined) {
      found = true;
      try {
        return verifyEd25519(data, sigs, policy.ed25519, policy.ed25519Revoked ?? []);
      } catch (error) {
        firstError ??= error as AtollError;
      }
    }
  }
  if (policy.dummy !== undefined) {
    const sigs = detached ? metadataByteArrays(detached, DUMMY_METADATA_KEY) : undefined;
    if (sigs !== undefined) {
      found = true;
      try {
        return verifyDummy(sigs, policy.dummy);
      } catch (error) {
        firstError ??= error as AtollError;
      }
    }
  }
  if (!found) {
    throw new AtollError('PULL_SIGNATURE_MISSING', `${what}: No signatures found`, {
      hint: 'sign it with `atoll repo sign` (ostree sign), or set sign-verify=false on the remote',
    });
  }
  throw addContext(`Can't verify ${what}`, firstError);
}

/** libostree's ed25519 verify: any signature with any trusted (not revoked) key. */
export function verifyEd25519(data: Uint8Array, signatures: readonly Uint8Array[], keys: readonly KeyObject[], revoked: readonly KeyObject[] = []): string {
  if (keys.length === 0) throw new AtollError('PULL_SIGNATURE_INVALID', 'ed25519: public key is not set');
  const revokedSet = new Set(revoked.map((k) => publicKeyBase64(k)));
  const tried: string[] = [];
  const hex = (key: KeyObject): string => Buffer.from(publicKeyBase64(key), 'base64').toString('hex');
  for (const sig of signatures) {
    if (sig.length !== 64) throw new AtollError('PULL_SIGNATURE_INVALID', `Invalid signature length of ${sig.length} bytes, expected 64`);
    for (const key of keys) {
      if (revokedSet.has(publicKeyBase64(key))) continue;
      if (ed25519Verify(data, sig, key)) return `ed25519: Signature verified successfully with key '${hex(key)}'`;
      tried.push(hex(key));
    }
  }
  // libostree names the key when it tried one, and counts them when it tried more (OSTree's
  // tests read both forms).
  const detail = tried.length === 1 ? ` with: key ${tried[0] ?? ''}` : `; tried ${tried.length} keys`;
  throw new AtollError('PULL_SIGNATURE_INVALID', `ed25519: Signature couldn't be verified${detail}`, {
    hint: 'check the trusted keys (verification-ed25519-key / verification-ed25519-file of the remote, --keys-file, --keys-dir)',
  });
}

/**
 * Check `data` (commit or summary bytes) against its detached metadata. Throws
 * PULL_SIGNATURE_MISSING / PULL_SIGNATURE_INVALID naming `what` when a required kind fails.
 */
export async function verifyDetachedSignatures(
  what: string,
  data: Uint8Array,
  detached: VarDict | undefined,
  policy: VerifyPolicy,
): Promise<SignatureReport> {
  const report: SignatureReport = { gpgValid: [], ed25519Valid: [] };
  if (policy.gpg !== undefined) {
    const sigs = detached ? (metadataByteArrays(detached, GPG_METADATA_KEY) ?? []) : [];
    if (sigs.length === 0) {
      throw new AtollError('PULL_SIGNATURE_MISSING', `${what}: GPG verification enabled, but no signatures found (use gpg-verify=false in remote config to disable)`, {
        hint: 'sign it (atoll repo sign --sign-type=gpg, ostree gpg-sign), or add the remote with --no-gpg-verify',
      });
    }
    const result = await verifyGpgSignatures(data, sigs, policy.gpg);
    if (result.valid.length === 0) {
      // libostree reports the first signature's problem in gpgme's words.
      const first = result.invalid[0] ?? '';
      const unusable = result.unusable.find((u) => u.keyId === first);
      const reason = result.missingKey.includes(first)
        ? `Can't check signature: public key not found (key ID ${first})`
        : unusable?.revoked
          ? `Key revoked (key ID ${first})`
          : unusable?.expired !== undefined
            ? `Key expired ${formatGpgDate(unusable.expired)} (key ID ${first})`
            : `BAD signature (key ID ${first})`;
      throw new AtollError('PULL_SIGNATURE_INVALID', `${what}: GPG signatures found, but none are in trusted keyring: ${reason}`, {
        hint: 'import the signing key with `atoll repo remote add --gpg-import FILE` or set gpgkeypath',
        data: { invalid: result.invalid },
      });
    }
    report.gpgValid = result.valid.map((v) => v.fingerprint);
  }
  if (policy.ed25519 !== undefined || policy.dummy !== undefined) {
    report.signMessage = verifySignApi(what, data, detached, policy);
    if (report.signMessage.startsWith('ed25519:')) report.ed25519Valid.push(report.signMessage.replace(/^.*'(.*)'$/, '$1'));
  }
  return report;
}

export interface SignOptions {
  ed25519Keys?: readonly KeyObject[];
  dummyKeys?: readonly string[];
  gpgKeyIds?: readonly string[];
  gpgHomedir?: string | undefined;
}

/**
 * A detached-metadata dict rebuilt as libostree rebuilds it (a GVariantDict, i.e. a GHashTable,
 * filled from the old dict in its order, then the new key): its keys come out in GLib's hash
 * table order, so the bytes equal what ostree writes for the same signatures.
 */
function withKey(detached: VarDict, key: string, value: Variant): VarDict {
  const merged = new Map(detached);
  merged.set(key, value);
  const out: VarDict = new Map();
  for (const k of glibHashTableOrder([...merged.keys()])) out.set(k, merged.get(k) as Variant);
  return out;
}

/**
 * Add signatures over `data` to a detached-metadata dict, appending to the type's `aay` as
 * libostree does (a sign-API signature is appended even when the same one is there; a GPG key
 * that already signed is refused, as `ostree gpg-sign` refuses it).
 */
export async function addSignatures(detached: VarDict, data: Uint8Array, options: SignOptions): Promise<VarDict> {
  let out: VarDict = detached;
  const append = (key: string, sig: Uint8Array): void => {
    const existing = metadataByteArrays(out, key) ?? [];
    out = withKey(out, key, { type: 'aay', value: [...existing, sig] } satisfies Variant);
  };
  for (const key of options.ed25519Keys ?? []) append(ED25519_METADATA_KEY, ed25519Sign(data, key));
  for (const key of options.dummyKeys ?? []) {
    requireDummyEnabled();
    append(DUMMY_METADATA_KEY, new TextEncoder().encode(key));
  }
  for (const keyId of options.gpgKeyIds ?? []) {
    const signature = await gpgSign(data, keyId, options.gpgHomedir);
    const issuer = await gpgSignatureKeyIds([signature]);
    const existing = metadataByteArrays(out, GPG_METADATA_KEY) ?? [];
    const signedBefore = await gpgSignatureKeyIds(existing);
    if (issuer[0] !== undefined && signedBefore.includes(issuer[0])) {
      throw new AtollError('PULL_ALREADY_SIGNED', `Commit is already signed with GPG key ${keyId}`, { data: { keyId } });
    }
    append(GPG_METADATA_KEY, signature);
  }
  return out;
}

/** What `sign --delete` / `gpg-sign --delete` remove: signatures made by one of these keys. */
export interface DeleteSignaturesOptions {
  ed25519PublicKeys?: readonly KeyObject[];
  dummyKeys?: readonly string[];
  gpgKeyIds?: readonly string[];
}

async function removeSignatures(detached: VarDict, data: Uint8Array, options: DeleteSignaturesOptions): Promise<{ detached: VarDict; deleted: number }> {
  let out: VarDict = detached;
  let deleted = 0;
  const filter = (key: string, keep: (sig: Uint8Array, index: number) => boolean): void => {
    const existing = metadataByteArrays(out, key);
    if (existing === undefined) return;
    const kept = existing.filter(keep);
    deleted += existing.length - kept.length;
    if (kept.length === existing.length) return;
    if (kept.length === 0) {
      out = new Map([...out].filter(([k]) => k !== key));
    } else {
      out = withKey(out, key, { type: 'aay', value: kept });
    }
  };
  const edKeys = options.ed25519PublicKeys ?? [];
  if (edKeys.length > 0) filter(ED25519_METADATA_KEY, (sig) => !edKeys.some((k) => ed25519Verify(data, sig, k)));
  const dummy = options.dummyKeys ?? [];
  if (dummy.length > 0) filter(DUMMY_METADATA_KEY, (sig) => !dummy.includes(Buffer.from(sig).toString('utf8')));
  const wanted = (options.gpgKeyIds ?? []).map((k) => k.toUpperCase().replace(/^0X/, ''));
  if (wanted.length > 0) {
    const ids = await gpgSignatureKeyIds(metadataByteArrays(out, GPG_METADATA_KEY) ?? []);
    // A key ID matches the signature's issuer by suffix (short/long ID or fingerprint).
    filter(GPG_METADATA_KEY, (_sig, i) => !wanted.some((w) => (ids[i] ?? '').length > 0 && (w.endsWith(ids[i] ?? '') || (ids[i] ?? '').endsWith(w))));
  }
  return { detached: out, deleted };
}

function requireDummyEnabled(): void {
  if (!dummySignEnabled()) {
    throw new AtollError('PULL_SIGN_TYPE_UNSUPPORTED', 'dummy signature type is only for ostree testing', { hint: 'set OSTREE_DUMMY_SIGN_ENABLED=1 (tests only)' });
  }
}

/** libostree's test-only `dummy` sign type: the "signature" is the key text itself. */
export function verifyDummy(signatures: readonly Uint8Array[], keys: readonly string[]): string {
  requireDummyEnabled();
  for (const sig of signatures) {
    if (keys.includes(Buffer.from(sig).toString('utf8'))) return 'dummy: Signature verified';
  }
  throw new AtollError('PULL_SIGNATURE_INVALID', 'dummy: Signature mismatch');
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function decodeDetached(bytes: Uint8Array | undefined, what: string): VarDict | undefined {
  if (bytes === undefined) return undefined;
  try {
    return decodeCommitMeta(bytes);
  } catch (error) {
    throw new AtollError('PULL_BAD_SIGNATURE_DATA', `invalid detached metadata of ${what}: ${(error as Error).message}`, { cause: error });
  }
}

function objectPath(repo: string, checksum: string, ext: string): string {
  return join(repo, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.${ext}`);
}

async function readCommitBytes(repo: string, checksum: string): Promise<Buffer> {
  assertChecksum(checksum, 'commit checksum');
  const bytes = await readOptional(objectPath(repo, checksum, 'commit'));
  if (bytes === undefined) throw new AtollError('PULL_MISSING_OBJECT', `no commit ${checksum} in ${repo}`, { data: { checksum, type: 'commit' } });
  if (sha256Hex(bytes) !== checksum) {
    throw new AtollError('PULL_CORRUPT_OBJECT', `Corrupted commit object; checksum expected='${checksum}' actual='${sha256Hex(bytes)}'`, { data: { checksum, type: 'commit' } });
  }
  return bytes;
}

/** `atoll repo sign COMMIT`: add signatures to the commit's `.commitmeta` (atomically). */
export async function signCommit(repo: string, checksum: string, options: SignOptions): Promise<void> {
  const commit = await readCommitBytes(repo, checksum);
  const path = objectPath(repo, checksum, 'commitmeta');
  const detached = decodeDetached(await readOptional(path), `commit ${checksum}`) ?? new Map();
  await writeFileAtomic(path, encodeCommitMeta(await addSignatures(detached, commit, options)));
}

/** `sign --delete` / `gpg-sign --delete`: drop the commit's signatures made by these keys; returns how many. */
export async function deleteCommitSignatures(repo: string, checksum: string, options: DeleteSignaturesOptions): Promise<number> {
  const commit = await readCommitBytes(repo, checksum);
  const path = objectPath(repo, checksum, 'commitmeta');
  const old = decodeDetached(await readOptional(path), `commit ${checksum}`);
  if (old === undefined) return 0;
  const { detached, deleted } = await removeSignatures(old, commit, options);
  if (deleted > 0) await writeFileAtomic(path, encodeCommitMeta(detached));
  return deleted;
}

/**
 * `ostree show`'s GPG part: undefined when the commit has no GPG signature, else the "Found N
 * signatures" report against `keys`.
 */
export async function describeCommitGpgSignatures(repo: string, checksum: string, keys: readonly PublicKey[], format: { linePrefix?: string; header?: boolean } = {}): Promise<string | undefined> {
  const commit = await readCommitBytes(repo, checksum);
  const detached = decodeDetached(await readOptional(objectPath(repo, checksum, 'commitmeta')), `commit ${checksum}`);
  const sigs = detached ? (metadataByteArrays(detached, GPG_METADATA_KEY) ?? []) : [];
  if (sigs.length === 0) return undefined;
  return await describeGpgSignatures(commit, sigs, keys, format);
}

/** The detached metadata of a commit (undefined when it has none). */
export async function readCommitDetachedMetadata(repo: string, checksum: string): Promise<VarDict | undefined> {
  assertChecksum(checksum, 'commit checksum');
  return decodeDetached(await readOptional(objectPath(repo, checksum, 'commitmeta')), `commit ${checksum}`);
}

export async function verifyCommitSignatures(repo: string, checksum: string, policy: VerifyPolicy): Promise<SignatureReport> {
  const commit = await readCommitBytes(repo, checksum);
  const detached = decodeDetached(await readOptional(objectPath(repo, checksum, 'commitmeta')), `commit ${checksum}`);
  return await verifyDetachedSignatures(`commit ${checksum}`, commit, detached, policy);
}

/** Sign the repository's `summary` into `summary.sig` (existing signatures of it are kept). */
export async function signSummary(repo: string, options: SignOptions): Promise<void> {
  const summary = await readOptional(join(repo, 'summary'));
  if (summary === undefined) {
    throw new AtollError('PULL_NO_SUMMARY', `no summary in ${repo}`, { hint: 'generate it first with `atoll repo summary -u`' });
  }
  const detached = decodeDetached(await readOptional(join(repo, 'summary.sig')), 'summary') ?? new Map();
  await writeFileAtomic(join(repo, 'summary.sig'), encodeCommitMeta(await addSignatures(detached, summary, options)));
}

export async function verifySummarySignatures(repo: string, policy: VerifyPolicy): Promise<SignatureReport> {
  const summary = await readOptional(join(repo, 'summary'));
  if (summary === undefined) throw new AtollError('PULL_NO_SUMMARY', `no summary in ${repo}`);
  const detached = decodeDetached(await readOptional(join(repo, 'summary.sig')), 'summary');
  return await verifyDetachedSignatures('summary', summary, detached, policy);
}

/**
 * Detached metadata as libostree reads it when verifying: bytes that are not a valid `a{sv}`
 * hold no signatures (GLib reads non-normal data as an empty dict), so verification reports
 * "no signatures found" rather than a decoding error.
 */
function decodeDetachedForVerify(bytes: Uint8Array | undefined, what: string): VarDict | undefined {
  try {
    return decodeDetached(bytes, what);
  } catch {
    return new Map();
  }
}

export { decodeDetached, decodeDetachedForVerify };
