import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneArchiveObjectCache } from './archive-object-cache.js';

const sum = (c: string): string => c.repeat(64);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function cacheWith(t: import('node:test').TestContext, checksums: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-archive-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const c of checksums) {
    mkdirSync(join(dir, c.slice(0, 2)), { recursive: true });
    writeFileSync(join(dir, c.slice(0, 2), `${c.slice(2)}.filez`), 'object');
  }
  return dir;
}

const present = (dir: string, c: string): boolean => existsSync(join(dir, c.slice(0, 2), `${c.slice(2)}.filez`));

test('the same inputs composed again keep every entry (the warm compose stays warm)', async (t) => {
  const all = [sum('a'), sum('b'), sum('c')];
  const dir = cacheWith(t, all);
  assert.deepEqual(await pruneArchiveObjectCache(dir, new Set(all), new Date(T0)), { scanned: true, kept: 3, dropped: 0, freedBytes: 0 });
  // Same set again: nothing can go, so the cache is not even listed.
  for (let i = 1; i < 6; i++) {
    const r = await pruneArchiveObjectCache(dir, new Set(all), new Date(T0 + i * 30 * DAY));
    assert.deepEqual(r, { scanned: false, kept: 0, dropped: 0, freedBytes: 0 });
  }
  assert.ok(all.every((c) => present(dir, c)));
  // Another set is listed again, and what it left out stays for now (one compose, not three).
  assert.deepEqual(await pruneArchiveObjectCache(dir, new Set([sum('a')]), new Date(T0 + 200 * DAY)), { scanned: true, kept: 3, dropped: 0, freedBytes: 0 });
});

test('an entry goes only when unused for 3 composes and 7 days', async (t) => {
  const [a, b, c] = [sum('a'), sum('b'), sum('c')];
  const dir = cacheWith(t, [a, b, c]);
  // Compose 1 uses all three; later composes use only a (and c once more at compose 3).
  await pruneArchiveObjectCache(dir, new Set([a, b, c]), new Date(T0));
  // Many composes within a day: b is 3+ composes old but not 7 days old, so it stays.
  for (let i = 1; i <= 4; i++) await pruneArchiveObjectCache(dir, new Set(i === 2 ? [a, c] : [a]), new Date(T0 + i * 60_000));
  assert.ok(present(dir, b), 'kept: unused for 4 composes but only minutes');
  // Ten days later: b (last used at compose 1) and c (compose 3) are 3+ composes and 7+ days old.
  const r = await pruneArchiveObjectCache(dir, new Set([a]), new Date(T0 + 10 * DAY));
  assert.deepEqual(r, { scanned: true, kept: 1, dropped: 2, freedBytes: 12 });
  assert.ok(present(dir, a) && !present(dir, b) && !present(dir, c));
  assert.match(readFileSync(join(dir, 'usage'), 'utf8'), /^atoll archive-objects usage 1\ncompose 6 \d+\nused 1 [0-9a-f]{32}\n$/);
});

test('two composes, 8 days apart, are not enough: an entry survives until 3 composes have not used it', async (t) => {
  const [a, b] = [sum('a'), sum('b')];
  const dir = cacheWith(t, [a, b]);
  await pruneArchiveObjectCache(dir, new Set([a, b]), new Date(T0));
  await pruneArchiveObjectCache(dir, new Set([a]), new Date(T0 + 8 * DAY));
  await pruneArchiveObjectCache(dir, new Set([a]), new Date(T0 + 16 * DAY));
  assert.ok(present(dir, b), 'used by compose 1 of 3');
  await pruneArchiveObjectCache(dir, new Set([a]), new Date(T0 + 24 * DAY));
  assert.ok(!present(dir, b), 'used by none of composes 2-4, for 24 days');
});

test('without a usage record (first run, older atoll, corrupt file) every entry counts as used now', async (t) => {
  const [a, b] = [sum('a'), sum('b')];
  const dir = cacheWith(t, [a, b]);
  writeFileSync(join(dir, 'usage'), 'garbage\n');
  writeFileSync(join(dir, 'aa', '.tmp-link'), ''); // not an entry: left alone
  const r = await pruneArchiveObjectCache(dir, new Set([a]), new Date(T0 + 100 * DAY));
  assert.deepEqual(r, { scanned: true, kept: 2, dropped: 0, freedBytes: 0 });
  assert.ok(existsSync(join(dir, 'aa', '.tmp-link')));
  // A missing cache directory is an empty cache.
  assert.deepEqual(await pruneArchiveObjectCache(join(dir, 'nope'), new Set([a]), new Date(T0)), { scanned: true, kept: 0, dropped: 0, freedBytes: 0 });
});
