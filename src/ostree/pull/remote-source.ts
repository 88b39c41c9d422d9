import { AtollError } from '../../errors/index.js';
import { HttpSource, sourceForUrl, type FileSource, type HttpSourceOptions } from './source.js';
import { fetchMetalinkTarget, parseMetalink } from './metalink.js';
import { MAX_METADATA_SIZE } from './verify.js';

/**
 * The FileSource for a remote's `url` and `contenturl` as OSTree accepts them: plain
 * http(s)/file URLs, `metalink=URL` (the summary comes through the metalink, the repository is
 * where it was found) and `mirrorlist=URL` (for `url`, `contenturl` or both: a list of mirror
 * base URLs, each file tried on them in order).
 */
export async function openRemoteSource(url: string, options: Omit<HttpSourceOptions, 'url'> = {}): Promise<FileSource> {
  const contentUrl = options.contentUrl;
  const contentList = contentUrl?.startsWith('mirrorlist=') ? contentUrl.slice('mirrorlist='.length) : undefined;
  if (url.startsWith('metalink=')) {
    if (contentList !== undefined) throw unsupported(`a metalink url with a mirrorlist contenturl is not supported: ${contentUrl}`);
    const metalinkUrl = url.slice('metalink='.length);
    const fetcher = new HttpSource({ ...options, url: metalinkUrl, contentUrl: undefined });
    let base: string;
    let summary: Uint8Array;
    try {
      const text = await fetcher.getUrl(new URL(metalinkUrl), MAX_METADATA_SIZE);
      if (text === undefined) throw new AtollError('PULL_METALINK', `metalink ${metalinkUrl} not found (HTTP 404)`);
      const metalink = parseMetalink(Buffer.from(text).toString('utf8'));
      const target = await fetchMetalinkTarget(metalink, (u, maxSize) => fetcher.getUrl(u, maxSize));
      // The repository is the directory the summary was found in.
      base = new URL('.', target.url).href;
      summary = target.bytes;
    } finally {
      await fetcher.close();
    }
    const source = new HttpSource({ ...options, url: base, contentUrl: contentUrl ?? base });
    return new PrefetchedSummarySource(source, summary);
  }
  const list = url.startsWith('mirrorlist=') ? url.slice('mirrorlist='.length) : undefined;
  if (list === undefined && contentList === undefined) return sourceForUrl(url, options);
  // The first mirror of a list stands in as the URL until the lists are read.
  const source = new HttpSource({ ...options, url: list ?? url, contentUrl: contentList ?? contentUrl });
  try {
    if (list !== undefined) source.setMirrors(await readMirrorlist(source, list), 'url');
    if (contentList !== undefined) source.setMirrors(await readMirrorlist(source, contentList), 'contenturl');
  } catch (error) {
    await source.close();
    throw error;
  }
  return source;
}

function unsupported(message: string): AtollError {
  return new AtollError('PULL_UNSUPPORTED_URL', message, { hint: 'use an http://, https:// or file:// URL, metalink=URL or mirrorlist=URL' });
}

/**
 * A mirrorlist as OSTree reads it: one URL per line, blank lines and `#` comments skipped,
 * only http(s) URLs; mirrors before the first one that serves `config` are dropped (OSTree
 * checks the first mirror that way so that a dead first mirror does not cost every request).
 */
async function readMirrorlist(source: HttpSource, listUrl: string): Promise<string[]> {
  let text: Uint8Array | undefined;
  try {
    text = await source.getUrl(new URL(listUrl), MAX_METADATA_SIZE);
  } catch (error) {
    throw new AtollError('PULL_MIRRORLIST', `cannot fetch mirrorlist '${listUrl}': ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new AtollError('PULL_MIRRORLIST', `mirrorlist '${listUrl}' not found (HTTP 404)`);
  const mirrors: string[] = [];
  for (const raw of Buffer.from(text).toString('utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!URL.canParse(line)) continue;
    const url = new URL(line);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    if (mirrors.length === 0) {
      const config = await source.getUrl(new URL('config', url.href.endsWith('/') ? url : new URL(`${url.href}/`)), 1024 * 1024).catch(() => undefined);
      if (config === undefined) continue;
    }
    mirrors.push(line);
  }
  if (mirrors.length === 0) throw new AtollError('PULL_MIRRORLIST', `No valid mirrors were found in mirrorlist '${listUrl}'`);
  return mirrors;
}

/** The summary a metalink delivered (already checked against its size and hashes); the rest from the repository. */
class PrefetchedSummarySource implements FileSource {
  constructor(
    private readonly inner: HttpSource,
    private readonly summary: Uint8Array,
  ) {}
  get description(): string {
    return this.inner.description;
  }
  get bytesTransferred(): number {
    return this.inner.bytesTransferred;
  }
  get requests(): number {
    return this.inner.requests;
  }
  get(path: string, options?: { maxSize?: number; contentUrl?: boolean }): Promise<Uint8Array | undefined> {
    return path === 'summary' && !options?.contentUrl ? Promise.resolve(this.summary) : this.inner.get(path, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
