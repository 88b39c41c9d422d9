import { ObjectType, type Repo } from '../repo/index.js';
import { deleteDelta, listDeltas } from './delta-store.js';

/**
 * ostree_repo_prune_static_deltas: with `commit`, delete every delta whose target is that
 * commit; without, every delta whose target commit is no longer in the repository.
 */
export async function pruneStaticDeltas(repo: Repo, commit?: string): Promise<number> {
  let removed = 0;
  for (const name of listDeltas(repo)) {
    const to = name.includes('-') ? name.slice(name.indexOf('-') + 1) : name;
    if (commit !== undefined ? to !== commit : await repo.hasObject(to, ObjectType.Commit)) continue;
    deleteDelta(repo, name);
    removed++;
  }
  return removed;
}
