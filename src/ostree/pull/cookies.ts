import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';

/**
 * Per-remote cookie jars as ostree keeps them: `REPO/REMOTE.cookies.txt` in the Netscape /
 * curl format (domain, include-subdomains, path, secure, expiry, name, value; tab separated).
 * `ostree remote add-cookie/delete-cookie/list-cookies` edit them; pull sends the matching ones.
 */
export interface Cookie {
  domain: string;
  path: string;
  secure: boolean;
  expires: number;
  name: string;
  value: string;
}

function jarPath(repo: string, remote: string): string {
  if (!/^[A-Za-z0-9_][-._A-Za-z0-9]*$/.test(remote)) throw new AtollError('PULL_BAD_REMOTE_NAME', `invalid remote name '${remote}'`);
  return join(repo, `${remote}.cookies.txt`);
}

export async function readCookies(repo: string, remote: string): Promise<Cookie[]> {
  let text: string;
  try {
    text = await readFile(jarPath(repo, remote), 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const out: Cookie[] = [];
  for (const raw of text.split('\n')) {
    // curl marks HttpOnly cookies with a `#HttpOnly_` prefix; other `#` lines are comments.
    const line = raw.startsWith('#HttpOnly_') ? raw.slice('#HttpOnly_'.length) : raw;
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split('\t');
    if (f.length < 7) continue;
    out.push({ domain: f[0]!, path: f[2]!, secure: f[3] === 'TRUE', expires: Number(f[4]), name: f[5]!, value: f.slice(6).join('\t') });
  }
  return out;
}

async function writeCookies(repo: string, remote: string, cookies: Cookie[]): Promise<void> {
  const lines = cookies.map((c) => [c.domain, 'FALSE', c.path, c.secure ? 'TRUE' : 'FALSE', String(c.expires), c.name, c.value].join('\t'));
  await writeFileAtomic(jarPath(repo, remote), `# Netscape HTTP Cookie File\n${lines.map((l) => `${l}\n`).join('')}`);
}

/** `ostree remote add-cookie REMOTE DOMAIN PATH NAME VALUE` (replaces a cookie of the same domain, path and name). */
export async function addCookie(repo: string, remote: string, cookie: Omit<Cookie, 'secure' | 'expires'>): Promise<void> {
  const cookies = (await readCookies(repo, remote)).filter((c) => !(c.domain === cookie.domain && c.path === cookie.path && c.name === cookie.name));
  // ostree gives new cookies a lifetime of one year.
  cookies.push({ ...cookie, secure: false, expires: Math.floor(Date.now() / 1000) + 365 * 24 * 3600 });
  await writeCookies(repo, remote, cookies);
}

/** `ostree remote delete-cookie REMOTE DOMAIN PATH NAME VALUE`; false when there was no such cookie. */
export async function deleteCookie(repo: string, remote: string, cookie: Omit<Cookie, 'secure' | 'expires'>): Promise<boolean> {
  const cookies = await readCookies(repo, remote);
  const kept = cookies.filter((c) => !(c.domain === cookie.domain && c.path === cookie.path && c.name === cookie.name && c.value === cookie.value));
  if (kept.length === cookies.length) return false;
  await writeCookies(repo, remote, kept);
  return true;
}

/** The `Cookie` header value for a request to `url` (undefined: no cookie applies). */
export function cookieHeader(cookies: readonly Cookie[], url: URL, now = Date.now() / 1000): string | undefined {
  const host = url.hostname;
  const matching = cookies.filter((c) => {
    const domain = c.domain.replace(/^\./, '');
    if (host !== domain && !host.endsWith(`.${domain}`)) return false;
    if (!url.pathname.startsWith(c.path)) return false;
    if (c.secure && url.protocol !== 'https:') return false;
    return c.expires === 0 || c.expires > now;
  });
  return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join('; ');
}
