import { AtollError } from '../errors/index.js';
import { parseXmlString } from './xml-stream.js';
import { CHECKSUM_STRENGTH } from './checksum.js';

/** A bare absolute path means a local directory (rpm-md.md §6). */
export function normalizeBaseUrl(url: string): string {
  return url.startsWith('/') ? `file://${url}` : url;
}

/** Mirror bases from a mirrorlist document: one URL per line, `#` comments (§6). */
export function parseMirrorlist(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.includes('://') || line.startsWith('/')) out.push(normalizeBaseUrl(line));
  }
  return out;
}

export interface Metalink {
  /** Repository bases (URL minus `repodata/repomd.xml`), in document order. */
  mirrors: string[];
  /** Acceptable repomd.xml digests: the current one and alternates, strongest type only. */
  hashes: Array<{ type: string; value: string }>;
  size: number | null;
}

/**
 * Parse a MirrorManager metalink (§6): `url` elements of `file name="repomd.xml"` are mirrors;
 * `verification/hash` of the file and of each `mm0:alternate` are acceptable digests.
 */
export async function parseMetalink(data: string | Uint8Array, fileName = 'metalink'): Promise<Metalink> {
  const mirrors: string[] = [];
  const hashes: Array<{ type: string; value: string }> = [];
  let size: number | null = null;
  const stack: string[] = [];
  let inRepomd = false;
  let text = '';
  let hashType = '';
  let root: string | null = null;
  await parseXmlString(data, fileName, {
    wantText: () => true,
    text(chunk) {
      text += chunk;
    },
    open(name, attrs) {
      root ??= name;
      stack.push(name);
      text = '';
      if (name === 'file') inRepomd = attrs.name === 'repomd.xml';
      if (name === 'hash') hashType = (attrs.type ?? '').toLowerCase();
    },
    close(name) {
      stack.pop();
      const value = text.trim();
      text = '';
      if (name === 'file') inRepomd = false;
      if (!inRepomd) return;
      if (name === 'url') {
        const base = value.replace(/repodata\/repomd\.xml$/, '');
        if (base !== '') mirrors.push(base);
      } else if (name === 'hash' && hashType !== '') {
        hashes.push({ type: hashType === 'sha-256' ? 'sha256' : hashType, value: value.toLowerCase() });
      } else if (name === 'size' && stack[stack.length - 1] === 'file') {
        size = Number(value);
      }
    },
  });
  if (root !== 'metalink') {
    throw new AtollError('RPMMD_METALINK_INVALID', `${fileName}: not a metalink document (root <${root ?? ''}>)`, { data: { file: fileName } });
  }
  if (mirrors.length === 0) {
    throw new AtollError('RPMMD_METALINK_INVALID', `${fileName}: lists no mirror for repomd.xml`, { data: { file: fileName } });
  }
  const known = hashes.filter((h) => CHECKSUM_STRENGTH.includes(h.type));
  const strongest = known.reduce((best, h) => Math.max(best, CHECKSUM_STRENGTH.indexOf(h.type)), -1);
  return { mirrors, hashes: known.filter((h) => CHECKSUM_STRENGTH.indexOf(h.type) === strongest), size };
}
