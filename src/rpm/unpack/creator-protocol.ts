/** Messages and shared-memory states between unpack.ts / entry-creator.ts and unpack-worker.ts. */

/** Entry kinds the worker creates (0: left to the main thread). */
export const KIND_SKIP = 0;
export const KIND_DIR = 1;
export const KIND_FILE = 2;
export const KIND_SYMLINK = 3;

/** Claim states in the shared array. */
export const CLAIM_FREE = 0;
export const CLAIM_BUSY = 1;
export const CLAIM_DONE = 2;
export const CLAIM_FAILED = 3;

export interface CreatorPlan {
  staging: string;
  /** Owner new entries get; a symlink's lchown is skipped when it is the one asked for. */
  createdUid: number;
  createdGid: number;
  claims: SharedArrayBuffer;
  kinds: Uint8Array;
  /** Staging-relative paths and header paths (for messages). */
  rels: string[];
  linktos: string[];
  uids: Int32Array;
  gids: Int32Array;
  mtimes: Float64Array;
  /**
   * 'shared': the worker creates from the END of the list while the main thread creates what
   * it reaches first (a cheap decoder: the main thread has CPU to spare for creating, and the
   * two meet in the middle). 'worker': the worker creates everything, from the START, and the
   * main thread only fills files (an expensive decoder, xz or bzip2, is the critical path:
   * creating on the main thread too would take CPU from it on 2 CPUs; measured on the bench's
   * xz package under load: 3.2 s vs 2.0 s wall).
   */
  mode: 'shared' | 'worker';
  /** Digests over the compressed payload, read from the file; null when the caller hashes. */
  hash: { path: string; start: number; algos: { node: string; seed: Uint8Array | null }[] } | null;
}

export type CreatorReply =
  | { hashed: { digests: string[]; bytes: number } | { error: string } }
  | { done: { created: number } }
  | { error: { kind: 'unsafe'; message: string; path: string } | { kind: 'io'; message: string; code: string; syscall: string } };
