import { AtollError } from '../../errors/index.js';
import { HASH_ALGO, type RpmHeaderPackage } from '../header/index.js';
import type { PayloadIntegrity } from './payload-stream.js';

/**
 * A package's payload integrity checks (rpm-format.md §6), apart from where the bytes are
 * hashed: which digests to compute, and the checks of their results. payloadCpioStream
 * (payload-stream.ts) hashes as it streams; unpack hashes the compressed bytes on a worker
 * thread, straight from the file, and the decoded stream in its read loop. 'strongest' (what an
 * install needs): PAYLOADDIGEST when present (the ALT digest and the legacy MD5 then cover
 * nothing more), else the ALT digest, else MD5; 'all': every digest the package carries, as
 * `rpm -K`.
 */

export interface PayloadCheckPlan {
  /** Digests over the compressed bytes (MD5 is over main header + payload: `seed`). */
  compressed: { name: 'payload-digest' | 'md5'; node: string; seed: Uint8Array | null; expected: string; what: string }[];
  /** PAYLOADDIGESTALT, over the decoded cpio stream. */
  decoded: { node: string; expected: string; what: string } | null;
}

function mismatch(what: string, expected: string, actual: string): AtollError {
  return new AtollError('RPM_DIGEST_MISMATCH', `${what} mismatch: expected ${expected}, got ${actual}`, {
    hint: 'the package is corrupt or was modified',
    data: { what, expected, actual },
  });
}

export function planPayloadChecks(pkg: RpmHeaderPackage, mainHeader: Uint8Array, digests: 'all' | 'strongest' = 'strongest'): PayloadCheckPlan {
  // Absent PAYLOADDIGESTALGO means SHA-256 (rpm 6 packages omit it; rpm 4.18 verifies them so).
  const algo = HASH_ALGO[pkg.payload.digestAlgo ?? 8];
  const { digest, digestAlt } = pkg.payload;
  if ((digest !== null || digestAlt !== null) && algo === undefined) {
    throw new AtollError('RPM_HEADER_BAD', `main header: unknown PAYLOADDIGESTALGO ${pkg.payload.digestAlgo}`);
  }
  const all = digests === 'all';
  const plan: PayloadCheckPlan = { compressed: [], decoded: null };
  if (digest !== null) {
    plan.compressed.push({ name: 'payload-digest', node: algo!.node, seed: null, expected: digest.toLowerCase(), what: `payload ${algo!.name} digest` });
  }
  if (digestAlt !== null && (all || digest === null)) {
    plan.decoded = { node: algo!.node, expected: digestAlt.toLowerCase(), what: `payload ${algo!.name} ALT digest` };
  }
  if (pkg.signature.md5 !== null && (all || (digest === null && digestAlt === null))) {
    plan.compressed.push({ name: 'md5', node: 'md5', seed: mainHeader, expected: pkg.signature.md5, what: 'MD5 digest' });
  }
  return plan;
}

/** Checks over the compressed bytes: SIGTAG_SIZE, then the digests (in plan order). */
export function checkCompressed(pkg: RpmHeaderPackage, mainHeaderLength: number, plan: PayloadCheckPlan, bytes: number, digests: string[], integrity: PayloadIntegrity): void {
  integrity.compressedBytes = bytes;
  if (pkg.signature.size !== null) {
    const total = mainHeaderLength + bytes;
    if (total !== pkg.signature.size) {
      throw new AtollError('RPM_SIZE_MISMATCH', `header+payload is ${total} bytes, the signature says ${pkg.signature.size}`, {
        hint: 'the package is truncated or has trailing data',
        data: { actual: total, expected: pkg.signature.size },
      });
    }
    integrity.checked.push('size');
  }
  plan.compressed.forEach((c, i) => {
    const actual = digests[i]!;
    if (actual !== c.expected) throw mismatch(c.what, c.name === 'md5' ? c.expected : pkg.payload.digest!, actual);
    integrity.checked.push(c.name);
  });
}

/** Checks over the decoded stream: the ALT digest, and PAYLOADSIZE (a warning only, as rpm never checks it). */
export function checkDecoded(pkg: RpmHeaderPackage, plan: PayloadCheckPlan, digest: string | null, bytes: number, integrity: PayloadIntegrity): void {
  integrity.archiveBytes = bytes;
  if (plan.decoded) {
    if (digest !== plan.decoded.expected) throw mismatch(plan.decoded.what, pkg.payload.digestAlt!, digest ?? '');
    integrity.checked.push('payload-digest-alt');
  }
  if (pkg.payload.archiveSize !== null) {
    if (bytes === pkg.payload.archiveSize) integrity.checked.push('archive-size');
    else integrity.warnings.push(`payload decompresses to ${bytes} bytes, PAYLOADSIZE says ${pkg.payload.archiveSize}`);
  }
}
