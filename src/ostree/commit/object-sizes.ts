import { open, readFile, stat } from 'node:fs/promises';
import { AtollError } from '../../errors/index.js';
import { ObjectType, decodeArchiveHeader, decodeDirTree, isSymlinkMode, type ObjectSizeEntry } from '../objects/index.js';
import type { Transaction } from '../repo/transaction.js';

/**
 * The `ostree.sizes` entries of `commit --generate-sizes`: every object the commit's tree
 * reaches (files, dirtrees, dirmetas; not the commit), whether written by this transaction or
 * already stored, as ostree 2022.7 records them. Archive repositories only: ostree records
 * sizes when it writes archive objects, so a commit into another mode gets no `ostree.sizes`.
 * Files: the `.filez` size and the content size (a symlink's: its target's length, as lstat
 * gives it); metadata: the object size twice.
 */
export async function collectObjectSizes(tx: Transaction, rootTree: string, rootMeta: string): Promise<ObjectSizeEntry[]> {
  const entries = new Map<string, ObjectSizeEntry>();
  const metadata = async (checksum: string, type: ObjectType): Promise<Uint8Array | number> => {
    const path = tx.objectFile(checksum, type);
    try {
      return type === ObjectType.DirTree ? await readFile(path) : (await stat(path)).size;
    } catch (error) {
      throw new AtollError('OSTREE_COMMIT_SIZES', `cannot read ${path} for ostree.sizes: ${(error as Error).message}`, { cause: error });
    }
  };
  const addMeta = async (checksum: string, type: ObjectType.DirMeta): Promise<void> => {
    if (entries.has(checksum)) return;
    const size = (await metadata(checksum, type)) as number;
    entries.set(checksum, { checksum, archivedSize: size, unpackedSize: size, objectType: type });
  };
  const addFile = async (checksum: string): Promise<void> => {
    if (entries.has(checksum)) return;
    const path = tx.objectFile(checksum, ObjectType.File);
    let archivedSize: number;
    let unpackedSize: number;
    try {
      const handle = await open(path, 'r');
      try {
        archivedSize = (await handle.stat()).size;
        const head = Buffer.alloc(Math.min(archivedSize, 65536));
        await handle.read(head, 0, head.length, 0);
        const frame = head.length >= 4 ? head.readUInt32BE(0) + 8 : 0;
        const bytes = frame > head.length ? await readFile(path) : head;
        const { header, size } = decodeArchiveHeader(bytes);
        unpackedSize = isSymlinkMode(header.mode) ? Buffer.byteLength(header.symlinkTarget ?? '') : size;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw new AtollError('OSTREE_COMMIT_SIZES', `cannot read ${path} for ostree.sizes: ${(error as Error).message}`, { cause: error });
    }
    entries.set(checksum, { checksum, archivedSize, unpackedSize, objectType: ObjectType.File });
  };
  const walk = async (treeChecksum: string, metaChecksum: string): Promise<void> => {
    await addMeta(metaChecksum, ObjectType.DirMeta);
    if (entries.has(treeChecksum)) return;
    const bytes = (await metadata(treeChecksum, ObjectType.DirTree)) as Uint8Array;
    entries.set(treeChecksum, { checksum: treeChecksum, archivedSize: bytes.length, unpackedSize: bytes.length, objectType: ObjectType.DirTree });
    const tree = decodeDirTree(bytes);
    for (const file of tree.files) await addFile(file.checksum);
    for (const dir of tree.dirs) await walk(dir.treeChecksum, dir.metaChecksum);
  };
  await walk(rootTree, rootMeta);
  return [...entries.values()];
}
