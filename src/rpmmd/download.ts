import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AtollError } from '../errors/index.js';
import { phase } from '../report/index.js';
import { formatNevra } from '../rpm/index.js';
import { isSafeFilename, mapLimit } from '../util/index.js';
import type { RepoPackage } from './types.js';
import type { RpmmdRepo } from './repo.js';
import { fetchVerified } from './fetch-verified.js';
import { Transport } from './transport.js';

export interface DownloadOptions {
  /** Where the .rpm files go (default: the repo's cache `packages/`). */
  destDir?: string;
  /** Downloads in flight (dnf's max_parallel_downloads, default 3). */
  parallel?: number;
  retries?: number;
  backoffMs?: number;
  transport?: Transport;
}

export interface DownloadResult {
  pkg: RepoPackage;
  path: string;
  /** URL it came from; null when a verified copy was already there. */
  url: string | null;
}

/**
 * Download packages of one repository with bounded parallelism, each verified against
 * primary's size and pkgid checksum before it is renamed into place (see fetchVerified).
 * Progress: one phase, done = packages, bytes = bytes received.
 */
export async function downloadPackages(repo: RpmmdRepo, packages: readonly RepoPackage[], options: DownloadOptions = {}): Promise<DownloadResult[]> {
  const destDir = options.destDir ?? join(repo.cacheDir, 'packages');
  await mkdir(destDir, { recursive: true });
  const parallel = options.parallel ?? 3;
  const transport = options.transport ?? new Transport({ connections: parallel });
  const total = packages.length;
  try {
    return await phase(
      repo.reporter,
      `${repo.id}: downloading packages`,
      async (tick) => {
        let done = 0;
        let bytes = 0;
        return await mapLimit(packages, parallel, async (pkg) => {
          const name = basename(pkg.locationHref);
          if (!isSafeFilename(name) || !name.endsWith('.rpm')) {
            throw new AtollError('RPMMD_HREF_UNSAFE', `refusing package location '${pkg.locationHref}'`, { data: { href: pkg.locationHref } });
          }
          const path = join(destDir, name);
          const url = await fetchVerified(
            transport,
            repo.mirrors,
            {
              what: formatNevra(pkg),
              kind: 'package',
              href: pkg.locationHref,
              base: pkg.locationBase,
              dest: path,
              expected: { size: pkg.packageSize > 0 ? pkg.packageSize : null, checksum: { type: pkg.checksumType, value: pkg.pkgid } },
            },
            {
              retries: options.retries,
              backoffMs: options.backoffMs,
              reporter: repo.reporter,
              onBytes: (n) => {
                bytes += n;
              },
            },
          );
          done++;
          tick(done, total, bytes);
          return { pkg, path, url };
        });
      },
      { total, unit: 'items' },
    );
  } finally {
    if (options.transport === undefined) await transport.close();
  }
}
