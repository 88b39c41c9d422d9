import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { PublicKey } from 'openpgp';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { decodeCommitMeta, encodeCommitMeta, metadataByteArrays, sha256Hex, assertChecksum } from '../objects/index.js';
import type { Variant, VarDict } from '../../gvariant/index.js';
import { ED25519_METADATA_KEY, ed25519Sign, ed25519Verify, publicKeyBase64 } from './ed25519.js';
import { GPG_METADATA_KEY, gpgSign, verifyGpgSignatures } from './gpg.js';

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
}

export function requiresSignature(policy: VerifyPolicy): boolean {
  return policy.gpg !== undefined || policy.ed25519 !== undefined;
}

export interface SignatureReport {
  gpgValid: string[];
  ed25519Valid: string[];
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
      throw new AtollError('PULL_SIGNATURE_MISSING', `${what}: GPG verification enabled, but no signatures found`, {
        hint: 'sign it (atoll repo sign --sign-type=gpg, ostree gpg-sign), or add the remote with --no-gpg-verify',
      });
    }
    const result = await verifyGpgSignatures(data, sigs, policy.gpg);
    if (result.valid.length === 0) {
      throw new AtollError('PULL_SIGNATURE_INVALID', `${what}: none of ${sigs.length} GPG signature(s) verified with a trusted key (key IDs: ${result.invalid.join(', ')})`, {
        hint: 'import the signing key with `atoll repo remote add --gpg-import FILE` or set gpgkeypath',
        data: { invalid: result.invalid },
      });
    }
    report.gpgValid = result.valid.map((v) => v.fingerprint);
  }
  if (policy.ed25519 !== undefined) {
    const sigs = detached ? (metadataByteArrays(detached, ED25519_METADATA_KEY) ?? []) : [];
    if (sigs.length === 0) {
      throw new AtollError('PULL_SIGNATURE_MISSING', `${what}: ed25519 signature verification enabled, but no signatures found`, {
        hint: 'sign it with `atoll repo sign`, or set sign-verify=false on the remote',
      });
    }
    for (const key of policy.ed25519) {
      if (sigs.some((sig) => ed25519Verify(data, sig, key))) report.ed25519Valid.push(publicKeyBase64(key));
    }
    if (report.ed25519Valid.length === 0) {
      throw new AtollError('PULL_SIGNATURE_INVALID', `${what}: ed25519: signature couldn't be verified with any of ${policy.ed25519.length} trusted key(s)`, {
        hint: 'check verification-ed25519-key / verification-ed25519-file of the remote',
      });
    }
  }
  return report;
}

export interface SignOptions {
  ed25519Keys?: readonly KeyObject[];
  gpgKeyIds?: readonly string[];
  gpgHomedir?: string | undefined;
}

/** Add signatures over `data` to a detached-metadata dict (duplicates are not added twice). */
export async function addSignatures(detached: VarDict, data: Uint8Array, options: SignOptions): Promise<VarDict> {
  const out: VarDict = new Map(detached);
  const append = (key: string, sig: Uint8Array): void => {
    const existing = metadataByteArrays(out, key) ?? [];
    if (existing.some((s) => Buffer.from(s).equals(Buffer.from(sig)))) return;
    out.set(key, { type: 'aay', value: [...existing, sig] } satisfies Variant);
  };
  for (const key of options.ed25519Keys ?? []) append(ED25519_METADATA_KEY, ed25519Sign(data, key));
  for (const keyId of options.gpgKeyIds ?? []) append(GPG_METADATA_KEY, await gpgSign(data, keyId, options.gpgHomedir));
  return out;
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

export { decodeDetached };
