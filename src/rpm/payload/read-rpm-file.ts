import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { AtollError } from '../../errors/index.js';
import { readRpmPackage, rpmHeadersLength, type ReadHeadersOptions, type RpmHeaders, type RpmHeaderPackage } from '../header/index.js';

/**
 * File access for the pure header codec (rpm/header stays fs-free). Read only the header part
 * of a package file (lead, signature, main header) without touching the payload, as `rpm -qp`
 * does: a package with a corrupt payload still reads.
 */
export async function readRpmHeaderBytes(path: string): Promise<{ bytes: Uint8Array; fileSize: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    throw new AtollError('RPM_IO', `cannot open ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const fileSize = (await fh.stat()).size;
    const reads = headerReads(fileSize);
    let step = reads.next(new Uint8Array(0));
    while (!step.done) {
      const more = Buffer.alloc(step.value.length);
      const { bytesRead } = await fh.read(more, 0, more.length, step.value.position);
      step = reads.next(more.subarray(0, bytesRead));
    }
    return { bytes: step.value, fileSize };
  } catch (error) {
    throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await fh.close();
  }
}

/**
 * The reads that fetch the lead, signature and main header of a `fileSize`-byte package, for
 * the async and the sync reader alike: yields each read (position, length), is sent the bytes
 * it got, returns the bytes read. At most three reads: lead+sig intro, sig+main intro, main header.
 */
function* headerReads(fileSize: number): Generator<{ position: number; length: number }, Uint8Array, Uint8Array> {
  let bytes: Uint8Array = new Uint8Array(0);
  let want = 96 + 16;
  for (let round = 0; round < 4; round++) {
    const target = Math.min(want, fileSize);
    if (target > bytes.length) bytes = Buffer.concat([bytes, yield { position: bytes.length, length: target - bytes.length }]);
    const next = rpmHeadersLength(bytes);
    if (next === undefined || next <= bytes.length || target >= fileSize) break;
    // Limits keep a hostile length from allocating more than the header maximum.
    if (next > 512 * 1024 * 1024) break;
    want = next;
  }
  return bytes;
}

export async function readRpmFile(
  path: string,
  options: ReadHeadersOptions = {},
): Promise<{ headers: RpmHeaders; pkg: RpmHeaderPackage; fileSize: number }> {
  const { bytes, fileSize } = await readRpmHeaderBytes(path);
  const { headers, pkg } = readRpmPackage(bytes, options);
  return { headers, pkg, fileSize };
}

/**
 * readRpmHeaderBytes, synchronously: for a caller with nothing else to do meanwhile (unpack,
 * whose worker and helper processes start in parallel), three syscalls instead of a thread-pool
 * round trip each.
 */
export function readRpmHeaderBytesSync(path: string): { bytes: Uint8Array; fileSize: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new AtollError('RPM_IO', `cannot open ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const fileSize = fstatSync(fd).size;
    const reads = headerReads(fileSize);
    let step = reads.next(new Uint8Array(0));
    while (!step.done) {
      const more = Buffer.alloc(step.value.length);
      const bytesRead = readSync(fd, more, 0, more.length, step.value.position);
      step = reads.next(more.subarray(0, bytesRead));
    }
    return { bytes: step.value, fileSize };
  } catch (error) {
    throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}
