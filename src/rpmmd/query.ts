import type { RepoPackage } from './types.js';
import type { RpmmdRepo } from './repo.js';
import { isPrimaryPath, packageProvides, parseCapability } from './capability.js';

/**
 * Packages of `repos` that provide `capability` (`name`, `name OP evr`, or a path). A path
 * outside the primary-file set makes the repositories load their filelists first (on demand:
 * never for plain capabilities).
 */
export async function whatProvides(repos: readonly RpmmdRepo[], capability: string): Promise<RepoPackage[]> {
  const request = parseCapability(capability);
  if (request.name.startsWith('/') && !isPrimaryPath(request.name)) {
    for (const repo of repos) await repo.loadFilelists();
  }
  return repos.flatMap((repo) => repo.packages.filter((p) => packageProvides(p, request)));
}
