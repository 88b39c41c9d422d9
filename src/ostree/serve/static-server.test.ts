import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { startRepoServer, parseRange, requestPathComponents, checkServableRepo } from './index.js';
import { isAtollError } from '../../errors/index.js';

function makeRepo(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'repo');
  mkdirSync(join(root, 'objects', 'ab'), { recursive: true });
  mkdirSync(join(root, 'refs', 'heads'), { recursive: true });
  writeFileSync(join(root, 'config'), '[core]\nrepo_version=1\nmode=archive-z2\n');
  writeFileSync(join(root, 'objects', 'ab', 'cdef.filez'), Buffer.from('0123456789'));
  writeFileSync(join(root, 'refs', 'heads', 'main'), `${'a'.repeat(64)}\n`);
  writeFileSync(join(root, '.lock'), '');
  writeFileSync(join(dir, 'secret'), 'outside');
  symlinkSync(join(dir, 'secret'), join(root, 'escape'));
  symlinkSync('../secret', join(root, 'refs', 'escape2'));
  symlinkSync('main', join(root, 'refs', 'heads', 'alias'));
  return root;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Raw paths (no URL normalisation by the client) so that `..` reaches the server.
    const target = new URL(url);
    const req = httpRequest({ host: target.hostname, port: target.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves files with validators, ranges and conditional requests', async (t) => {
  const root = makeRepo(t);
  const log: string[] = [];
  const server = await startRepoServer({ root, onRequest: (e) => log.push(`${e.method} ${e.path} ${e.status} ${e.bytes}`) });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

  const whole = await get(server.url, '/objects/ab/cdef.filez');
  assert.equal(whole.status, 200);
  assert.equal(whole.body.toString(), '0123456789');
  assert.equal(whole.headers['content-type'], 'application/octet-stream');
  assert.equal(whole.headers['accept-ranges'], 'bytes');
  assert.match(String(whole.headers['cache-control']), /immutable/);
  const etag = String(whole.headers.etag);
  const lastModified = String(whole.headers['last-modified']);

  const head = await get(server.url, '/objects/ab/cdef.filez', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '10');
  assert.equal(head.body.length, 0);

  assert.equal((await get(server.url, '/objects/ab/cdef.filez', { 'If-None-Match': etag })).status, 304);
  assert.equal((await get(server.url, '/objects/ab/cdef.filez', { 'If-None-Match': `W/${etag}` })).status, 304);
  assert.equal((await get(server.url, '/objects/ab/cdef.filez', { 'If-None-Match': '"other"' })).status, 200);
  assert.equal((await get(server.url, '/objects/ab/cdef.filez', { 'If-Modified-Since': lastModified })).status, 304);
  assert.equal((await get(server.url, '/objects/ab/cdef.filez', { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 200);

  const range = await get(server.url, '/objects/ab/cdef.filez', { Range: 'bytes=2-4' });
  assert.equal(range.status, 206);
  assert.equal(range.body.toString(), '234');
  assert.equal(range.headers['content-range'], 'bytes 2-4/10');
  const suffix = await get(server.url, '/objects/ab/cdef.filez', { Range: 'bytes=-3' });
  assert.equal(suffix.body.toString(), '789');
  const open = await get(server.url, '/objects/ab/cdef.filez', { Range: 'bytes=7-' });
  assert.equal(open.body.toString(), '789');
  const bad = await get(server.url, '/objects/ab/cdef.filez', { Range: 'bytes=10-' });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers['content-range'], 'bytes */10');
  const staleIfRange = await get(server.url, '/objects/ab/cdef.filez', { Range: 'bytes=2-4', 'If-Range': '"stale"' });
  assert.equal(staleIfRange.status, 200);
  assert.equal(staleIfRange.body.length, 10);

  const ref = await get(server.url, '/refs/heads/alias');
  assert.equal(ref.status, 200, 'a symlink that stays inside the repo is followed');
  assert.equal(ref.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal((await get(server.url, '/config?x=1')).status, 200);
  assert.ok(log.some((l) => l.startsWith('GET /objects/ab/cdef.filez 200 10')));
});

test('large files (streamed) and small ones (one read) come back whole and by range', async (t) => {
  const root = makeRepo(t);
  // Past the one-read limit (1 MiB): a static delta part, say.
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
  mkdirSync(join(root, 'deltas', 'ab'), { recursive: true });
  writeFileSync(join(root, 'deltas', 'ab', '0'), big);
  const server = await startRepoServer({ root });
  t.after(() => server.close());
  for (let round = 0; round < 2; round++) {
    const whole = await get(server.url, '/deltas/ab/0');
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(big));
    const middle = await get(server.url, '/deltas/ab/0', { Range: 'bytes=1048570-2097160' });
    assert.equal(middle.status, 206);
    assert.ok(middle.body.equals(big.subarray(1048570, 2097161)));
    const tail = await get(server.url, '/deltas/ab/0', { Range: 'bytes=-5' });
    assert.ok(tail.body.equals(big.subarray(big.length - 5)));
    const small = await get(server.url, '/objects/ab/cdef.filez', { Range: 'bytes=2-4' });
    assert.equal(small.body.toString(), '234');
  }
});

test('never serves directories, dot-files, or anything outside the repository', async (t) => {
  const root = makeRepo(t);
  const server = await startRepoServer({ root });
  t.after(() => server.close());
  for (const path of [
    '/', '/objects', '/objects/', '/refs/heads/', '/.lock', '/escape', '/refs/escape2', '/../secret', '/objects/../../secret',
    '/%2e%2e/secret', '/objects/%2e%2e/%2e%2e/secret', '/config%00', '/%zz', '/..%5csecret', '/missing',
  ]) {
    const reply = await get(server.url, path);
    assert.equal(reply.status, 404, path);
    assert.ok(!reply.body.toString().includes('outside'), path);
  }
  assert.equal((await get(server.url, '/config', {}, 'POST')).status, 405);
  assert.equal((await get(server.url, '/config', {}, 'PUT')).headers.allow, 'GET, HEAD');
});

test('keeps connections alive across requests', async (t) => {
  const root = makeRepo(t);
  const server = await startRepoServer({ root });
  t.after(() => server.close());
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const sockets = new Set<unknown>();
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${server.url}config`, { agent }, (res) => {
        sockets.add(res.socket);
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
  }
  assert.equal(sockets.size, 1);
});

test('parseRange and requestPathComponents', () => {
  assert.deepEqual(parseRange('bytes=0-0', 5), { start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=3-100', 5), { start: 3, end: 4 });
  assert.equal(parseRange('bytes=5-', 5), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,3-4', 5), undefined);
  assert.equal(parseRange('items=0-1', 5), undefined);
  assert.deepEqual(requestPathComponents('/objects//ab/./x.filez'), ['objects', 'ab', 'x.filez']);
  assert.equal(requestPathComponents('/a/../b'), undefined);
  assert.equal(requestPathComponents('http://evil/config'), undefined);
});

test('only archive repositories are servable', async (t) => {
  const root = makeRepo(t);
  await checkServableRepo(root);
  writeFileSync(join(root, 'config'), '[core]\nrepo_version=1\nmode=bare-user\n');
  await assert.rejects(checkServableRepo(root), (e) => isAtollError(e, 'SERVE_NOT_ARCHIVE'));
  await assert.rejects(checkServableRepo(join(root, 'nope')), (e) => isAtollError(e, 'SERVE_NO_REPO'));
});
