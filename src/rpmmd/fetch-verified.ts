import { stat } from 'node:fs/promises';
import { AtollError } from '../errors/index.js';
import { debug, type Reporter } from '../report/index.js';
import { safePathComponents } from '../util/index.js';
import { AttemptError, commitPart, downloadFailed, removeIfExists, verifyFile, type Expected, type Transport } from './transport.js';

export interface FetchJob {
  /** What the user knows this as: a NEVRA or a metadata type. */
  what: string;
  kind: 'package' | 'metadata';
  href: string;
  /** `xml:base` of the location: the only place to fetch from when set. */
  base: string | null;
  dest: string;
  expected: Expected;
}

export interface FetchOptions {
  /** Extra attempts at the same URL after a retryable failure. */
  retries?: number;
  /** First backoff delay in ms (doubles each retry). */
  backoffMs?: number;
  reporter?: Reporter;
  onBytes?: (n: number) => void;
}

/** `base` + `href`, refusing hrefs that climb out of the repository (`..`, absolute paths). */
export function resolveHref(base: string, href: string): string {
  if (href.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(href) || safePathComponents(href) === undefined) {
    throw new AtollError('RPMMD_HREF_UNSAFE', `refusing location '${href}': it leaves the repository`, { data: { href } });
  }
  return new URL(href, base.endsWith('/') ? base : `${base}/`).toString();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Get one file into `dest`, verified against metadata: reuse a verified copy, else download
 * to `dest.part` (resuming a partial one) from each mirror in turn with retries and backoff,
 * verify size and checksum, and only then rename to `dest`. A file that fails verification is
 * deleted; when every mirror failed, the error names the file and the last mirror tried.
 * Returns the URL the file came from (null for a cache hit).
 */
export async function fetchVerified(transport: Transport, mirrors: readonly string[], job: FetchJob, options: FetchOptions = {}): Promise<string | null> {
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 200;
  const reporter = options.reporter;
  if (await stat(job.dest).then(() => true, () => false)) {
    if ((await verifyFile(job.dest, job.expected)) === null) return null;
    await removeIfExists(job.dest);
  }
  const part = `${job.dest}.part`;
  const bases = job.base !== null ? [job.base] : mirrors;
  if (bases.length === 0) throw downloadFailed(job.what, ['no mirror or baseurl to download from']);
  const attempts: string[] = [];
  let mismatch: { url: string; reason: string } | null = null;
  for (const base of bases) {
    const url = resolveHref(base, job.href);
    for (let attempt = 0; attempt <= retries; attempt++) {
      const resumedFrom = await stat(part).then((s) => s.size, () => 0);
      let known: { size: number; digest: string } | null = null;
      try {
        known = await transport.fetchToPart(url, part, options.onBytes, job.expected.checksum?.type ?? 'sha256');
      } catch (error) {
        if (!(error instanceof AttemptError)) throw error;
        attempts.push(error.message);
        if (reporter) debug(reporter, `download attempt failed: ${error.message}`);
        if (error.retryable && attempt < retries) {
          await sleep(backoffMs * 2 ** attempt);
          continue;
        }
        break;
      }
      const reason = await verifyFile(part, job.expected, known);
      if (reason === null) {
        await commitPart(part, job.dest);
        return url;
      }
      // Never keep bytes that failed verification; a resumed file may have had a bad prefix,
      // so it earns one more attempt from scratch at the same URL.
      await removeIfExists(part);
      mismatch = { url, reason };
      attempts.push(`${url}: checksum mismatch (${reason})`);
      if (reporter) debug(reporter, `${url}: checksum mismatch (${reason})`);
      if (resumedFrom > 0 && attempt < retries) continue;
      break;
    }
  }
  if (mismatch !== null) {
    if (job.kind === 'package') {
      throw new AtollError('RPMMD_PACKAGE_CHECKSUM_MISMATCH', `package ${job.what} from ${mismatch.url} does not match the repository metadata: ${mismatch.reason}`, {
        hint: 'the mirror serves a corrupt or different file; try another mirror or refresh the metadata',
        data: { package: job.what, mirror: mismatch.url, attempts },
      });
    }
    throw new AtollError('RPMMD_METADATA_CHECKSUM_MISMATCH', `${job.what} metadata from ${mismatch.url} does not match repomd.xml: ${mismatch.reason}`, {
      hint: 'the mirror is stale or corrupt; try again later or use another mirror',
      data: { file: job.what, mirror: mismatch.url, attempts },
    });
  }
  throw downloadFailed(job.what, attempts);
}
