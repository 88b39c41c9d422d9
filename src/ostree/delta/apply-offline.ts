import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { encodeGVariant, type GVariantValue } from '../../gvariant/index.js';
import { type Reporter, nullReporter, info } from '../../report/index.js';
import { ObjectType, type FileHeader } from '../objects/index.js';
import { type Repo, Transaction, writeContent, loadContent } from '../repo/index.js';
import { decodeSuperblock, deltaRelativePath, type Superblock } from './delta-format.js';
import { executeDeltaPart, openDeltaPart, type DeltaObjectSink, type PartStats } from './execute-part.js';
import { inlinePartBytes } from './delta-store.js';
import { verifyDeltaSignatures, type DeltaSigning } from './delta-sign.js';

/** A sink writing into one repository transaction (apply-offline). */
export function transactionSink(repo: Repo, tx: Transaction): DeltaObjectSink {
  return {
    has: async (checksum, type) => tx.haveObjectSync(checksum, type),
    writeMetadata: async (type, checksum, bytes) => {
      await tx.writeMetadata(type, bytes, checksum);
    },
    writeContent: async (checksum, header: FileHeader, data) => {
      const symlink = (header.mode & 0o170000) === 0o120000;
      await writeContent(tx, header, symlink ? undefined : { kind: 'bytes', bytes: data }, { knownChecksum: checksum });
    },
    readContentData: async (checksum) => readSourceData(repo, checksum),
  };
}

/** The data of a regular file object a bsdiff or rollsum operation reads from. */
export async function readSourceData(repo: Repo, checksum: string): Promise<Uint8Array> {
  const content = await loadContent(repo, checksum).catch((error: unknown) => {
    if (error instanceof AtollError && error.code === 'OSTREE_OBJECT_MISSING') {
      throw new AtollError('DELTA_SOURCE_MISSING', `read source object ${checksum} of the static delta is not in the repository`, { data: { checksum } });
    }
    throw error;
  });
  if ((content.header.mode & 0o170000) !== 0o100000) throw new AtollError('DELTA_CORRUPT', `read source object ${checksum} is not a regular file`);
  return await content.readData();
}

/** Reads a delta given as a directory (superblock + parts) or a superblock file (`--filename`). */
export function readDeltaFromPath(path: string): { superblock: Superblock; partsDir: string } {
  let dir: boolean;
  try {
    dir = statSync(path).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) throw new AtollError('DELTA_NOT_FOUND', `openat(${path}): No such file or directory`, { data: { path } });
    throw error;
  }
  const file = dir ? join(path, 'superblock') : path;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new AtollError('DELTA_NOT_FOUND', `openat(${file}): No such file or directory`, { data: { path: file } });
    throw error;
  }
  return { superblock: decodeSuperblock(bytes), partsDir: dir ? path : dirname(path) };
}

/** The bytes of part `index`: inline, or the file `partsDir/index`. */
export function partBytes(superblock: Superblock, index: number, partsDir: string): Uint8Array {
  const inline = inlinePartBytes(superblock, index);
  if (inline) return inline;
  const path = join(partsDir, String(index));
  try {
    return readFileSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) throw new AtollError('DELTA_NOT_FOUND', `static delta part ${path} is missing`, { data: { path } });
    throw error;
  }
}

/** The detached metadata a delta carries for its commit, as commitmeta bytes. */
export function deltaCommitMeta(superblock: Superblock): Uint8Array | undefined {
  const value = superblock.metadata.get(deltaRelativePath(superblock.from, superblock.to, 'commitmeta'));
  if (value === undefined || value.type !== 'a{sv}') return undefined;
  return encodeGVariant('a{sv}', value.value as GVariantValue);
}

/**
 * `ostree static-delta apply-offline PATH`: every part executed into one transaction (each
 * object verified), then the commit (and its detached metadata) last, so a failure leaves
 * the repository as it was. No ref is written, as in ostree.
 */
export async function applyDeltaOffline(repo: Repo, path: string, reporter: Reporter = nullReporter, signing?: DeltaSigning): Promise<{ to: string; stats: PartStats }> {
  const { superblock, partsDir } = readDeltaFromPath(path);
  // core.sign-verify-deltas makes a key mandatory; a key given is always checked.
  if (repo.config.getBooleanOr('core', 'sign-verify-deltas', false) && !signing) {
    throw new AtollError('DELTA_SIGNATURE', 'Key is mandatory to check delta signature');
  }
  if (signing) verifyDeltaSignatures(superblock, signing);
  if (superblock.fallbacks.length > 0) {
    throw new AtollError('DELTA_HAS_FALLBACKS', 'Cannot execute delta offline: contains nonempty http fallback entries', { data: { fallbacks: superblock.fallbacks.length } });
  }
  if (superblock.from !== undefined && !(await repo.hasObject(superblock.from, ObjectType.Commit))) {
    throw new AtollError('DELTA_SOURCE_MISSING', `Commit ${superblock.from}, which is the delta source, is not in repository`, { data: { from: superblock.from } });
  }
  for (const part of superblock.parts) {
    if (part.version > 0) throw new AtollError('DELTA_CORRUPT', `Delta part has too new version ${part.version}`);
  }
  const tx = await Transaction.begin(repo);
  const total: PartStats = { metadata: 0, content: 0, contentBytes: 0 };
  try {
    const sink = transactionSink(repo, tx);
    for (let k = 0; k < superblock.parts.length; k++) {
      const header = superblock.parts[k]!;
      const payload = await openDeltaPart(partBytes(superblock, k, partsDir), header.checksum, `part ${k}`);
      const stats = await executeDeltaPart(sink, header, payload, `part ${k}`);
      total.metadata += stats.metadata;
      total.content += stats.content;
      total.contentBytes += stats.contentBytes;
    }
    const commitmeta = deltaCommitMeta(superblock);
    if (commitmeta) await tx.writeMetadata(ObjectType.CommitMeta, commitmeta, superblock.to);
    await tx.writeMetadata(ObjectType.Commit, superblock.commitBytes, superblock.to);
    await tx.commit();
  } catch (error) {
    await tx.abort();
    throw error;
  }
  info(reporter, `applied static delta to ${superblock.to}: ${total.metadata} metadata, ${total.content} content objects written`);
  return { to: superblock.to, stats: total };
}
