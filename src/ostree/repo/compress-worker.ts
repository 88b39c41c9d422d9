/**
 * Worker thread body for archive commits: read a file, compute its content checksum, and unless
 * the object already exists write the `.filez` (archive header + raw deflate) to the temp path
 * it was given. Synchronous zlib inside a worker does the compression in one call, without the
 * per-16-KiB-chunk callbacks the async API costs the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { readFileSync, existsSync, openSync, writevSync, closeSync } from 'node:fs';
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

export type CompressResult =
  | { id: number; checksum: string; written: boolean; size: number }
  | { id: number; error: { message: string; code?: string } };

parentPort?.on('message', (job: CompressJob) => {
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
