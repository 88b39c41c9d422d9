import { AtollError } from '../../errors/index.js';
import { ObjectType, encodeCommit, encodeCommitMeta, type VarDict, type Variant } from '../repo/codec.js';
import type { Transaction } from '../repo/transaction.js';
import type { MutableTree } from './mutable-tree.js';

export interface CommitOptions {
  subject?: string;
  body?: string;
  /** Seconds since the epoch. */
  timestamp: number;
  parent?: string;
  /** In insertion order, as ostree's CLI keeps it. */
  metadata?: VarDict;
  /** Detached metadata (commitmeta), if any. */
  detachedMetadata?: VarDict;
}

/**
 * Write the dirtrees of `tree` and a commit object pointing at them; returns the commit
 * checksum. The root must have a dirmeta. Refs are the caller's business (tx.setRef).
 */
export async function writeCommit(tx: Transaction, tree: MutableTree, options: CommitOptions): Promise<string> {
  if (tree.metaChecksum === undefined) throw new AtollError('OSTREE_MTREE_NO_METADATA', 'the root directory has no dirmeta');
  for (const key of options.metadata?.keys() ?? []) {
    if (key === '') throw new AtollError('OSTREE_COMMIT_BAD_METADATA', 'commit metadata keys must not be empty');
  }
  const rootTree = await tree.write(tx);
  const bytes = encodeCommit({
    metadata: options.metadata ?? new Map<string, Variant>(),
    parent: options.parent ?? null,
    related: [],
    subject: options.subject ?? '',
    body: options.body ?? '',
    timestamp: BigInt(options.timestamp),
    rootTree,
    rootMeta: tree.metaChecksum,
  });
  const checksum = await tx.writeMetadata(ObjectType.Commit, bytes);
  if (options.detachedMetadata && options.detachedMetadata.size > 0) {
    await tx.writeMetadata(ObjectType.CommitMeta, encodeCommitMeta(options.detachedMetadata), checksum);
  }
  return checksum;
}
