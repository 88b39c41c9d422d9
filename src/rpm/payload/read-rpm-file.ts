import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { AtollError } from '../../errors/index.js';
import { readRpmPackage, rpmHeadersLength, type ReadHeadersOptions, type RpmHeaders, type RpmHeaderPackage } from '../header/index.js';

/**
 * File access for the pure header codec (rpm/header stays fs-free). Read only the header part of a package file (lead, signature, main header) without touching
 * the payload, as `rpm -qp` does: a package with a corrupt payload still reads.
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
    let bytes: Uint8Array = new Uint8Array(0);
    let want = 96 + 16;
    // At most three reads: lead+sig intro, sig+main intro, main header.
    for (let round = 0; round < 4; round++) {
      const target = Math.min(want, fileSize);
      if (target > bytes.length) {
        const more = Buffer.alloc(target - bytes.length);
        const { bytesRead } = await fh.read(more, 0, more.length, bytes.length);
        bytes = Buffer.concat([bytes, more.subarray(0, bytesRead)]);
      }
      const next = rpmHeadersLength(bytes);
      if (next === undefined || next <= bytes.length || target >= fileSize) break;
      // Limits keep a hostile length from allocating more than the header maximum.
      if (next > 512 * 1024 * 1024) break;
      want = next;
    }
    return { bytes, fileSize };
  } catch (error) {
    throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await fh.close();
  }
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
    let bytes: Uint8Array = new Uint8Array(0);
    let want = 96 + 16;
    for (let round = 0; round < 4; round++) {
      const target = Math.min(want, fileSize);
      if (target > bytes.length) {
        const more = Buffer.alloc(target - bytes.length);
        const bytesRead = readSync(fd, more, 0, more.length, bytes.length);
        bytes = Buffer.concat([bytes, more.subarray(0, bytesRead)]);
      }
      const next = rpmHeadersLength(bytes);
      if (next === undefined || next <= bytes.length || target >= fileSize) break;
      if (next > 512 * 1024 * 1024) break;
      want = next;
    }
    return { bytes, fileSize };
  } catch (error) {
    throw new AtollError('RPM_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    closeSync(fd);
  }
}
