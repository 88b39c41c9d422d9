import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheFlagsMatch, compileBundle, debugRequested, loadBundledCli, runBundle, staleReason, wrapBundleSource, type BundlePaths, type BundleStamp } from './code-cache.js';

function fakeBuild(t: { after(fn: () => void): void }): { paths: BundlePaths; stamp: BundleStamp } {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-code-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const paths: BundlePaths = {
    dir: `${dir}/bundle/`,
    source: join(dir, 'atoll-cli.cjs'),
    cache: join(dir, 'atoll-cli.cache'),
    stamp: join(dir, 'stamp.json'),
    buildInfo: join(dir, '.tsbuildinfo'),
  };
  writeFileSync(paths.source, 'module.exports = { main: async () => 7 };');
  writeFileSync(paths.cache, Buffer.alloc(16));
  writeFileSync(paths.buildInfo, '{}');
  const info = statSync(paths.buildInfo);
  const stamp: BundleStamp = {
    buildInfo: { mtimeMs: info.mtimeMs, size: info.size },
    sourceSize: statSync(paths.source).size,
    cacheSize: 16,
    node: process.version,
    v8: process.versions.v8,
  };
  writeFileSync(paths.stamp, JSON.stringify(stamp));
  return { paths, stamp };
}

test('a bundle whose stamp matches dist/ and its files is usable', (t) => {
  const { paths } = fakeBuild(t);
  assert.equal(staleReason(paths), null);
});

test('no stamp (a tsc-only build, or a bundle build that failed): not used', (t) => {
  const { paths } = fakeBuild(t);
  rmSync(paths.stamp);
  assert.match(staleReason(paths) ?? '', /no bundle/);
});

test('tsc ran after the bundle (.tsbuildinfo rewritten): not used', (t) => {
  const { paths } = fakeBuild(t);
  const later = new Date(Date.now() + 5000);
  utimesSync(paths.buildInfo, later, later);
  assert.match(staleReason(paths) ?? '', /rebuilt by tsc/);
});

test('a bundle or cache changed after the build, or missing: not used', (t) => {
  const { paths } = fakeBuild(t);
  writeFileSync(paths.cache, Buffer.alloc(17));
  assert.match(staleReason(paths) ?? '', /changed after the build/);
  rmSync(paths.source);
  assert.match(staleReason(paths) ?? '', /missing/);
});

test('a cache trained by another Node.js: not used', (t) => {
  const { paths, stamp } = fakeBuild(t);
  writeFileSync(paths.stamp, JSON.stringify({ ...stamp, node: 'v0.0.1' }));
  assert.match(staleReason(paths) ?? '', /Node v0\.0\.1/);
});

test('the wrapper gives the bundle CommonJS module, require, __filename and __dirname', async (t) => {
  const { paths } = fakeBuild(t);
  const source = 'module.exports = { main: async () => (typeof require === "function" && __filename.endsWith(".cjs") ? 3 : 4), dir: __dirname };';
  const cli = runBundle(compileBundle(source, paths.source), paths) as unknown as { main(): Promise<number>; dir: string };
  assert.equal(await cli.main(), 3);
  assert.equal(cli.dir, paths.dir.replace(/\/$/, ''));
  assert.ok(wrapBundleSource('x').startsWith('(function (exports, require, module, __filename, __dirname) {'));
});

test('V8 accepts a cache made by the same process flags and rejects it for another source', () => {
  const source = 'module.exports = { main: async () => 1, f(x) { return x + 1; } };';
  const first = compileBundle(source, '/nonexistent/atoll-cli.cjs');
  const cache = first.createCachedData();
  assert.equal(compileBundle(source, '/nonexistent/atoll-cli.cjs', cache).cachedDataRejected, false);
  // V8 keys a cache on the source length (among others): another source is rejected.
  assert.equal(compileBundle(`${source} `, '/nonexistent/atoll-cli.cjs', cache).cachedDataRejected, true);
});

test('--debug or ATOLL_DEBUG=1 is debugging (main prints stacks; bin/atoll uses dist/)', () => {
  assert.equal(debugRequested(['repo', '--debug'], {}), true);
  assert.equal(debugRequested(['repo'], { ATOLL_DEBUG: '1' }), true);
  assert.equal(debugRequested(['repo'], { ATOLL_DEBUG: '0' }), false);
});

test('the flag check reads V8 version and flag hash from a cache header', () => {
  const cache = compileBundle('module.exports = {};', '/nonexistent/atoll-cli.cjs').createCachedData();
  assert.equal(cacheFlagsMatch(cache), true);
  const otherFlags = Buffer.from(cache);
  otherFlags.writeUInt32LE((otherFlags.readUInt32LE(12) ^ 1) >>> 0, 12);
  assert.equal(cacheFlagsMatch(otherFlags), false);
  assert.equal(cacheFlagsMatch(Buffer.alloc(16)), false);
  assert.equal(cacheFlagsMatch(cache.subarray(0, 8)), false);
});

function withCacheEnv<T>(fn: () => T): T {
  const saved = { no: process.env.ATOLL_NO_CODE_CACHE, debug: process.env.ATOLL_DEBUG, cc: process.env.ATOLL_CODE_CACHE_DEBUG };
  delete process.env.ATOLL_NO_CODE_CACHE;
  delete process.env.ATOLL_DEBUG;
  delete process.env.ATOLL_CODE_CACHE_DEBUG;
  try {
    return fn();
  } finally {
    for (const [key, value] of [['ATOLL_NO_CODE_CACHE', saved.no], ['ATOLL_DEBUG', saved.debug], ['ATOLL_CODE_CACHE_DEBUG', saved.cc]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test('loadBundledCli: a cache V8 rejects all the same still runs the (correctly compiled) bundle', async (t) => {
  const { paths, stamp } = fakeBuild(t);
  // Made by this process (flags match) for another source: V8 rejects it on the source hash.
  const cache = compileBundle('module.exports = { other: 1 };', paths.source).createCachedData();
  writeFileSync(paths.cache, cache);
  writeFileSync(paths.stamp, JSON.stringify({ ...stamp, cacheSize: cache.length }));
  assert.equal(compileBundle(readFileSync(paths.source, 'latin1'), paths.source, cache).cachedDataRejected, true);
  const cli = withCacheEnv(() => loadBundledCli([], paths));
  assert.ok(cli);
  assert.equal(await cli.main([]), 7);
});

test('loadBundledCli: other V8 flags in the cache header, --debug, ATOLL_DEBUG=1: dist/ modules', (t) => {
  const { paths, stamp } = fakeBuild(t);
  // fakeBuild's cache is zeros: not a header this V8 accepts.
  assert.equal(withCacheEnv(() => loadBundledCli([], paths)), null);
  const cache = compileBundle(readFileSync(paths.source, 'latin1'), paths.source).createCachedData();
  writeFileSync(paths.cache, cache);
  writeFileSync(paths.stamp, JSON.stringify({ ...stamp, cacheSize: cache.length }));
  assert.ok(withCacheEnv(() => loadBundledCli([], paths)));
  assert.equal(withCacheEnv(() => loadBundledCli(['repo', 'ls', '--debug'], paths)), null);
  assert.equal(
    withCacheEnv(() => {
      process.env.ATOLL_DEBUG = '1';
      return loadBundledCli([], paths);
    }),
    null,
  );
});
