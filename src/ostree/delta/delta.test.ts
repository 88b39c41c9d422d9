import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';
import { encodeCommit, encodeDirTree, ObjectType, contentChecksum, type FileHeader } from '../objects/index.js';
import { bsdiff, bspatch } from './bsdiff.js';
import {
  DeltaOp,
  checksumToModifiedBase64,
  decodeSuperblock,
  deltaIndexPath,
  deltaRelativePath,
  encodePartPayload,
  encodeSuperblock,
  parseDeltaName,
  readVarUint,
  writeVarUint,
  decodePartPayload,
} from './delta-format.js';
import { executeDeltaPart, openDeltaPart, type DeltaObjectSink } from './execute-part.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('delta names use modified base64 as ostree writes them', () => {
  // From shared/docs/ostree-format.md §4.3 and a delta real ostree generated.
  const a = '1abd77e0' + '4c4ac12604f5c3b0e8a4a64c93de87e865b0240a86a0e8e612d0e3ab0bd4b4ebb'.slice(0, 56);
  assert.equal(checksumToModifiedBase64(a).slice(0, 2), 'Gr');
  const from = 'adb97fc26601597255d3de68cf706d50f2d374464d5879ffb72391e54f55eb6c';
  const to = 'a32c964b57ce97d52b0aaa8ff199b736768fcb942061e4f2f1df1c91d428943f';
  assert.equal(deltaRelativePath(undefined, from), 'deltas/rb/l_wmYBWXJV095oz3BtUPLTdEZNWHn_tyOR5U9V62w');
  assert.equal(deltaRelativePath(from, to, 'superblock'), 'deltas/rb/l_wmYBWXJV095oz3BtUPLTdEZNWHn_tyOR5U9V62w-oyyWS1fOl9UrCqqP8Zm3NnaPy5QgYeTy8d8ckdQolD8/superblock');
  assert.equal(deltaIndexPath(to), 'delta-indexes/oy/yWS1fOl9UrCqqP8Zm3NnaPy5QgYeTy8d8ckdQolD8.index');
  assert.deepEqual(parseDeltaName(`${from}-${to}`), { from, to });
  assert.throws(() => parseDeltaName('GARBAGE'), (e: unknown) => e instanceof AtollError && e.code === 'DELTA_BAD_NAME' && e.message === 'Invalid rev GARBAGE');
});

test('varints are LEB128', () => {
  for (const n of [0, 1, 127, 128, 300, 35672, 2 ** 40 + 5]) {
    const out: number[] = [];
    writeVarUint(out, n);
    assert.deepEqual(readVarUint(Uint8Array.from(out), 0), { value: n, next: out.length });
  }
  assert.deepEqual(Array.from((() => { const o: number[] = []; writeVarUint(o, 35672); return o; })()), [0xd8, 0x96, 0x02]);
  assert.equal(readVarUint(Uint8Array.from([0x80, 0x80]), 0), undefined);
});

test('bsdiff patches apply with bspatch, and bad patches are coded errors', () => {
  const old = createHash('sha512').update('seed').digest();
  const blocks: Buffer[] = [];
  for (let k = 0; k < 80; k++) blocks.push(createHash('sha512').update(`block ${k}`).digest());
  const oldData = Buffer.concat([old, ...blocks]);
  const neu = Buffer.concat([Buffer.from('aheader\n'), oldData.subarray(0, 3000), Buffer.from('middle'), oldData.subarray(3100)]);
  const patch = bsdiff(oldData, neu);
  // Matched regions become zero bytes in the diff string: the patch compresses to little.
  assert.ok(patch.filter((b) => b !== 0).length < 200);
  assert.deepEqual(Buffer.from(bspatch(oldData, patch, neu.length)), neu);
  assert.deepEqual(Buffer.from(bspatch(new Uint8Array(0), bsdiff(new Uint8Array(0), neu), neu.length)), neu);
  assert.throws(() => bspatch(oldData, patch.subarray(0, 30), neu.length), (e: unknown) => e instanceof AtollError && e.code === 'DELTA_CORRUPT');
});

function memorySink(): DeltaObjectSink & { written: Map<string, unknown> } {
  const written = new Map<string, unknown>();
  return {
    written,
    has: async (c) => written.has(c),
    writeMetadata: async (_t, c, b) => void written.set(c, b),
    writeContent: async (c, h, d) => void written.set(c, { h, d }),
    readContentData: async () => {
      throw new Error('no sources');
    },
  };
}

test('a part runs open-splice-and-close for metadata and content, and refuses corrupt objects', async () => {
  const dirtree = encodeDirTree({ files: [], dirs: [] });
  const header: FileHeader = { uid: 0, gid: 0, mode: 0o100644, rdev: 0, symlinkTarget: '', xattrs: [] };
  const data = Buffer.from('hello\n');
  const fileSum = contentChecksum(header, data);
  const ops: number[] = [DeltaOp.OpenSpliceAndClose];
  writeVarUint(ops, dirtree.length);
  writeVarUint(ops, 0);
  ops.push(DeltaOp.OpenSpliceAndClose);
  for (const v of [0, 0, data.length, dirtree.length]) writeVarUint(ops, v);
  const payload = encodePartPayload({ modes: [{ uid: 0, gid: 0, mode: 0o100644 }], xattrs: [[]], blob: Buffer.concat([dirtree, data]), ops: Uint8Array.from(ops) });
  const file = Buffer.concat([Buffer.from([0]), payload]);
  const objects = [{ type: ObjectType.DirTree, checksum: sha(dirtree) }, { type: ObjectType.File, checksum: fileSum }];
  const sink = memorySink();
  await executeDeltaPart(sink, { objects }, await openDeltaPart(file, sha(file), 'part 0'), 'part 0');
  assert.equal(sink.written.size, 2);
  assert.deepEqual(decodePartPayload(payload, 'p').modes, [{ uid: 0, gid: 0, mode: 0o100644 }]);
  // A part whose bytes do not match its header checksum is refused before anything runs.
  await assert.rejects(openDeltaPart(file, sha(Buffer.from('x')), 'part 0'), (e: unknown) => e instanceof AtollError && e.code === 'DELTA_CHECKSUM');
  // An object that does not hash to the name the header gives it is never written.
  const wrong = [objects[0]!, { type: ObjectType.File, checksum: sha(Buffer.from('other')) }];
  const sink2 = memorySink();
  await assert.rejects(executeDeltaPart(sink2, { objects: wrong }, decodePartPayload(payload, 'p'), 'part 0'), (e: unknown) => e instanceof AtollError && e.code === 'DELTA_CHECKSUM');
  assert.equal(sink2.written.has(wrong[1]!.checksum), false);
});

test('superblocks round-trip in both byte orders', () => {
  const commitBytes = encodeCommit({ metadata: new Map(), parent: null, related: [], subject: 's', body: '', timestamp: 1700000000n, rootTree: 'a'.repeat(64), rootMeta: 'b'.repeat(64) });
  const to = sha(commitBytes);
  for (const bigEndian of [false, true]) {
    const bytes = encodeSuperblock({
      metadata: new Map([['ostree.endianness', { type: 'y', value: bigEndian ? 0x42 : 0x6c }]]),
      timestamp: 1795776376n,
      from: undefined,
      to,
      commitBytes,
      parts: [{ version: 0, checksum: 'c'.repeat(64), size: 713, usize: 1602960, objects: [{ type: 2, checksum: 'd'.repeat(64) }] }],
      fallbacks: [{ type: 1, checksum: 'e'.repeat(64), size: 21343, usize: 21851648 }],
      bigEndian,
    });
    const sb = decodeSuperblock(bytes);
    assert.equal(sb.endianness, bigEndian ? 'big' : 'little');
    assert.equal(sb.timestamp, 1795776376n);
    assert.equal(sb.parts[0]!.size, 713);
    assert.equal(sb.parts[0]!.usize, 1602960);
    assert.equal(sb.fallbacks[0]!.usize, 21851648);
    assert.equal(sb.to, to);
  }
});

test('rollsum-style operations write from the read source and the payload', async () => {
  const header: FileHeader = { uid: 0, gid: 0, mode: 0o100755, rdev: 0, symlinkTarget: '', xattrs: [] };
  const source = Buffer.from('0123456789abcdefghij');
  const target = Buffer.concat([source.subarray(10, 20), Buffer.from('NEW'), source.subarray(0, 5)]);
  const sourceSum = 'f'.repeat(64);
  const targetSum = contentChecksum(header, target);
  const blob = Buffer.concat([Buffer.from(sourceSum, 'hex'), Buffer.from('NEW')]);
  const ops: number[] = [DeltaOp.SetReadSource];
  writeVarUint(ops, 0);
  ops.push(DeltaOp.Open);
  for (const v of [0, 0, target.length]) writeVarUint(ops, v);
  ops.push(DeltaOp.Write);
  writeVarUint(ops, 10);
  writeVarUint(ops, 10);
  ops.push(DeltaOp.UnsetReadSource, DeltaOp.Write);
  writeVarUint(ops, 3);
  writeVarUint(ops, 32);
  ops.push(DeltaOp.SetReadSource);
  writeVarUint(ops, 0);
  ops.push(DeltaOp.Write);
  writeVarUint(ops, 5);
  writeVarUint(ops, 0);
  ops.push(DeltaOp.Close, DeltaOp.UnsetReadSource);
  const written = new Map<string, Uint8Array>();
  const sink: DeltaObjectSink = {
    has: async (c) => written.has(c),
    writeMetadata: async () => undefined,
    writeContent: async (c, _h, d) => void written.set(c, d),
    readContentData: async (c) => {
      assert.equal(c, sourceSum);
      return source;
    },
  };
  const part = { modes: [{ uid: 0, gid: 0, mode: 0o100755 }], xattrs: [[]], blob, ops: Uint8Array.from(ops) };
  await executeDeltaPart(sink, { objects: [{ type: ObjectType.File, checksum: targetSum }] }, part, 'part 0');
  assert.deepEqual(Buffer.from(written.get(targetSum)!), target);
});
