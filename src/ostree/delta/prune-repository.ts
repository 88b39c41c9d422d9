import { AtollError } from '../../errors/index.js';
import { deleteCommit, pruneRepo, type PruneOptions, type PruneResult, type Repo } from '../repo/index.js';
import { pruneStaticDeltas } from './prune-deltas.js';

export interface PruneRepositoryOptions extends PruneOptions {
  /** `--delete-commit`: delete this commit first (refused while a ref points at it). */
  deleteCommit?: string;
  /** `--static-deltas-only`: `deleteCommit` deletes the deltas leading to it instead. */
  staticDeltasOnly?: boolean;
}

/**
 * The whole of `ostree prune`: the explicit commit (or its deltas) first, then the
 * reachability prune, then the deltas whose target commit is gone. Option combinations
 * ostree refuses are refused with its wording. In ostree/delta, not ostree/repo, because it
 * deletes static deltas too, a layer above the repository.
 */
export async function pruneRepository(repo: Repo, options: PruneRepositoryOptions): Promise<PruneResult> {
  if (options.staticDeltasOnly && options.deleteCommit === undefined) {
    throw new AtollError('OSTREE_PRUNE_BAD_OPTIONS', '--static-deltas-only requires --delete-commit; see https://github.com/ostreedev/ostree/issues/1479');
  }
  if (options.deleteCommit !== undefined) {
    if (options.dryRun) throw new AtollError('OSTREE_PRUNE_BAD_OPTIONS', 'Cannot specify both --delete-commit and --no-prune');
    if (options.staticDeltasOnly) await pruneStaticDeltas(repo, options.deleteCommit);
    else await deleteCommit(repo, options.deleteCommit);
  }
  const result = await pruneRepo(repo, options);
  if (!options.dryRun) await pruneStaticDeltas(repo);
  return result;
}
