import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addCookie, deleteCookie, readCookies, cookieHeader } from './cookies.js';

test('cookie jars: add replaces, delete removes exactly one, the header matches domain and path', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-cookies-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await addCookie(dir, 'origin', { domain: '127.0.0.1', path: '/', name: 'foo', value: 'bar' });
  await addCookie(dir, 'origin', { domain: '127.0.0.1', path: '/', name: 'baz', value: 'badger' });
  await addCookie(dir, 'origin', { domain: '127.0.0.1', path: '/', name: 'foo', value: 'bar' });
  const text = await readFile(join(dir, 'origin.cookies.txt'), 'utf8');
  // The Netscape format curl (and so libostree) reads: tab-separated, one cookie a line.
  assert.match(text, /^127\.0\.0\.1\tFALSE\t\/\tFALSE\t\d+\tfoo\tbar$/m);
  assert.equal((await readCookies(dir, 'origin')).length, 2);
  // Re-adding foo replaced it (now last).
  assert.equal(cookieHeader(await readCookies(dir, 'origin'), new URL('http://127.0.0.1:8080/repo/summary')), 'baz=badger; foo=bar');
  assert.equal(await deleteCookie(dir, 'origin', { domain: '127.0.0.1', path: '/', name: 'baz', value: 'badger' }), true);
  assert.equal(await deleteCookie(dir, 'origin', { domain: '127.0.0.1', path: '/', name: 'baz', value: 'badger' }), false);
  assert.equal(cookieHeader(await readCookies(dir, 'origin'), new URL('http://127.0.0.1/x')), 'foo=bar');
  assert.equal(cookieHeader(await readCookies(dir, 'origin'), new URL('http://example.com/x')), undefined);
});
