import { mkdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { ObjectType, encodeTombstone } from './codec.js';
import { assertChecksum } from '../objects/index.js';
import type { Repo } from './repo.js';

/**
 * Commit tombstones (libostree's `core.tombstone-commits`): a deleted commit leaves a
 * `.tombstone-commit` object under its checksum, `{"commit": <ay>}`, so that a pull from this
 * repository can tell "deleted on purpose" from "missing".
 */
function tombstoneCommitsEnabled(repo: Repo): boolean {
  return repo.config.getBooleanOr('core', 'tombstone-commits', false);
}

/** ot_enable_tombstone_commits: set `core.tombstone-commits=true` unless it already is. */
export async function enableTombstoneCommits(repo: Repo): Promise<void> {
  if (tombstoneCommitsEnabled(repo)) return;
  repo.config.setString('core', 'tombstone-commits', 'true');
  await repo.saveConfig();
}

/**
 * ostree_repo_delete_object for a commit: its detached metadata goes, then the commit (a
 * missing commit fails with libostree's wording, object path relative to `objects/`), then a
 * tombstone is written when the repository keeps them, and the partial marker is dropped.
 * Unlike ostree 2022.7, which builds the paths from the text as given (`prune
 * --delete-commit=../../x` deletes `x.commit` and writes `x.tombstone-commit` outside the
 * repository), anything but a full checksum is refused before the filesystem is touched.
 */
export async function deleteCommitObject(repo: Repo, checksum: string): Promise<void> {
  assertChecksum(checksum, 'commit checksum');
  const rel = (type: ObjectType): string => `${checksum.slice(0, 2)}/${checksum.slice(2)}.${type === ObjectType.Commit ? 'commit' : 'commitmeta'}`;
  const objects = join(repo.path, 'objects');
  await unlink(join(objects, rel(ObjectType.CommitMeta))).catch((error: unknown) => {
    if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
  });
  try {
    await unlink(join(objects, rel(ObjectType.Commit)));
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new AtollError('OSTREE_OBJECT_MISSING', `Deleting object ${checksum}.commit: unlinkat(${rel(ObjectType.Commit)}): No such file or directory`, { data: { checksum, type: 'commit' } });
    }
    throw error;
  }
  if (tombstoneCommitsEnabled(repo)) await writeTombstone(repo, checksum, encodeTombstone(checksum));
  await repo.markCommitPartial(checksum, false);
}

/** Store a tombstone object (atomically: a pull from here never sees half of one). */
async function writeTombstone(repo: Repo, checksum: string, bytes: Uint8Array): Promise<void> {
  const path = repo.objectPath(checksum, ObjectType.TombstoneCommit);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, bytes);
}

/** A commit written again (an HTTP pull fetched it) no longer needs its tombstone. */
export async function removeTombstone(repo: Repo, checksum: string): Promise<void> {
  await unlink(repo.objectPath(checksum, ObjectType.TombstoneCommit)).catch((error: unknown) => {
    if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
  });
}
