import { writeFileAtomic } from '../../util/index.js';
import { buildRpmDetailed, type BuiltRpm } from './build-rpm.js';
import type { PackageDescription } from './description.js';

/**
 * Build a package and write it atomically to `path` (temp file + rename: a reader never sees a
 * half-written package). Returns the build facts (file name, NEVRA, header range).
 */
export async function writeRpm(description: PackageDescription, path: string): Promise<BuiltRpm> {
  const built = await buildRpmDetailed(description);
  await writeFileAtomic(path, built.bytes);
  return built;
}
