// Committing trees: a directory or an in-memory MutableTree → objects, commit, ref.
export { MutableTree } from './mutable-tree.js';
export { commitDirectoryToTree, StatOverride } from './commit-directory.js';
export type { CommitModifier, CommitDirectoryStats } from './commit-directory.js';
export { writeCommit } from './write-commit.js';
export type { CommitOptions } from './write-commit.js';
export { commitToRepo, findKernelVersion } from './commit-to-repo.js';
export type { CommitRequest, CommitResult } from './commit-to-repo.js';
export { parseTimestamp, parseCommonTimestamp } from './parse-timestamp.js';
export { consumeTree } from './consume.js';
export { glibHashTableOrder } from './glib-hash-order.js';
