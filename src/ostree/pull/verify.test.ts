import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { verifyArchiveContent, verifyDirTree, verifyDirMeta } from './verify.js';
import { encodeArchiveHeader, contentChecksum, encodeDirMeta, sha256Hex } from '../objects/index.js';
import { isAtollError } from '../../errors/index.js';

const hello = { uid: 0, gid: 0, mode: 0o100644, xattrs: [] };
// Golden vector G4 of the shared spec: "hello\n", 0644, 0:0.
const G4 = '44f778e59f0a4748d6b0c90a47347212a231c4ad1e8f7ea5c5dffc7749153a6b';

test('a .filez is accepted only when its inflated content re-hashes to its name', async () => {
  const data = Buffer.from('hello\n');
  assert.equal(contentChecksum(hello, data), G4);
  const filez = Buffer.concat([encodeArchiveHeader(hello, data.length), deflateRawSync(data)]);
  const ok = await verifyArchiveContent(G4, filez);
  assert.equal(Buffer.from(ok.data).toString(), 'hello\n');
  const bad = (bytes: Uint8Array): Promise<unknown> => verifyArchiveContent(G4, bytes);
  const code = (e: unknown): boolean => isAtollError(e, 'PULL_CORRUPT_OBJECT') && (e as Error).message.includes(G4);
  await assert.rejects(bad(Buffer.concat([encodeArchiveHeader(hello, 6), deflateRawSync(Buffer.from('hellO\n'))])), code);
  await assert.rejects(bad(Buffer.concat([encodeArchiveHeader(hello, 7), deflateRawSync(Buffer.from('hello\n!'))])), code);
  await assert.rejects(bad(Buffer.concat([encodeArchiveHeader(hello, 6), deflateRawSync(data).subarray(0, 3)])), code);
  await assert.rejects(bad(filez.subarray(0, 10)), code);
  await assert.rejects(bad(Buffer.concat([encodeArchiveHeader({ ...hello, mode: 0o100755 }, 6), deflateRawSync(data)])), code);
});

test('metadata objects must hash to their name and decode as their type', () => {
  const meta = encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] });
  const sum = sha256Hex(meta);
  verifyDirMeta(sum, meta);
  assert.throws(() => verifyDirMeta(sum.replace(/^./, '0'), meta), (e) => isAtollError(e, 'PULL_CORRUPT_OBJECT'));
  // The right hash of bytes that are not a dirtree.
  const junk = Buffer.from([1, 2, 3]);
  assert.throws(() => verifyDirTree(sha256Hex(junk), junk), (e) => isAtollError(e, 'PULL_CORRUPT_OBJECT'));
  assert.deepEqual(verifyDirTree('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', Buffer.from([0])), { files: [], dirs: [] });
});
