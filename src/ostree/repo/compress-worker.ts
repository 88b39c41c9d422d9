/**
 * Worker thread body for archive commits: read a file, compute its content checksum, and unless
 * the object already exists write the `.filez` (archive header + raw deflate) to the temp path
 * it was given. Synchronous zlib inside a worker does the compression in one call, without the
 * per-16-KiB-chunk callbacks the async API costs the main thread.
 *
 * A batch job (`copies`) takes files whose checksum and header the caller already knows (a
 * hardlink of another repository's object, named by the devino cache): each is read, deflated
 * and written to its temp path behind its encoded archive header, no hashing. One message per
 * few hundred small files, so the per-file work (three syscalls to read, three to write, one
 * deflate) leaves the main thread without a message round trip each.
 */
import { parentPort } from 'node:worker_threads';
import { readFileSync, existsSync, openSync, writevSync, closeSync, readSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { encodeArchiveHeader, ContentHasher, type FileHeader } from '../objects/index.js';

export interface CompressJob {
  id: number;
  path: string;
  header: FileHeader;
  objectsDir: string;
  temp: string;
  level: number;
}

/** One known object to copy: `prefix` is its encoded archive header, `size` its data length. */
export interface ArchiveCopy {
  path: string;
  temp: string;
  prefix: Uint8Array;
  size: number;
}

export interface CopyBatchJob {
  id: number;
  copies: ArchiveCopy[];
  level: number;
}

export type CompressResult =
  | { id: number; checksum: string; written: boolean; size: number }
  | { id: number; copied: number }
  | { id: number; error: { message: string; code?: string; path?: string } };

/** Read exactly `size` bytes (one read; a file of another size is an error: it is not the object). */
function readExact(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size + 1);
    const n = readSync(fd, buf, 0, size + 1, 0);
    if (n !== size) throw Object.assign(new Error(`${path} changed size while being committed (${n} bytes, expected ${size})`), { code: 'ESIZE' });
    return buf.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

function copyBatch(job: CopyBatchJob): CompressResult {
  for (const copy of job.copies) {
    try {
      const data = copy.size === 0 ? Buffer.alloc(0) : readExact(copy.path, copy.size);
      const compressed = deflateRawSync(data, { level: job.level });
      const fd = openSync(copy.temp, 'w', 0o644);
      try {
        writevSync(fd, [copy.prefix, compressed]);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      return { id: job.id, error: { message: e.message, code: e.code, path: copy.path } };
    }
  }
  return { id: job.id, copied: job.copies.length };
}

parentPort?.on('message', (job: CompressJob | CopyBatchJob) => {
  if ('copies' in job) {
    parentPort?.postMessage(copyBatch(job));
    return;
  }
  let result: CompressResult;
  try {
    const data = readFileSync(job.path);
    const checksum = new ContentHasher(job.header).update(data).digest();
    const final = `${job.objectsDir}/${checksum.slice(0, 2)}/${checksum.slice(2)}.filez`;
    let written = false;
    if (!existsSync(final)) {
      const prefix = encodeArchiveHeader(job.header, data.length);
      const compressed = deflateRawSync(data, { level: job.level });
      const fd = openSync(job.temp, 'w', 0o644);
      try {
        writevSync(fd, [prefix, compressed]);
      } finally {
        closeSync(fd);
      }
      written = true;
    }
    result = { id: job.id, checksum, written, size: data.length };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    result = { id: job.id, error: { message: e.message, code: e.code } };
  }
  parentPort?.postMessage(result);
});
