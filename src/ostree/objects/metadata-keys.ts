import { AtollError } from '../../errors/index.js';
import { bswap64, type Variant } from '../../gvariant/index.js';

/** Well-known metadata keys (§4.1, §4.2) and their GVariant types. */
export const MetadataKey = {
  /** s: free-form version, the only core key without the `ostree.` prefix. */
  Version: 'version',
  /** as (sorted): refs this commit may be pulled under. */
  RefBinding: 'ostree.ref-binding',
  /** s: must match the remote's collection id. */
  CollectionBinding: 'ostree.collection-binding',
  /** b: set by `commit --bootable`. */
  Bootable: 'ostree.bootable',
  /** s: kernel version (the usr/lib/modules/<kver> holding vmlinuz). */
  Linux: 'ostree.linux',
  Architecture: 'ostree.architecture',
  EndOfLife: 'ostree.endoflife',
  EndOfLifeRebase: 'ostree.endoflife-rebase',
  SourceTitle: 'ostree.source-title',
  /** aay: per-object sizes (`--generate-sizes`). */
  Sizes: 'ostree.sizes',
  /** aay (detached): OpenPGP signatures over the commit bytes. */
  GpgSigs: 'ostree.gpgsigs',
  /** aay (detached): ed25519 signatures. */
  SignEd25519: 'ostree.sign.ed25519',
  /** t, big-endian (summary per-ref). */
  CommitTimestamp: 'ostree.commit.timestamp',
  /** s (summary per-ref). */
  CommitVersion: 'ostree.commit.version',
  SummaryMode: 'ostree.summary.mode',
  /** t, big-endian. */
  SummaryLastModified: 'ostree.summary.last-modified',
  SummaryTombstoneCommits: 'ostree.summary.tombstone-commits',
  SummaryIndexedDeltas: 'ostree.summary.indexed-deltas',
  /** t, big-endian. */
  SummaryExpires: 'ostree.summary.expires',
  SummaryCollectionId: 'ostree.summary.collection-id',
  SummaryCollectionMap: 'ostree.summary.collection-map',
  StaticDeltas: 'ostree.static-deltas',
  DeployCollectionId: 'ostree.deploy-collection-id',
} as const;

function wrongType(key: string, found: Variant, wanted: string): AtollError {
  return new AtollError('OSTREE_OBJECT_BAD_METADATA', `metadata key '${key}' has type '${found.type}', expected '${wanted}'`, { data: { key, type: found.type } });
}

function typed(dict: ReadonlyMap<string, Variant>, key: string, type: string): Variant | undefined {
  const v = dict.get(key);
  if (v === undefined) return undefined;
  if (v.type !== type) throw wrongType(key, v, type);
  return v;
}

/** The `s` value of `key`, undefined if absent; OSTREE_OBJECT_BAD_METADATA if of another type. */
export function metadataString(dict: ReadonlyMap<string, Variant>, key: string): string | undefined {
  return typed(dict, key, 's')?.value as string | undefined;
}

export function metadataBoolean(dict: ReadonlyMap<string, Variant>, key: string): boolean | undefined {
  return typed(dict, key, 'b')?.value as boolean | undefined;
}

export function metadataStrings(dict: ReadonlyMap<string, Variant>, key: string): string[] | undefined {
  return typed(dict, key, 'as')?.value as string[] | undefined;
}

export function metadataByteArrays(dict: ReadonlyMap<string, Variant>, key: string): Uint8Array[] | undefined {
  return typed(dict, key, 'aay')?.value as Uint8Array[] | undefined;
}

/** A `t` stored big-endian, as ostree stores timestamps in summaries. */
export function bigEndianUint64(value: bigint | number): Variant {
  return { type: 't', value: bswap64(BigInt(value)) };
}

/** Read a big-endian `t` (e.g. `ostree.commit.timestamp`), undefined if absent. */
export function metadataBigEndianUint64(dict: ReadonlyMap<string, Variant>, key: string): bigint | undefined {
  const v = typed(dict, key, 't');
  return v === undefined ? undefined : bswap64(v.value as bigint);
}

export const stringVariant = (value: string): Variant => ({ type: 's', value });
export const booleanVariant = (value: boolean): Variant => ({ type: 'b', value });
/** `as` variant; ref bindings are sorted (as ostree does). */
export const stringsVariant = (values: readonly string[], sort = false): Variant => ({
  type: 'as',
  value: sort ? [...values].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))) : [...values],
});
