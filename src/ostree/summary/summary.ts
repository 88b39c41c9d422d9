import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { bswap64, byteswapGVariant, decodeGVariant, printGVariant, variant, type Variant } from '../../gvariant/index.js';
import {
  type Repo,
  listRefs,
  listCollectionRefs,
  configModeString,
  encodeSummary,
  decodeSummary,
  decodeCommit,
  SUMMARY_GVARIANT_TYPE,
  type SummaryRef,
  type Summary,
} from '../repo/index.js';
import { formatCommitDate, ObjectType } from '../repo/index.js';
import { deltaDigests, reindexDeltas, staticDeltasVariant } from '../delta/index.js';

/**
 * `ostree summary -u`: the `summary` file listing every local ref (refs/heads; never
 * refs/remotes) with its commit size (little-endian, as ostree), checksum, timestamp and
 * version, plus the repo-wide keys ostree writes (and `ostree.static-deltas`; delta-indexes/ is
 * rebuilt). Sets `core.indexed-deltas=true` and removes a
 * stale `summary.sig`, as ostree does.
 */
export async function updateSummary(repo: Repo, options: { now?: number; additionalMetadata?: ReadonlyMap<string, Variant> } = {}): Promise<Summary> {
  const summaryRef = async (name: string, checksum: string): Promise<SummaryRef> => {
    const bytes = await repo.readObjectBytes(checksum, ObjectType.Commit);
    const commit = decodeCommit(bytes);
    const metadata = new Map<string, Variant>();
    // ostree writes the version (when there is one) before the timestamp.
    const version = commit.metadata.get('version');
    if (version && version.type === 's') metadata.set('ostree.commit.version', variant('s', version.value));
    metadata.set('ostree.commit.timestamp', variant('t', bswap64(commit.timestamp)));
    return { name, commitSize: BigInt(bytes.length), checksum, metadata };
  };
  const refs: SummaryRef[] = [];
  for (const ref of await listRefs(repo, { remotes: false })) refs.push(await summaryRef(ref.ref, ref.checksum));
  const collectionId = repo.config.getStringOr('core', 'collection-id', undefined);
  // Refs of other collections (refs/mirrors, remotes with a collection-id) go in
  // ostree.summary.collection-map, sorted by collection-id then ref, as ostree writes it.
  const others = new Map<string, SummaryRef[]>();
  for (const entry of await listCollectionRefs(repo)) {
    if (entry.kind === 'head') continue;
    if (entry.collectionId === collectionId) continue;
    const list = others.get(entry.collectionId) ?? [];
    if (list.some((r) => r.name === entry.ref)) continue;
    list.push(await summaryRef(entry.ref, entry.checksum));
    others.set(entry.collectionId, list);
  }
  const now = BigInt(options.now ?? Math.floor(Date.now() / 1000));
  // `summary -m KEY=VALUE` keys first (ostree starts its dict from them); its own keys win.
  const metadata = new Map<string, Variant>(options.additionalMetadata ?? []);
  metadata.set('ostree.summary.mode', variant('s', configModeString(repo.mode)));
  metadata.set('ostree.summary.last-modified', variant('t', bswap64(now)));
  metadata.set('ostree.summary.tombstone-commits', variant('b', repo.config.getBooleanOr('core', 'tombstone-commits', false)));
  // Static deltas: indexed under delta-indexes/ (rebuilt here, as ostree does) and, unless
  // core.no-deltas-in-summary, listed with their superblock digests.
  await reindexDeltas(repo);
  const deltas = deltaDigests(repo);
  if (deltas.length > 0 && !repo.config.getBooleanOr('core', 'no-deltas-in-summary', false)) metadata.set('ostree.static-deltas', staticDeltasVariant(deltas));
  if (others.size > 0) {
    const map = [...others.keys()].sort(compareText).map((id) => [
      id,
      [...others.get(id)!].sort((a, b) => compareText(a.name, b.name)).map((r) => [r.name, [r.commitSize, Buffer.from(r.checksum, 'hex'), [...r.metadata]]]),
    ]);
    metadata.set('ostree.summary.collection-map', { type: 'a{sa(s(taya{sv}))}', value: map } as Variant);
  }
  metadata.set('ostree.summary.indexed-deltas', variant('b', true));
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

function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The repository's summary file, as bytes; OSTREE_SUMMARY_MISSING when there is none. */
async function readSummaryBytes(repo: Repo): Promise<Buffer> {
  try {
    return await readFile(join(repo.path, 'summary'));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new AtollError('OSTREE_SUMMARY_MISSING', `no summary file in ${repo.path}`, { hint: "run 'atoll repo summary -u'" });
    throw error;
  }
}

export async function readSummary(repo: Repo): Promise<Summary> {
  return decodeSummary(await readSummaryBytes(repo));
}

function isoDate(beSeconds: bigint): string {
  return formatCommitDate(bswap64(beSeconds)).replace(' ', 'T').replace(/ \+0000$/, '+00');
}

/**
 * `ostree summary --raw`: the summary GVariant in GLib's text form with type annotations, as
 * ot_dump_variant prints it (byte-swapped first on a little-endian host, as ostree does, so
 * big-endian fields such as the timestamps read as numbers).
 */
export async function printSummaryRaw(repo: Repo, options: { byteswap: boolean }): Promise<string> {
  return printSummaryBytesRaw(await readSummaryBytes(repo), options);
}

/** `printSummaryRaw` of summary bytes from anywhere (`remote summary --raw`). */
export function printSummaryBytesRaw(bytes: Uint8Array, options: { byteswap: boolean }): string {
  let value = decodeGVariant(SUMMARY_GVARIANT_TYPE, bytes);
  if (options.byteswap) value = byteswapGVariant(SUMMARY_GVARIANT_TYPE, value);
  return printGVariant(SUMMARY_GVARIANT_TYPE, value, true);
}

/** A readable view in the shape of `ostree summary -v`. */
export async function describeSummary(repo: Repo): Promise<string> {
  return describeSummaryBytes(await readSummaryBytes(repo));
}

/** `describeSummary` of summary bytes from anywhere (`remote summary`). */
export function describeSummaryBytes(bytes: Uint8Array): string {
  const summary = decodeSummary(bytes);
  const lines: string[] = [];
  // With a collection-id, refs are shown as (collection-id, ref), then those of the collection map.
  const ownId = summary.metadata.get('ostree.summary.collection-id');
  const listed: Array<{ name: string; commitSize: bigint; checksum: string; metadata: ReadonlyMap<string, Variant> }> = summary.refs.map((r) => ({
    ...r,
    name: ownId?.type === 's' ? `(${ownId.value as string}, ${r.name})` : r.name,
  }));
  const map = summary.metadata.get('ostree.summary.collection-map');
  if (map?.type === 'a{sa(s(taya{sv}))}') {
    for (const [id, refs] of map.value as Array<[string, Array<[string, [bigint, Uint8Array, Array<[string, Variant]>]]>]>) {
      for (const [name, [size, csum, meta]] of refs) listed.push({ name: `(${id}, ${name})`, commitSize: size, checksum: Buffer.from(csum).toString('hex'), metadata: new Map(meta) });
    }
  }
  for (const ref of listed) {
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
    else if (key === 'ostree.summary.collection-map') lines.push('Collection Map (ostree.summary.collection-map): (printed above)');
    else if (key === 'ostree.static-deltas') lines.push(`Static Deltas (ostree.static-deltas): ${printGVariant(value.type, value.value, false)}`);
    else if (key === 'ostree.summary.collection-id') lines.push(`Collection ID (ostree.summary.collection-id): ${value.value as string}`);
    else lines.push(`${key}: ${printGVariant(value.type, value.value, false)}`);
  }
  return lines.join('\n');
}
