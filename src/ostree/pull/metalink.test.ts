import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkMetalinkTarget, fetchMetalinkTarget, parseMetalink } from './metalink.js';
import { isAtollError } from '../../errors/index.js';

const summary = Buffer.from('a summary');
const sha = (algorithm: string, bytes: Uint8Array): string => createHash(algorithm).update(bytes).digest('hex');

/** The document test-pull-metalink.sh builds (its indentation decides the error positions). */
function doc(verification: string[], urls: string[]): string {
  const file = [
    '<file name="summary">',
    `      <size>${summary.length}</size>`,
    '      <verification>',
    ...verification,
    '      </verification>',
    '      <resources maxconnections="1">',
    ...urls,
    '      </resources>',
    '    </file>',
  ];
  return `<?xml version="1.0" encoding="utf-8"?>\n<metalink version="3.0" xmlns="http://www.metalinker.org/">\n  <files>\n    ${file.join('\n')}\n  </files>\n</metalink>\n`;
}
const hashes = [
  `        <hash type="md5">${sha('md5', summary)}</hash>`,
  `        <hash type="sha256">${sha('sha256', summary)}</hash>`,
  `        <hash type="sha512">${sha('sha512', summary)}</hash>`,
];
const urls = [
  '        <url protocol="http" type="http" location="US" preference="100" >http://127.0.0.1:1/repo/summary.bad</url>',
  '        <url protocol="ftp" type="ftp" location="US" preference="99" >ftp://127.0.0.1:1/repo/summary</url>',
  '        <url protocol="http" type="http" location="US" preference="98" >http://127.0.0.1:1/repo/summary</url>',
];

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(isAtollError(error, 'PULL_METALINK'), String(error));
    return (error as Error).message;
  }
  assert.fail('no error');
};

test('parseMetalink reads size, known hashes and the http(s) URLs in document order', () => {
  const metalink = parseMetalink(doc(hashes, urls));
  assert.equal(metalink.size, summary.length);
  assert.equal(metalink.sha256, sha('sha256', summary));
  assert.equal(metalink.sha512, sha('sha512', summary));
  assert.deepEqual(metalink.urls, ['http://127.0.0.1:1/repo/summary.bad', 'http://127.0.0.1:1/repo/summary']);
  // Unknown elements anywhere are skipped with everything inside them.
  const nested = doc(hashes, urls).replace('<files>', '<deeply><nested><files><file name="summary"><size>1</size></file></files></nested></deeply>\n  <files>');
  assert.deepEqual(parseMetalink(nested).urls, metalink.urls);
});

test("parseMetalink fails with OSTree's messages (positions as GMarkup reports them)", () => {
  assert.equal(message(() => parseMetalink('bacon\n')), 'Error on line 1 char 1: Document must begin with an element (e.g. <book>)');
  // test-pull-metalink.sh's "no verify" document: ostree says "line 10 char 75" (after the first <url ...>).
  assert.equal(message(() => parseMetalink(doc(hashes.slice(0, 1), urls))), 'Error on line 10 char 75: No <verification> element with known <hash type=> found');
  assert.equal(message(() => parseMetalink(doc([hashes[0] as string, hashes[1] as string, '        <hash type="sha512">bacon</hash>'], urls))), 'Invalid hash digest for sha512');
  assert.equal(message(() => parseMetalink(doc(hashes, []))), "No <url method='http'> elements found");
  assert.match(message(() => parseMetalink('<metalink><files>')), /^Error on line 1 char \d+: Document ended unexpectedly/);
});

test('a metalink target must have the declared size and hashes; the last failure is reported', async () => {
  const metalink = parseMetalink(doc(hashes, urls));
  assert.equal(checkMetalinkTarget(metalink, Buffer.from('moo')), `Expected size is ${summary.length} bytes but content is 3 bytes`);
  const other = Buffer.from('b summary');
  assert.equal(checkMetalinkTarget(metalink, other), `Expected checksum is ${sha('sha256', summary)} but actual is ${sha('sha256', other)}`);
  const served = new Map([['http://127.0.0.1:1/repo/summary.bad', Buffer.from('broken')], ['http://127.0.0.1:1/repo/summary', summary]]);
  const found = await fetchMetalinkTarget(metalink, (url) => Promise.resolve(served.get(url.href)));
  assert.equal(found.url.href, 'http://127.0.0.1:1/repo/summary');
  served.set('http://127.0.0.1:1/repo/summary', Buffer.from('moo'));
  await assert.rejects(fetchMetalinkTarget(metalink, (url) => Promise.resolve(served.get(url.href))), (e) => isAtollError(e, 'PULL_METALINK') && (e as Error).message === `Exhausted 2 metalink targets, last error: Expected size is ${summary.length} bytes but content is 3 bytes`);
});
