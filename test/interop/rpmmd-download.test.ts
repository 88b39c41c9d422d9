// Downloads and cache over loopback HTTP with failures injected on purpose (test/helpers/http-server.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, truncateSync } from 'node:fs';
import { join, basename } from 'node:path';
import { createHash } from 'node:crypto';
import { tempDir, requireTool } from '../helpers/env.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { spawn } from 'node:child_process';
import { atollBin, type Ran } from '../helpers/run.js';

/** The CLI as a child process without blocking this process (the test server runs here). */
function atoll(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [atollBin, '--progress=none', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? 1, stdout, stderr }));
  });
}
import { RecordingReporter } from '../../src/report/index.js';
import { fixturePackageSet, writeFixturePackages } from '../../src/rpm/index.js';
import { createRepo, openRepo, downloadPackages, Transport, type RepoSource } from '../../src/rpmmd/index.js';

async function makeRepo(t: import('node:test').TestContext, count = 6): Promise<string> {
  const dir = tempDir(t, 'atoll-repo-');
  await writeFixturePackages(dir, fixturePackageSet({ count, seed: 3, files: 4 }));
  await createRepo(dir, { revision: '1', setTimestampToRevision: true });
  return dir;
}

async function servers(t: import('node:test').TestContext, root: string, n: number): Promise<TestHttpServer[]> {
  const list = await Promise.all(Array.from({ length: n }, () => startHttpServer(root)));
  t.after(async () => {
    for (const s of list) await s.close();
  });
  return list;
}

const source = (...urls: string[]): RepoSource => ({ id: 'test', baseurls: urls, mirrorlist: null, metalink: null });
const fast = { retries: 2, backoffMs: 1 };
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const leftovers = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.part') || f.startsWith('.')) : []);

test('404 on the first mirror: metadata and packages come from the second, verified', async (t) => {
  const root = await makeRepo(t);
  const [a, b] = await servers(t, root, 2);
  a!.setBehavior(() => ({ kind: 'status', status: 404 }));
  const cacheRoot = tempDir(t);
  const reporter = new RecordingReporter();
  const repo = await openRepo(source(a!.url, b!.url), { cacheRoot, reporter, ...fast });
  assert.equal(repo.packages.length, 6);
  const dest = tempDir(t);
  const results = await downloadPackages(repo, repo.packages, { destDir: dest, parallel: 3, ...fast });
  for (const r of results) {
    assert.equal(sha256(r.path), r.pkg.pkgid);
    assert.equal(r.url?.startsWith(b!.url), true);
  }
  assert.deepEqual(leftovers(dest), []);
  assert.equal(a!.requests.filter((r) => r.path.endsWith('.rpm')).length, 0, 'the mirror that failed repomd.xml goes last');
  const progress = reporter.events.flatMap((e) => (e.type === 'progress' && e.phase.includes('downloading packages') ? [e] : []));
  assert.equal(progress.at(-1)?.done, 6);
  assert.ok((progress.at(-1)?.bytes ?? 0) > 0);
  // Everything verified is reused: a second call downloads nothing.
  const again = await downloadPackages(repo, repo.packages, { destDir: dest, ...fast });
  assert.ok(again.every((r) => r.url === null));
});

test('truncated bodies: retried with a Range request and resumed in the same run', async (t) => {
  const root = await makeRepo(t);
  const [s] = await servers(t, root, 1);
  s!.setBehavior((path, count) => (path.endsWith('.rpm') && count === 0 ? { kind: 'truncate', bytes: 1000 } : { kind: 'ok' }));
  const repo = await openRepo(source(s!.url), { cacheRoot: tempDir(t), ...fast });
  const dest = tempDir(t);
  const results = await downloadPackages(repo, repo.packages, { destDir: dest, ...fast });
  for (const r of results) assert.equal(sha256(r.path), r.pkg.pkgid);
  const ranged = s!.requests.filter((r) => r.path.endsWith('.rpm') && r.range === 'bytes=1000-');
  assert.equal(ranged.length, repo.packages.length);
  assert.deepEqual(leftovers(dest), []);
});

test('truncated with no retries: coded error, partial kept, second run resumes and verifies', async (t) => {
  const root = await makeRepo(t, 2);
  const [s] = await servers(t, root, 1);
  const repo = await openRepo(source(s!.url), { cacheRoot: tempDir(t), ...fast });
  const pkg = repo.packages[0]!;
  s!.setBehavior((path) => (path.endsWith('.rpm') ? { kind: 'truncate', bytes: 777 } : { kind: 'ok' }));
  const dest = tempDir(t);
  await assert.rejects(downloadPackages(repo, [pkg], { destDir: dest, retries: 0 }), (e: Error & { code?: string }) => e.code === 'RPMMD_DOWNLOAD_FAILED' && e.message.includes(pkg.name));
  const part = join(dest, `${basename(pkg.locationHref)}.part`);
  assert.equal(statSync(part).size, 777);
  assert.ok(!existsSync(join(dest, basename(pkg.locationHref))));
  s!.setBehavior(() => ({ kind: 'ok' }));
  const [r] = await downloadPackages(repo, [pkg], { destDir: dest, retries: 0 });
  assert.equal(sha256(r!.path), pkg.pkgid);
  assert.equal(s!.requests.at(-1)?.range, 'bytes=777-');
  assert.deepEqual(leftovers(dest), []);
});

test('corrupted bytes: the next mirror is used; corrupt everywhere is RPMMD_PACKAGE_CHECKSUM_MISMATCH naming package and mirror, nothing left', async (t) => {
  const root = await makeRepo(t, 3);
  const [a, b] = await servers(t, root, 2);
  const repo = await openRepo(source(a!.url, b!.url), { cacheRoot: tempDir(t), ...fast });
  a!.setBehavior((path) => (path.endsWith('.rpm') ? { kind: 'corrupt' } : { kind: 'ok' }));
  const dest = tempDir(t);
  const results = await downloadPackages(repo, repo.packages, { destDir: dest, ...fast });
  for (const r of results) {
    assert.equal(sha256(r.path), r.pkg.pkgid);
    assert.ok(r.url?.startsWith(b!.url));
  }
  b!.setBehavior((path) => (path.endsWith('.rpm') ? { kind: 'corrupt' } : { kind: 'ok' }));
  const dest2 = tempDir(t);
  const pkg = repo.packages[1]!;
  await assert.rejects(downloadPackages(repo, [pkg], { destDir: dest2, ...fast }), (e: Error & { code?: string; data?: Record<string, unknown> }) => {
    assert.equal(e.code, 'RPMMD_PACKAGE_CHECKSUM_MISMATCH');
    assert.match(e.message, new RegExp(pkg.name));
    assert.ok(String(e.data?.mirror).startsWith(b!.url));
    return true;
  });
  assert.deepEqual(readdirSync(dest2), []);
});

test('slow responses complete; a corrupt primary is refused and never cached', async (t) => {
  const root = await makeRepo(t, 2);
  const [s] = await servers(t, root, 1);
  s!.setBehavior(() => ({ kind: 'slow', ms: 150 }));
  const cacheRoot = tempDir(t);
  const repo = await openRepo(source(s!.url), { cacheRoot, ...fast });
  const [r] = await downloadPackages(repo, [repo.packages[0]!], { destDir: tempDir(t), ...fast });
  assert.equal(sha256(r!.path), repo.packages[0]!.pkgid);

  const [bad] = await servers(t, root, 1);
  bad!.setBehavior((path) => (path.includes('-primary.xml') ? { kind: 'corrupt' } : { kind: 'ok' }));
  const cache2 = tempDir(t);
  await assert.rejects(openRepo(source(bad!.url), { cacheRoot: cache2, ...fast }), (e: Error & { code?: string }) => e.code === 'RPMMD_METADATA_CHECKSUM_MISMATCH' && /primary/.test(e.message));
  const dirs = readdirSync(join(cache2, 'rpmmd'));
  assert.equal(dirs.length, 1);
  const repoDir = join(cache2, 'rpmmd', dirs[0]!);
  assert.ok(!existsSync(join(repoDir, 'primary.bin')));
  assert.deepEqual(readdirSync(join(repoDir, 'repodata')), []);
});

test('cache: metadata_expire, unchanged repomd reuse, changed repomd, damaged primary cache', async (t) => {
  const root = await makeRepo(t, 3);
  const [s] = await servers(t, root, 1);
  const cacheRoot = tempDir(t);
  let now = 1_000_000_000_000;
  const opts = { cacheRoot, now: () => now, ...fast };
  const src = { ...source(s!.url), metadataExpire: 3600 };
  const first = await openRepo(src, opts);
  assert.equal(first.fromCache, false);
  const before = s!.requests.length;
  // Fresh: no network at all.
  const second = await openRepo(src, opts);
  assert.equal(second.fromCache, true);
  assert.equal(s!.requests.length, before);
  // Expired but unchanged: only repomd.xml is fetched, the parsed cache is reused.
  now += 3601 * 1000;
  const third = await openRepo(src, opts);
  assert.equal(third.fromCache, true);
  assert.deepEqual(s!.requests.slice(before).map((r) => r.path), ['/repodata/repomd.xml']);
  // A new generation: more packages show up after expiry.
  await writeFixturePackages(root, fixturePackageSet({ count: 5, seed: 3, files: 4 }));
  await createRepo(root, { revision: '2' });
  assert.equal((await openRepo(src, opts)).packages.length, 3, 'still fresh');
  now += 3601 * 1000;
  const fourth = await openRepo(src, opts);
  assert.equal(fourth.packages.length, 5);
  assert.equal(fourth.fromCache, false);
  // The previous generation's metadata files are gone from the cache.
  const cached = readdirSync(join(fourth.cacheDir, 'repodata'));
  assert.deepEqual(cached, readdirSync(join(root, 'repodata')).filter((f) => cached.includes(f)));
  assert.ok(cached.every((f) => existsSync(join(root, 'repodata', f))));
  // A damaged binary cache is ignored, not trusted.
  const bin = join(fourth.cacheDir, 'primary.bin');
  truncateSync(bin, Math.floor(statSync(bin).size / 2));
  const fifth = await openRepo(src, opts);
  assert.equal(fifth.fromCache, false);
  assert.deepEqual(fifth.packages, fourth.packages);
  // The server is gone: the cache still answers while fresh, and cacheOnly never asks.
  await s!.close();
  assert.equal((await openRepo(src, { ...opts, cacheOnly: true })).packages.length, 5);
  await assert.rejects(openRepo({ ...src, id: 'other' }, { ...opts, cacheOnly: true }), (e: Error & { code?: string }) => e.code === 'RPMMD_CACHE_MISSING');
});

test('mirrorlist and metalink: stale mirror (hash mismatch) skipped, file lists loaded on demand', async (t) => {
  const root = await makeRepo(t, 3);
  const [stale, good, meta] = await servers(t, root, 3);
  const otherRoot = await makeRepo(t, 1);
  const [old] = await servers(t, otherRoot, 1);
  const repomd = readFileSync(join(root, 'repodata', 'repomd.xml'));
  const hash = createHash('sha256').update(repomd).digest('hex');
  const metaDir = tempDir(t);
  writeFileSync(join(metaDir, 'metalink'), `<?xml version="1.0"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/" xmlns:mm0="http://fedorahosted.org/mirrormanager">
 <files><file name="repomd.xml"><size>${repomd.length}</size>
  <verification><hash type="md5">00</hash><hash type="sha256">${hash}</hash></verification>
  <resources><url protocol="http" type="http" preference="100">${old!.url}repodata/repomd.xml</url>
   <url protocol="http" type="http" preference="90">${good!.url}repodata/repomd.xml</url></resources>
 </file></files></metalink>`);
  writeFileSync(join(metaDir, 'mirrorlist'), `# comment\n\n  ${stale!.url}\nnot-a-url\n${good!.url}\n`);
  const [ms] = await servers(t, metaDir, 1);
  void meta;
  const repo = await openRepo({ id: 'ml', baseurls: [], mirrorlist: null, metalink: `${ms!.url}metalink` }, { cacheRoot: tempDir(t), ...fast });
  assert.equal(repo.packages.length, 3);
  assert.equal(repo.mirrors[0], good!.url);
  stale!.setBehavior(() => ({ kind: 'status', status: 500 }));
  const viaList = await openRepo({ id: 'mlist', baseurls: [], mirrorlist: `${ms!.url}mirrorlist`, metalink: null }, { cacheRoot: tempDir(t), ...fast });
  assert.equal(viaList.mirrors[0], good!.url);
  assert.ok(viaList.packages.every((p) => !p.filelistsLoaded));
  await viaList.loadFilelists();
  assert.ok(viaList.packages.every((p) => p.filelistsLoaded && p.files.some((f) => f.path.startsWith('/usr/share/'))));
});

test('atoll rpm-repo query/download over HTTP (CLI)', async (t) => {
  if (!requireTool(t, process.execPath)) return;
  const root = await makeRepo(t, 4);
  const [s] = await servers(t, root, 1);
  const cache = tempDir(t);
  const list = await atoll(['rpm-repo', 'query', '--repofrompath', `web,${s!.url}`, '--cachedir', cache, '--list']);
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n'), ['pkg-0000', 'pkg-0001', 'pkg-0002', 'pkg-0003'].map((n) => list.stdout.split('\n').find((l) => l.startsWith(`${n}-`))));
  const json = await atoll(['rpm-repo', 'query', '--repofrompath', `web,${s!.url}`, '--cachedir', cache, '--whatprovides', 'pkg-0001-virtual', '--json']);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual((JSON.parse(json.stdout) as Array<{ name: string }>).map((p) => p.name), ['pkg-0001']);
  const dest = tempDir(t);
  const dl = await atoll(['rpm-repo', 'download', '--repofrompath', `web,${s!.url}`, '--cachedir', cache, '--destdir', dest, 'pkg-0002']);
  assert.equal(dl.status, 0, dl.stderr);
  assert.equal(readdirSync(dest).length, 1);
  const missing = await atoll(['rpm-repo', 'download', '--repofrompath', `web,${s!.url}`, '--cachedir', cache, '--destdir', dest, 'nope']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no package matches nope/);
  const usage = await atoll(['rpm-repo', 'query', '--repofrompath', 'nocomma']);
  assert.equal(usage.status, 2);
  void Transport;
});
