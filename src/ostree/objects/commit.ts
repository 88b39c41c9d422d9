import { AtollError, addContext } from '../../errors/index.js';
import { bswap64, decodeGVariant, encodeGVariant, type GVariantValue, type VarDict } from '../../gvariant/index.js';
import { checksumFromBytes, checksumToBytes, metadataChecksum, sha256Hex } from './checksum.js';
import { varDictFromGVariant, varDictToGVariant } from './vardict.js';

/** GVariant type of a commit object. */
export const COMMIT_GVARIANT_TYPE = '(a{sv}aya(say)sstayay)';

/** A "related object" of a commit: a name and a checksum (never used in practice). */
export interface RelatedObject {
  readonly name: string;
  readonly checksum: string;
}

/** A commit object. */
export interface Commit {
  /** Commit metadata (`version`, `ostree.ref-binding`…); insertion order is the stored order. */
  readonly metadata: VarDict;
  /** Parent commit checksum, or null (stored as an empty `ay`, not 32 zero bytes). */
  readonly parent: string | null;
  readonly related: readonly RelatedObject[];
  readonly subject: string;
  readonly body: string;
  /**
   * Seconds since the epoch (stored big-endian). A bigint so that any stored value round-trips;
   * real ostree rejects (in log/show) timestamps that do not fit a date.
   */
  readonly timestamp: bigint;
  /** Root dirtree checksum. */
  readonly rootTree: string;
  /** Root dirmeta checksum. */
  readonly rootMeta: string;
}

/** Serialize a commit `(a{sv}aya(say)sstayay)` (timestamp big-endian). */
export function encodeCommit(commit: Commit): Uint8Array {
  // A date before 1970 is stored as ostree stores it: the int64 seconds as a guint64.
  let timestamp = BigInt(commit.timestamp);
  if (timestamp < -(1n << 63n) || timestamp > 0xffffffffffffffffn) throw new TypeError(`commit timestamp ${timestamp} fits neither a uint64 nor an int64`);
  timestamp = BigInt.asUintN(64, timestamp);
  return encodeGVariant(COMMIT_GVARIANT_TYPE, [
    varDictToGVariant(commit.metadata, 'commit metadata'),
    commit.parent === null ? new Uint8Array(0) : checksumToBytes(commit.parent, 'parent commit checksum'),
    commit.related.map((r) => [r.name, checksumToBytes(r.checksum, 'related object checksum')]),
    commit.subject,
    commit.body,
    bswap64(timestamp),
    checksumToBytes(commit.rootTree, 'root dirtree checksum'),
    checksumToBytes(commit.rootMeta, 'root dirmeta checksum'),
  ]);
}

/** Parse and validate a commit object: normal form, checksums of 32 bytes, parent 0 or 32 bytes. */
export function decodeCommit(bytes: Uint8Array): Commit {
  let value: GVariantValue[];
  try {
    value = decodeGVariant(COMMIT_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw addContext('invalid commit object', error);
  }
  const parentBytes = value[1] as Uint8Array;
  if (parentBytes.length !== 0 && parentBytes.length !== 32) {
    throw new AtollError('OSTREE_OBJECT_BAD_COMMIT', `invalid commit object: parent checksum has ${parentBytes.length} bytes, expected 0 or 32`, { data: { length: parentBytes.length } });
  }
  const treeBytes = value[6] as Uint8Array;
  const metaBytes = value[7] as Uint8Array;
  if (treeBytes.length !== 32 || metaBytes.length !== 32) {
    throw new AtollError('OSTREE_OBJECT_BAD_COMMIT', `invalid commit object: root checksums have ${treeBytes.length} and ${metaBytes.length} bytes, expected 32`, {});
  }
  return {
    metadata: varDictFromGVariant(value[0] as GVariantValue, 'commit'),
    parent: parentBytes.length === 0 ? null : checksumFromBytes(parentBytes),
    related: (value[2] as Array<[string, Uint8Array]>).map(([name, csum]) => ({ name, checksum: checksumFromBytes(csum, `related object '${name}'`) })),
    subject: value[3] as string,
    body: value[4] as string,
    timestamp: bswap64(value[5] as bigint),
    rootTree: checksumFromBytes(treeBytes),
    rootMeta: checksumFromBytes(metaBytes),
  };
}

/** The commit's checksum: SHA-256 of its serialized bytes. */
export function commitChecksum(commit: Commit): string {
  return metadataChecksum(encodeCommit(commit));
}

/** `ostree log`'s ContentChecksum: SHA-256 of root dirtree bytes ‖ root dirmeta bytes (32 + 32). */
export function commitContentChecksum(commit: Pick<Commit, 'rootTree' | 'rootMeta'>): string {
  return sha256Hex(checksumToBytes(commit.rootTree), checksumToBytes(commit.rootMeta));
}
