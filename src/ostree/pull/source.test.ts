import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSource, sourceForUrl, DirectorySource } from './source.js';
import { isAtollError } from '../../errors/index.js';

async function server(t: import('node:test').TestContext, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/repo`;
}

test('404 is absence; 5xx and broken connections are retried; other statuses fail', async (t) => {
  const hits = new Map<string, number>();
  const url = await server(t, (req, res) => {
    const n = (hits.get(req.url ?? '') ?? 0) + 1;
    hits.set(req.url ?? '', n);
    if (req.url === '/repo/flaky' && n <= 2) return void res.writeHead(503).end();
    if (req.url === '/repo/reset' && n <= 1) {
      res.writeHead(200, { 'Content-Length': 100 });
      res.write('partial');
      return void res.destroy();
    }
    if (req.url === '/repo/forbidden') return void res.writeHead(403).end();
    if (req.url === '/repo/missing') return void res.writeHead(404).end();
    if (req.url === '/repo/big') return void res.writeHead(200).end(Buffer.alloc(5000));
    res.writeHead(200).end(`body of ${req.url}`);
  });
  const source = new HttpSource({ url, retries: 3 });
  t.after(() => source.close());
  assert.equal(await source.get('missing'), undefined);
  assert.equal(Buffer.from((await source.get('flaky')) as Uint8Array).toString(), 'body of /repo/flaky');
  assert.equal(hits.get('/repo/flaky'), 3);
  assert.equal(Buffer.from((await source.get('reset')) as Uint8Array).toString(), 'body of /repo/reset');
  await assert.rejects(source.get('forbidden'), (e) => isAtollError(e, 'PULL_HTTP_STATUS'));
  await assert.rejects(source.get('big', { maxSize: 100 }), (e) => isAtollError(e, 'PULL_OBJECT_TOO_LARGE'));
  assert.ok(source.bytesTransferred > 0);
});

test('URL schemes as OSTree accepts them', () => {
  assert.ok(sourceForUrl('file:///srv/repo') instanceof DirectorySource);
  assert.ok(sourceForUrl('https://example.com/repo') instanceof HttpSource);
  assert.throws(() => sourceForUrl('ftp://x/'), (e) => isAtollError(e, 'PULL_UNSUPPORTED_URL'));
  assert.throws(() => sourceForUrl('metalink=https://x/ml'), (e) => isAtollError(e, 'PULL_UNSUPPORTED_URL'));
});

test('URL credentials become basic auth; extra headers, User-Agent and matching cookies are sent', async (t) => {
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  const url = await server(t, (req, res) => {
    seen.push(req.headers);
    res.writeHead(200).end('x');
  });
  const withCreds = url.replace('http://', 'http://foouser:bar%20pw@');
  const source = new HttpSource({
    url: withCreds,
    headers: [['Foo', 'bar']],
    userAgent: 'libostree/2022.7 dodo/2.15',
    cookies: [
      { domain: '127.0.0.1', path: '/', secure: false, expires: 0, name: 'a', value: '1' },
      { domain: 'example.com', path: '/', secure: false, expires: 0, name: 'b', value: '2' },
      { domain: '127.0.0.1', path: '/other', secure: false, expires: 0, name: 'c', value: '3' },
    ],
  });
  t.after(() => source.close());
  assert.deepEqual(Buffer.from((await source.get('config'))!).toString(), 'x');
  const h = seen[0]!;
  assert.equal(h.authorization, `Basic ${Buffer.from('foouser:bar pw').toString('base64')}`);
  assert.equal(h.foo, 'bar');
  assert.equal(h['user-agent'], 'libostree/2022.7 dodo/2.15');
  assert.equal(h.cookie, 'a=1');
  assert.ok(!source.description.includes('foouser'), 'credentials are not shown in messages');
});

test('a body cut short is resumed with a Range request; a server that never completes it fails with "Download incomplete"', async (t) => {
  const body = Buffer.from('0123456789'.repeat(10));
  const ranges: string[] = [];
  const url = await server(t, (req, res) => {
    const range = req.headers.range;
    if (req.url === '/repo/cut' && range !== undefined) {
      ranges.push(`${range} ${req.headers['if-range'] ?? ''}`);
      const start = Number(/^bytes=(\d+)-$/.exec(range)?.[1]);
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': body.length - start, ETag: '"v1"' });
      return void res.end(body.subarray(start));
    }
    // Like ostree-trivial-httpd --force-range-requests: half of the file, then the connection closes.
    res.writeHead(200, { 'Content-Length': body.length, ETag: '"v1"' });
    res.write(body.subarray(0, 40), () => setTimeout(() => res.destroy(), 20));
  });
  const source = new HttpSource({ url, retries: 2 });
  t.after(() => source.close());
  assert.deepEqual(Buffer.from((await source.get('cut')) as Uint8Array), body);
  assert.deepEqual(ranges, ['bytes=40- "v1"']);
  await assert.rejects(source.get('never'), (e) => isAtollError(e, 'PULL_HTTP_FAILED') && /Download incomplete/.test((e as Error).message));
});

test('mirrors: each file is tried on the mirrors in order, a 404 included; the last answer stands', async (t) => {
  const url = await server(t, (req, res) => {
    if (req.url === '/m1/a' || req.url === '/m2/a') return void res.writeHead(404).end();
    if (req.url === '/m1/b') return void res.writeHead(500).end();
    if (req.url?.startsWith('/m2/') || req.url?.startsWith('/m3/')) return void res.writeHead(200).end(req.url);
    res.writeHead(404).end();
  });
  const base = url.replace(/\/repo$/, '');
  const source = new HttpSource({ url: `${base}/m1`, retries: 0 });
  t.after(() => source.close());
  source.setMirrors([`${base}/m1`, `${base}/m2`, `${base}/m3`], 'url');
  assert.equal(Buffer.from((await source.get('a')) as Uint8Array).toString(), '/m3/a');
  assert.equal(Buffer.from((await source.get('b', { contentUrl: true })) as Uint8Array).toString(), '/m2/b');
  source.setMirrors([`${base}/m1`], 'url');
  assert.equal(await source.get('a'), undefined);
});
