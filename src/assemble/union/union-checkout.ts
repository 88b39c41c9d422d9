import type { Reporter } from '../../report/index.js';
import type { Repo } from '../../ostree/repo/index.js';
import { checkout } from '../../ostree/checkout/index.js';

/**
 * Lay the package commits out in one root, in transaction order. The package cache is
 * bare-user, whose objects carry owners only in xattrs; a root-mode checkout therefore copies
 * (hardlinking would let a scriptlet or an ownership fix-up alter the cache, which rpm-ostree
 * prevents with rofiles-fuse). Conflicts were decided beforehand, so a later package only ever
 * replaces an identical file.
 */
export async function unionCheckout(repo: Repo, commits: readonly string[], rootDir: string, reporter?: Reporter): Promise<number> {
  let files = 0;
  for (const [i, commit] of commits.entries()) {
    const stats = await checkout(repo, commit, rootDir, { union: true });
    files += stats.files;
    reporter?.emit({ type: 'progress', phase: 'assemble', done: i + 1, total: commits.length, unit: 'items' });
  }
  return files;
}
