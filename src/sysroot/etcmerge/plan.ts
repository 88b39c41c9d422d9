/**
 * The /etc three-way merge as OSTree plans it (ostree-format.md §6.6), pure: two snapshots in
 * (orig = the merge deployment's `usr/etc`, modified = its `etc`), a diff out. The diff is
 * then replayed onto the new deployment's fresh `etc` by `applyEtcMerge`.
 *
 * Comparison follows `ostree_diff_dirs` with IGNORE_XATTRS: a type change is a modification;
 * files compare uid, gid, mode and content (symlinks their target); directories compare
 * uid, gid and mode (their dirmeta without xattrs) and are then descended into. Everything
 * under a directory that only `modified` has is listed as added, the directory first.
 */
export type NodeType = 'file' | 'symlink' | 'dir' | 'other';

export interface EtcNode {
  type: NodeType;
  uid: number;
  gid: number;
  /** Permission bits and setuid/setgid/sticky (no file-type bits). */
  mode: number;
  /** A digest of the content for files, the target for symlinks; '' for others. */
  content: string;
}

/** Relative path (no leading slash, `/`-separated) → node. Directories have their own entry. */
export type EtcSnapshot = ReadonlyMap<string, EtcNode>;

export interface EtcDiff {
  removed: string[];
  modified: string[];
  added: string[];
}

function sameNode(a: EtcNode, b: EtcNode): boolean {
  return a.type === b.type && a.uid === b.uid && a.gid === b.gid && a.mode === b.mode && a.content === b.content;
}

function children(snapshot: EtcSnapshot): Map<string, string[]> {
  const byParent = new Map<string, string[]>();
  for (const path of snapshot.keys()) {
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    const list = byParent.get(parent) ?? [];
    list.push(path);
    byParent.set(parent, list);
  }
  for (const list of byParent.values()) list.sort(byteCompare);
  return byParent;
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Diff orig (defaults) against modified (the admin's /etc), as ostree_diff_dirs does.
 * `sameContent` settles files whose metadata and `content` key agree (snapshots key files on
 * their size and leave the byte compare to it); without it the keys decide.
 */
export function diffEtc(orig: EtcSnapshot, modified: EtcSnapshot, sameContent?: (path: string) => boolean): EtcDiff {
  const diff: EtcDiff = { removed: [], modified: [], added: [] };
  const origKids = children(orig);
  const modKids = children(modified);
  const addRecursive = (path: string): void => {
    diff.added.push(path);
    if (modified.get(path)?.type === 'dir') for (const kid of modKids.get(path) ?? []) addRecursive(kid);
  };
  const walk = (dir: string): void => {
    for (const path of origKids.get(dir) ?? []) {
      const a = orig.get(path) as EtcNode;
      const b = modified.get(path);
      if (b === undefined) {
        diff.removed.push(path);
        continue;
      }
      if (a.type !== b.type) {
        diff.modified.push(path);
        continue;
      }
      if (!sameNode(a, b) || (a.type === 'file' && sameContent !== undefined && !sameContent(path))) diff.modified.push(path);
      if (a.type === 'dir') walk(path);
    }
    for (const path of modKids.get(dir) ?? []) {
      if (!orig.has(path)) addRecursive(path);
    }
  };
  walk('');
  return diff;
}

/** Config-diff lines as `ostree admin config-diff` prints them: modified, removed, then added. */
export function configDiffLines(diff: EtcDiff): string[] {
  return [
    ...diff.modified.map((p) => `M    ${p}`),
    ...diff.removed.map((p) => `D    ${p}`),
    ...diff.added.map((p) => `A    ${p}`),
  ];
}
