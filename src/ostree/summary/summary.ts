import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { bswap64, variant, type Variant } from '../../gvariant/index.js';
import {
  type Repo,
  listRefs,
  configModeString,
  encodeSummary,
  decodeSummary,
  decodeCommit,
  type SummaryRef,
  type Summary,
} from '../repo/index.js';
import { formatCommitDate, ObjectType } from '../repo/index.js';

/**
 * `ostree summary -u`: the `summary` file listing every local ref (refs/heads; never
 * refs/remotes) with its commit size (little-endian, as ostree), checksum, timestamp and
 * version, plus the repo-wide keys ostree writes. Sets `core.indexed-deltas=true` and removes a
 * stale `summary.sig`, as ostree does.
 */
export async function updateSummary(repo: Repo, options: { now?: number } = {}): Promise<Summary> {
  const refs: SummaryRef[] = [];
  for (const ref of await listRefs(repo, { remotes: false })) {
    const bytes = await repo.readObjectBytes(ref.checksum, ObjectType.Commit);
    const commit = decodeCommit(bytes);
    const metadata = new Map<string, Variant>();
    // ostree writes the version (when there is one) before the timestamp.
    const version = commit.metadata.get('version');
    if (version && version.type === 's') metadata.set('ostree.commit.version', variant('s', version.value));
    metadata.set('ostree.commit.timestamp', variant('t', bswap64(commit.timestamp)));
    refs.push({ name: ref.ref, commitSize: BigInt(bytes.length), checksum: ref.checksum, metadata });
  }
  const now = BigInt(options.now ?? Math.floor(Date.now() / 1000));
  const metadata = new Map<string, Variant>();
  metadata.set('ostree.summary.mode', variant('s', configModeString(repo.mode)));
  metadata.set('ostree.summary.last-modified', variant('t', bswap64(now)));
  metadata.set('ostree.summary.tombstone-commits', variant('b', repo.config.getBooleanOr('core', 'tombstone-commits', false)));
  metadata.set('ostree.summary.indexed-deltas', variant('b', true));
  const collectionId = repo.config.getStringOr('core', 'collection-id', undefined);
  if (collectionId !== undefined) metadata.set('ostree.summary.collection-id', variant('s', collectionId));
  const summary: Summary = { refs, metadata };
  if (!repo.config.getBooleanOr('core', 'indexed-deltas', false)) {
    repo.config.setBoolean('core', 'indexed-deltas', true);
    await repo.saveConfig();
  }
  await writeFileAtomic(join(repo.path, 'summary'), encodeSummary(summary));
  await unlink(join(repo.path, 'summary.sig')).catch((error: unknown) => {
    if (!isErrno(error, 'ENOENT')) throw error;
  });
  return summary;
}

export async function readSummary(repo: Repo): Promise<Summary> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(repo.path, 'summary'));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new AtollError('OSTREE_SUMMARY_MISSING', `no summary file in ${repo.path}`, { hint: "run 'atoll repo summary -u'" });
    throw error;
  }
  return decodeSummary(bytes);
}

function isoDate(beSeconds: bigint): string {
  return formatCommitDate(bswap64(beSeconds)).replace(' ', 'T').replace(/ \+0000$/, '+00');
}

/** A readable view in the shape of `ostree summary -v`. */
export async function describeSummary(repo: Repo): Promise<string> {
  const summary = await readSummary(repo);
  const lines: string[] = [];
  for (const ref of summary.refs) {
    lines.push(`* ${ref.name}`, `    Latest Commit (${ref.commitSize} bytes):`, `      ${ref.checksum}`);
    for (const [key, value] of ref.metadata) {
      if (key === 'ostree.commit.timestamp') lines.push(`    Timestamp (ostree.commit.timestamp): ${isoDate(value.value as bigint)}`);
      else if (key === 'ostree.commit.version') lines.push(`    Version (ostree.commit.version): ${value.value as string}`);
    }
    lines.push('');
  }
  for (const [key, value] of summary.metadata) {
    if (key === 'ostree.summary.mode') lines.push(`Repository Mode (ostree.summary.mode): ${value.value as string}`);
    else if (key === 'ostree.summary.last-modified') lines.push(`Last-Modified (ostree.summary.last-modified): ${isoDate(value.value as bigint)}`);
    else if (key === 'ostree.summary.tombstone-commits') lines.push(`Has Tombstone Commits (ostree.summary.tombstone-commits): ${value.value ? 'Yes' : 'No'}`);
    else lines.push(`${key}: ${String(value.value)}`);
  }
  return lines.join('\n');
}
