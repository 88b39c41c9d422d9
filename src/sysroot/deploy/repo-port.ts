/**
 * What the sysroot layer needs from the system repository (`ostree/repo`, bare mode). The
 * CLI passes an adapter over the repo module's public API; tests may pass one over the real
 * `ostree` tool. Keeping the port this small is what lets deploy run against either.
 */
export interface SysrootRepo {
  /** A ref, `remote:ref` or full checksum → the commit checksum; a coded error if unknown. */
  resolveRev(rev: string): Promise<string>;
  /**
   * The commit's `version` metadata and timestamp (and `ostree.endoflife-rebase`, the ref an
   * end-of-life branch redirects to), or undefined when the commit is missing.
   */
  commitInfo(csum: string): Promise<CommitInfo | undefined>;
  /** Hardlink-checkout of a commit into `dest`, which must not exist (mtime 0, owners kept; `.ostree-wh.NAME` files become overlayfs whiteouts, as in OSTree deployments). */
  checkoutHardlink(csum: string, dest: string): Promise<void>;
  /** Every ref name starting with `prefix` (e.g. `ostree/`). */
  listRefs(prefix: string): Promise<string[]>;
  /** Write a local ref, or a remote's ref when NAME is `REMOTE:REF`. */
  setRef(name: string, csum: string): Promise<void>;
  deleteRef(name: string): Promise<void>;
  /** Set (csum) or delete (undefined) refs, in this order, as one repository transaction. */
  updateRefs(updates: ReadonlyArray<{ name: string; csum: string | undefined }>): Promise<void>;
  /**
   * Delete objects no ref reaches; optional (cleanup skips it when absent). With `commits`,
   * only what those commits reached is considered (the deployments that just left the list):
   * the rest of the store is not listed.
   */
  prune?(commits?: readonly string[]): Promise<{ objectsDeleted: number; freedBytes: number }>;
}

export interface CommitInfo {
  version: string | undefined;
  timestamp: number;
  endoflifeRebase?: string | undefined;
  /** `ostree.source-title` (status prints it under the origin). */
  sourceTitle?: string | undefined;
}

/** Creating and opening a system repo (init-fs makes it in bare mode). */
export interface SysrootRepoProvider {
  init(path: string): Promise<void>;
  open(path: string): Promise<SysrootRepo>;
}
