import { inflateRaw, inflateRawSync } from 'node:zlib';
import { promisify } from 'node:util';
import { AtollError } from '../../errors/index.js';
import {
  sha256Hex,
  decodeDirTree,
  decodeDirMeta,
  decodeCommit,
  decodeArchiveHeader,
  ContentHasher,
  isSymlinkMode,
  type DirTree,
  type Commit,
  type FileHeader,
} from '../objects/index.js';

const inflateRawAsync = promisify(inflateRaw);

const SYNC_INFLATE_LIMIT = 64 * 1024;

/** OSTree refuses metadata objects above 10 MiB (OSTREE_MAX_METADATA_SIZE). */
export const MAX_METADATA_SIZE = 10 * 1024 * 1024;

function corrupt(type: string, checksum: string, why: string, cause?: unknown): AtollError {
  return new AtollError('PULL_CORRUPT_OBJECT', `corrupted ${type} object ${checksum}: ${why}`, {
    data: { checksum, type },
    ...(cause === undefined ? {} : { cause }),
    hint: 'the server sent bytes that do not match the object name; nothing was written to refs',
  });
}

/**
 * A fetched metadata object is accepted only if its SHA-256 is its name and it decodes as its
 * type in normal form (with the structural rules of the object codecs: safe names, sorted
 * entries, sane modes). Returns the decoded value.
 */
export function verifyDirTree(checksum: string, bytes: Uint8Array, trusted = false): DirTree {
  if (!trusted) checkHash('dirtree', checksum, bytes);
  try {
    return decodeDirTree(bytes);
  } catch (error) {
    // ostree's wording names the object file: "CHECKSUM.dirtree: Invalid / in filename ../x".
    throw new AtollError('PULL_CORRUPT_OBJECT', `invalid dirtree object ${checksum}.dirtree: ${(error as Error).message}`, {
      data: { checksum, type: 'dirtree' },
      cause: error,
      hint: 'the server sent a dirtree ostree refuses (bad file names); nothing was written to refs',
    });
  }
}

export function verifyDirMeta(checksum: string, bytes: Uint8Array, trusted = false): void {
  if (!trusted) checkHash('dirmeta', checksum, bytes);
  try {
    decodeDirMeta(bytes);
  } catch (error) {
    throw corrupt('dirmeta', checksum, (error as Error).message, error);
  }
}

export function verifyCommit(checksum: string, bytes: Uint8Array, trusted = false): Commit {
  if (!trusted) checkHash('commit', checksum, bytes);
  try {
    return decodeCommit(bytes);
  } catch (error) {
    throw corrupt('commit', checksum, (error as Error).message, error);
  }
}

function checkHash(type: string, checksum: string, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== checksum) {
    // libostree's wording, which its test suite greps.
    throw new AtollError('PULL_CORRUPT_OBJECT', `Corrupted ${type} object; checksum expected='${checksum}' actual='${actual}'`, {
      data: { checksum, type },
      hint: 'the server sent bytes that do not match the object name; nothing was written to refs',
    });
  }
}

/**
 * An archive `.filez`: parse the header, inflate the payload, check the size the header
 * declares, and re-hash header + content as OSTree does (not when `trusted`: a trusted local
 * source, as ostree's `pull-local` without `--untrusted`). Returns the header and the content.
 */
export async function verifyArchiveContent(checksum: string, bytes: Uint8Array, trusted = false): Promise<{ header: FileHeader; data: Uint8Array }> {
  const { header, size, payload } = parseArchive(checksum, bytes);
  let data = new Uint8Array(0);
  if (payload) {
    try {
      // Small payloads (most files of an OS tree) inflate faster inline than through the
      // thread pool, whose per-call setup dominates at these sizes.
      data = size <= SYNC_INFLATE_LIMIT ? inflateRawSync(payload) : await inflateRawAsync(payload);
    } catch (error) {
      throw invalidPayload(checksum, error);
    }
  }
  if (trusted) {
    if (data.length !== size) throw corrupt('file', checksum, `content is ${data.length} bytes, the header says ${size}`);
  } else verifyContent(checksum, header, data, size);
  return { header, data };
}

/** verifyArchiveContent for a worker thread, where inflating inline holds up nothing else. */
export function verifyArchiveContentSync(checksum: string, bytes: Uint8Array): { header: FileHeader; data: Uint8Array } {
  const { header, size, payload } = parseArchive(checksum, bytes);
  let data = new Uint8Array(0);
  if (payload) {
    try {
      data = inflateRawSync(payload);
    } catch (error) {
      throw invalidPayload(checksum, error);
    }
  }
  verifyContent(checksum, header, data, size);
  return { header, data };
}

function invalidPayload(checksum: string, error: unknown): AtollError {
  return corrupt('file', checksum, `invalid compressed data: ${(error as Error).message}`, error);
}

/** The archive header, the declared size, and the compressed payload (none for a symlink). */
function parseArchive(checksum: string, bytes: Uint8Array): { header: FileHeader; size: number; payload: Uint8Array | undefined } {
  let parsed;
  try {
    parsed = decodeArchiveHeader(bytes);
  } catch (error) {
    throw corrupt('file', checksum, (error as Error).message, error);
  }
  const { header, size, payloadOffset } = parsed;
  if (isSymlinkMode(header.mode)) {
    if (bytes.length !== payloadOffset) throw corrupt('file', checksum, 'a symlink object carries payload bytes');
    return { header, size, payload: undefined };
  }
  return { header, size, payload: bytes.subarray(payloadOffset) };
}

/** Re-hash a content object (any source) and compare with its name. */
export function verifyContent(checksum: string, header: FileHeader, data: Uint8Array, size = data.length): void {
  let actual: string;
  try {
    const hasher = new ContentHasher(header, size);
    if (data.length > 0) hasher.update(data);
    if (data.length !== size) throw corrupt('file', checksum, `content is ${data.length} bytes, the header says ${size}`);
    actual = hasher.digest();
  } catch (error) {
    if (error instanceof AtollError && error.code === 'PULL_CORRUPT_OBJECT') throw error;
    throw corrupt('file', checksum, (error as Error).message, error);
  }
  if (actual !== checksum) {
    // libostree's wording (its tests grep `Corrupted.*CHECKSUM`).
    throw new AtollError('PULL_CORRUPT_OBJECT', `Corrupted file object; checksum expected='${checksum}' actual='${actual}'`, {
      data: { checksum, type: 'file' },
      hint: 'the source holds bytes that do not match the object name; nothing was written to refs',
    });
  }
}

/**
 * `--bareuseronly-files`: only what a bare-user-only repository can hold, with libostree's
 * wording (_ostree_validate_bareuseronly_mode): regular files without setuid/setgid/sticky or
 * world-write bits, and symlinks.
 */
export function checkBareUserOnlyMode(checksum: string, header: FileHeader): void {
  const type = header.mode & 0o170000;
  if (type === 0o100000) {
    const invalid = header.mode & 0o7777 & ~0o775;
    if (invalid !== 0) {
      throw new AtollError('PULL_BAREUSERONLY_MODE', `Content object ${checksum}: invalid mode 0${header.mode.toString(8).padStart(4, '0')} with bits 0${invalid.toString(8).padStart(4, '0')}`, {
        data: { checksum, mode: header.mode },
      });
    }
  } else if (type !== 0o120000) {
    throw new AtollError('PULL_BAREUSERONLY_MODE', `Content object ${checksum}: invalid file type`, { data: { checksum, mode: header.mode } });
  }
}
