import { createReadStream } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { AtollError, isErrno } from '../../errors/index.js';
import { ContentHasher, S_IFDIR, S_IFLNK, S_IFREG, type FileHeader } from './codec.js';
import { dirMetaChecksum } from '../objects/index.js';
import { readXattrs, type Xattrs } from './xattrs.js';

/** How a file on disk is named as an object (ostree_checksum_file_at flags and overrides). */
export interface ChecksumPathOptions {
  /** Leave xattrs out (`ostree checksum --ignore-xattrs`, repos with core.disable-xattrs). */
  ignoreXattrs?: boolean;
  /** Stand-in owner (ostree diff --owner-uid/--owner-gid). */
  ownerUid?: number;
  ownerGid?: number;
}

export interface PathChecksum {
  kind: 'file' | 'dir';
  /** Content checksum of a file or symlink; dirmeta checksum of a directory. */
  checksum: string;
}

/**
 * The object checksum a file, symlink or directory on disk would get when committed as it is
 * (`ostree checksum PATH`; ostree diff against a directory compares these): owner, mode and
 * xattrs from the filesystem unless overridden.
 */
export async function checksumPath(path: string, options: ChecksumPathOptions = {}): Promise<PathChecksum> {
  const st = await lstat(path).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) throw new AtollError('OSTREE_PATH_NOT_FOUND', `opening ${path}: No such file or directory`);
    throw error;
  });
  const uid = options.ownerUid ?? st.uid;
  const gid = options.ownerGid ?? st.gid;
  const xattrs: Xattrs = options.ignoreXattrs ? [] : await readXattrs(path);
  if (st.isDirectory()) return { kind: 'dir', checksum: dirMetaChecksum({ uid, gid, mode: S_IFDIR | (st.mode & 0o7777), xattrs }) };
  if (st.isSymbolicLink()) {
    const header: FileHeader = { uid, gid, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: await readlink(path), xattrs };
    return { kind: 'file', checksum: new ContentHasher(header).digest() };
  }
  if (!st.isFile()) throw new AtollError('OSTREE_COMMIT_UNSUPPORTED_FILE', `unsupported file type (mode ${(st.mode & 0o170000).toString(8)}) at ${path}`);
  const hasher = new ContentHasher({ uid, gid, mode: S_IFREG | (st.mode & 0o7777), rdev: 0, symlinkTarget: '', xattrs }, st.size);
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  return { kind: 'file', checksum: hasher.digest() };
}
