import { AtollError } from '../../errors/index.js';
import { ObjectType, decodeCommit, sha256Hex, type Summary } from '../objects/index.js';
import {
  decodeDeltaIndex,
  decodeSuperblock,
  deltaCommitMeta,
  deltaIndexPath,
  deltaPartPath,
  deltaRelativePath,
  executeDeltaPart,
  inlinePartBytes,
  openDeltaPart,
  parseDeltaName,
  staticDeltasFromVariant,
  type DeltaObjectSink,
  type Superblock,
} from '../delta/index.js';
import type { FileSource } from './source.js';
import type { ObjectKind, PullTarget } from './target.js';
import { MAX_METADATA_SIZE } from './verify.js';

/**
 * Static deltas in pulls, following ostree-repo-pull.c (2022.7): which delta to use for a
 * wanted commit (initiate_request / get_best_static_delta_start_for), fetching and checking
 * its superblock, and executing its parts into the pull target.
 */

export type DeltaPolicy = 'disabled' | 'allowed' | 'required';

/** What the dry run and the statistics line report (ostree's delta progress keys). */
export interface DeltaStats {
  totalParts: number;
  fetchedParts: number;
  totalFallbacks: number;
  fetchedFallbacks: number;
  totalSize: number;
  fetchedSize: number;
  totalUsize: number;
}

export function emptyDeltaStats(): DeltaStats {
  return { totalParts: 0, fetchedParts: 0, totalFallbacks: 0, fetchedFallbacks: 0, totalSize: 0, fetchedSize: 0, totalUsize: 0 };
}

const KIND: Record<number, ObjectKind> = { 1: 'file', 2: 'dirtree', 3: 'dirmeta', 4: 'commit', 6: 'commitmeta' };

function kindOf(type: number): ObjectKind {
  const kind = KIND[type];
  if (kind === undefined) throw new AtollError('DELTA_CORRUPT', `static delta names an object of type ${type}`);
  return kind;
}

export function requiredDeltasError(ref: string | undefined, checksum: string): AtollError {
  return new AtollError('PULL_DELTA_REQUIRED', `Static deltas required, but none found for ${ref ?? ''} to ${checksum}`, {
    data: { ref, checksum },
    hint: 'generate one on the server (ostree static-delta generate, then summary -u), or pull without --require-static-deltas',
  });
}

/**
 * The delta to use for `to`: a from-commit we have (complete; the newest one when several), a
 * scratch delta when we do not have the commit at all, or none. `deltas` maps delta names to
 * superblock digests (from the target's index file or the summary).
 */
async function bestDelta(target: PullTarget, to: string, deltas: ReadonlyMap<string, string>): Promise<{ from: string | undefined } | undefined> {
  let scratch = false;
  let best: { from: string; timestamp: bigint } | undefined;
  for (const name of deltas.keys()) {
    let parsed;
    try {
      parsed = parseDeltaName(name);
    } catch (error) {
      throw new AtollError('PULL_BAD_SUMMARY', `invalid static delta name '${name.slice(0, 140)}' in the remote's delta list`, { cause: error });
    }
    if (parsed.to !== to) continue;
    if (parsed.from === undefined) {
      scratch = true;
      continue;
    }
    const bytes = await target.readObject(parsed.from, 'commit');
    if (bytes === undefined || (await target.isPartial(parsed.from))) continue;
    const timestamp = decodeCommit(bytes).timestamp;
    if (!best || timestamp > best.timestamp) best = { from: parsed.from, timestamp };
  }
  if (best) return { from: best.from };
  if (scratch && !(await target.has(to, 'commit'))) return { from: undefined };
  return undefined;
}

export interface DeltaChoice {
  from: string | undefined;
  /** The superblock digest the summary or index lists (checked when present). */
  digest: string | undefined;
}

/**
 * initiate_request: which delta (if any) to fetch for commit `to` wanted under `ref`. The
 * indexed-deltas path fetches `delta-indexes/…` (a missing index means no delta); a summary
 * without indexes lists the deltas itself; with no summary ostree tries the delta from the
 * ref's current commit (or from scratch) and falls back to objects when it is missing.
 */
export async function chooseDelta(
  target: PullTarget,
  files: FileSource,
  summary: Summary | undefined,
  to: string,
  fromRef: string | undefined,
): Promise<DeltaChoice | undefined> {
  if (fromRef !== undefined && fromRef === to) return undefined;
  if (summary) {
    let deltas: Map<string, string>;
    const indexed = summary.metadata.get('ostree.summary.indexed-deltas');
    if (indexed?.type === 'b' && indexed.value === true) {
      const bytes = await files.get(deltaIndexPath(to), { maxSize: MAX_METADATA_SIZE });
      if (bytes === undefined) return undefined;
      deltas = decodeDeltaIndex(bytes);
    } else {
      deltas = staticDeltasFromVariant(summary.metadata.get('ostree.static-deltas'));
    }
    const best = await bestDelta(target, to, deltas);
    if (!best) return undefined;
    return { from: best.from, digest: deltas.get(best.from === undefined ? to : `${best.from}-${to}`) };
  }
  let from = fromRef;
  if (from !== undefined && ((await target.isPartial(from)) || !(await target.has(from, 'commit')))) from = undefined;
  return { from, digest: undefined };
}

/** Fetches and decodes a superblock; undefined when the server has none. */
export async function fetchSuperblock(files: FileSource, choice: DeltaChoice, to: string): Promise<Superblock | undefined> {
  const bytes = await files.get(deltaRelativePath(choice.from, to, 'superblock'), { maxSize: MAX_METADATA_SIZE });
  if (bytes === undefined) return undefined;
  const name = choice.from === undefined ? to : `${choice.from}-${to}`;
  if (choice.digest !== undefined && sha256Hex(bytes) !== choice.digest) {
    throw new AtollError('PULL_DELTA_CHECKSUM', `Invalid checksum for static delta ${name}`, { data: { name } });
  }
  const superblock = decodeSuperblock(bytes);
  if (superblock.to !== to || superblock.from !== choice.from) {
    throw new AtollError('DELTA_CORRUPT', `static delta ${name} describes ${superblock.from ?? 'scratch'}-${superblock.to} instead`, { data: { name } });
  }
  return superblock;
}

/** The sink writing delta objects into the pull target. */
export function targetSink(target: PullTarget): DeltaObjectSink {
  return {
    has: (checksum, type) => target.has(checksum, kindOf(type)),
    writeMetadata: (type, checksum, bytes) => target.writeMetadata(kindOf(type) as Exclude<ObjectKind, 'file'>, checksum, bytes),
    writeContent: (checksum, header, data) => target.writeContent(checksum, header, data, undefined),
    readContentData: async (checksum) => {
      if (!(await target.has(checksum, 'file'))) {
        throw new AtollError('DELTA_SOURCE_MISSING', `read source object ${checksum} of the static delta is not in the repository`, { data: { checksum } });
      }
      return (await target.loadContent(checksum)).data;
    },
  };
}

/** The sizes a delta adds to the statistics (process_one_static_delta's accounting). */
export async function accountDelta(target: PullTarget, superblock: Superblock, stats: DeltaStats): Promise<Array<{ index: number; needed: boolean }>> {
  for (const f of superblock.fallbacks) {
    stats.totalFallbacks++;
    stats.totalSize += f.size;
    stats.totalUsize += f.usize;
    if (await target.has(f.checksum, kindOf(f.type))) {
      stats.fetchedFallbacks++;
      stats.fetchedSize += f.size;
    }
  }
  const parts: Array<{ index: number; needed: boolean }> = [];
  for (let k = 0; k < superblock.parts.length; k++) {
    const header = superblock.parts[k]!;
    if (header.version > 0) throw new AtollError('DELTA_CORRUPT', `Delta part has too new version ${header.version}`);
    stats.totalParts++;
    stats.totalSize += header.size;
    stats.totalUsize += header.usize;
    let haveAll = true;
    for (const o of header.objects) {
      if (!(await target.has(o.checksum, kindOf(o.type)))) {
        haveAll = false;
        break;
      }
    }
    if (haveAll) {
      stats.fetchedParts++;
      stats.fetchedSize += header.size;
    }
    parts.push({ index: k, needed: !haveAll });
  }
  return parts;
}

/** Fetches (unless inline) and executes one part into the target; every object is verified. */
export async function applyDeltaPart(target: PullTarget, files: FileSource, superblock: Superblock, index: number): Promise<void> {
  const header = superblock.parts[index]!;
  const where = `part ${index} of ${superblock.from === undefined ? '' : `${superblock.from}-`}${superblock.to}`;
  let bytes = inlinePartBytes(superblock, index);
  if (bytes === undefined) {
    bytes = await files.get(deltaPartPath(superblock.from, superblock.to, index), { maxSize: header.size, contentUrl: true });
    if (bytes === undefined) {
      throw new AtollError('PULL_MISSING_OBJECT', `static delta ${where} is missing on ${files.description}`, { data: { index } });
    }
  }
  const payload = await openDeltaPart(bytes, header.checksum, where);
  await executeDeltaPart(targetSink(target), header, payload, where);
}

export { deltaCommitMeta, ObjectType };
