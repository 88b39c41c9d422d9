import { readdirSync, readFileSync, rmSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { sha256Hex } from '../objects/index.js';
import { type Repo, formatGSize } from '../repo/index.js';
import {
  DeltaOp,
  decodeSuperblock,
  deltaIndexPath,
  deltaName,
  deltaNameFromDirs,
  deltaPartPath,
  deltaRelativePath,
  encodeDeltaIndex,
  modifiedBase64ToChecksum,
  parseDeltaName,
  type Superblock,
} from './delta-format.js';
import { openDeltaPart } from './execute-part.js';

/**
 * Static deltas stored in a repository (`deltas/`, `delta-indexes/`): list, show, delete,
 * indexes and reindex, with the output of `ostree static-delta`.
 */

function readdirOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Every delta with a superblock, as `FROM-TO` or `TO` (hex), in byte order. */
export function listDeltas(repo: Repo): string[] {
  const root = join(repo.path, 'deltas');
  const out: string[] = [];
  for (const prefix of readdirOrEmpty(root)) {
    if (!isDirectory(join(root, prefix))) continue;
    for (const rest of readdirOrEmpty(join(root, prefix))) {
      if (!exists(join(root, prefix, rest, 'superblock'))) continue;
      const name = deltaNameFromDirs(prefix, rest);
      if (name !== undefined) out.push(name);
    }
  }
  return out.sort();
}

/** The target commits that have an index file under delta-indexes/. */
export function listDeltaIndexes(repo: Repo): string[] {
  const root = join(repo.path, 'delta-indexes');
  const out: string[] = [];
  for (const prefix of readdirOrEmpty(root)) {
    for (const name of readdirOrEmpty(join(root, prefix))) {
      if (!name.endsWith('.index')) continue;
      const to = modifiedBase64ToChecksum(prefix + name.slice(0, -'.index'.length));
      if (to !== undefined) out.push(to);
    }
  }
  return out.sort();
}

export function superblockPath(repo: Repo, name: string): string {
  const { from, to } = parseDeltaName(name);
  return join(repo.path, deltaRelativePath(from, to, 'superblock'));
}

export function readSuperblockBytes(repo: Repo, name: string): Buffer {
  const path = superblockPath(repo, name);
  try {
    return readFileSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new AtollError('DELTA_NOT_FOUND', `openat(${path.slice(repo.path.length + 1)}): No such file or directory`, { data: { name } });
    }
    throw error;
  }
}

export function readSuperblock(repo: Repo, name: string): Superblock {
  return decodeSuperblock(readSuperblockBytes(repo, name));
}

/** `static-delta delete NAME`. */
export function deleteDelta(repo: Repo, name: string): void {
  const { from, to } = parseDeltaName(name);
  const dir = join(repo.path, deltaRelativePath(from, to));
  if (!exists(dir)) throw new AtollError('DELTA_NOT_FOUND', `Can't find delta ${name}`, { data: { name } });
  rmSync(dir, { recursive: true, force: true });
}

/** sha256 of each delta's superblock file, by delta name (the summary's `ostree.static-deltas`). */
export function deltaDigests(repo: Repo): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of listDeltas(repo)) {
    try {
      out.push([name, sha256Hex(readFileSync(superblockPath(repo, name)))]);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }
  return out;
}

/**
 * `static-delta reindex` (also run by `summary -u`): one `delta-indexes/XX/REST.index` per
 * target commit, listing the deltas that end there; stale indexes are removed.
 */
export async function reindexDeltas(repo: Repo): Promise<void> {
  const byTarget = new Map<string, Array<[string, string]>>();
  for (const [name, digest] of deltaDigests(repo)) {
    const { to } = parseDeltaName(name);
    const list = byTarget.get(to) ?? [];
    list.push([name, digest]);
    byTarget.set(to, list);
  }
  for (const to of listDeltaIndexes(repo)) {
    if (!byTarget.has(to)) rmSync(join(repo.path, deltaIndexPath(to)), { force: true });
  }
  for (const [to, entries] of byTarget) {
    const path = join(repo.path, deltaIndexPath(to));
    mkdirSync(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, encodeDeltaIndex(entries));
  }
}

function sizeText(n: number): string {
  return `${n} (${formatGSize(n)})`;
}

/** The part file bytes: inline in the superblock metadata, else `deltas/.../N` beside it. */
export function inlinePartBytes(superblock: Superblock, index: number): Uint8Array | undefined {
  const inline = superblock.metadata.get(deltaPartPath(superblock.from, superblock.to, index));
  if (inline === undefined || inline.type !== '(yay)') return undefined;
  const [comp, data] = inline.value as [number, Uint8Array];
  return Buffer.concat([Buffer.from([comp]), data]);
}

/** `static-delta show NAME`, as ostree prints it. */
export async function describeDelta(repo: Repo, name: string): Promise<string> {
  const { from, to } = parseDeltaName(name);
  const sb = readSuperblock(repo, name);
  const lines = [
    `Delta: ${name}`,
    `Signed: ${sb.signatures ? 'yes' : 'no'}`,
    from === undefined ? 'From <scratch>' : `From: ${from}`,
    `To: ${to}`,
    `Endianness: ${sb.endianness}${sb.heuristic ? ' (heuristic)' : ''}`,
    `Timestamp: ${sb.timestamp}`,
    'Number of parents: 0',
    `Number of fallback entries: ${sb.fallbacks.length}`,
  ];
  let fallbackSize = 0;
  let fallbackUsize = 0;
  for (const f of sb.fallbacks) {
    lines.push(`  ${f.checksum}`);
    fallbackSize += f.size;
    fallbackUsize += f.usize;
  }
  lines.push(`Total Fallback Size: ${sizeText(fallbackSize)}`, `Total Fallback Uncompressed Size: ${sizeText(fallbackUsize)}`, `Number of parts: ${sb.parts.length}`);
  let partSize = 0;
  let partUsize = 0;
  for (let k = 0; k < sb.parts.length; k++) {
    const header = sb.parts[k]!;
    lines.push(`PartMeta${k}: nobjects=${header.objects.length} size=${header.size} usize=${header.usize}`);
    partSize += header.size;
    partUsize += header.usize;
    const bytes = inlinePartBytes(sb, k) ?? readFileSync(join(repo.path, deltaPartPath(from, to, k)));
    const payload = await openDeltaPart(bytes, header.checksum, `part ${k} of ${name}`);
    lines.push(`PartPayload${k}: nmodes=${payload.modes.length} nxattrs=${payload.xattrs.length} blobsize=${payload.blob.length} opsize=${payload.ops.length}`);
    lines.push(`PartPayloadOps${k}: ${countOps(payload.ops, header.objects)}`);
  }
  lines.push(
    `Total Part Size: ${sizeText(partSize)}`,
    `Total Part Uncompressed Size: ${sizeText(partUsize)}`,
    `Total Size: ${sizeText(partSize + fallbackSize)}`,
    `Total Uncompressed Size: ${sizeText(partUsize + fallbackUsize)}`,
  );
  return lines.join('\n');
}

/** Operation counts of a part's stream (ostree's `show` walks it in stats-only mode). */
function countOps(ops: Uint8Array, objects: ReadonlyArray<{ type: number }>): string {
  const counts = { S: 0, o: 0, w: 0, r: 0, R: 0, c: 0, B: 0 };
  const args: Record<number, number> = { [DeltaOp.Open]: 3, [DeltaOp.Write]: 2, [DeltaOp.SetReadSource]: 1, [DeltaOp.UnsetReadSource]: 0, [DeltaOp.Close]: 0, [DeltaOp.Bspatch]: 2 };
  let pos = 0;
  let index = 0;
  while (pos < ops.length) {
    const op = ops[pos++] as number;
    const key = String.fromCharCode(op) as keyof typeof counts;
    if (!(key in counts)) break;
    counts[key]++;
    // open-splice-and-close: length and offset for metadata; mode, xattrs, size, offset for content.
    const n = op === DeltaOp.OpenSpliceAndClose ? (objects[index]?.type === 1 ? 4 : 2) : (args[op] as number);
    if (op === DeltaOp.OpenSpliceAndClose || op === DeltaOp.Close) index++;
    for (let k = 0; k < n; k++) {
      while (pos < ops.length && ((ops[pos] as number) & 0x80) !== 0) pos++;
      pos++;
    }
  }
  return `openspliceclose=${counts.S} open=${counts.o} write=${counts.w} setread=${counts.r} unsetread=${counts.R} close=${counts.c} bspatch=${counts.B}`;
}

export { deltaName };
