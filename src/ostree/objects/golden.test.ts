// Golden vectors G1–G14 of the shared spec (ostree-format.md §8, §3.8): produced by real ostree 2022.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_DIRTREE_CHECKSUM, encodeDirTree, decodeDirTree, encodeDirMeta, decodeDirMeta, dirMetaChecksum, contentChecksum,
  encodeContentStreamHeader, encodeArchiveHeader, decodeArchiveHeader, encodeFileHeader, encodeCommit, decodeCommit,
  commitChecksum, commitContentChecksum, metadataChecksum, sha256Hex, encodeCommitMeta, ContentHasher, decodeContentStreamHeader,
  type FileHeader,
} from './index.js';
import { variant } from '../../gvariant/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const G1 = '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d';
const G2 = '446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488';
const G4 = '44f778e59f0a4748d6b0c90a47347212a231c4ad1e8f7ea5c5dffc7749153a6b';
const G8 = '73baaba0102e9154b8522687d33eedb8ed1bc78eadb82428b2616144ec502934';
const G12 = 'd00c554ae45c273dc065c848a79a2c8824dee14937ee6df9cf11735f9cc2fa9a';
const G13 = '1abd77e04602b043ee5f0e92129c93de87e196c0902946a839853a874bfd493b';

const file = (mode: number, uid = 0, gid = 0, xattrs: FileHeader['xattrs'] = []): FileHeader => ({ uid, gid, mode, xattrs });
const link = (target: string, uid = 0, gid = 0): FileHeader => ({ uid, gid, mode: 0o120777, symlinkTarget: target, xattrs: [] });

test('G1: empty dirtree', () => {
  const bytes = encodeDirTree({ files: [], dirs: [] });
  assert.equal(hex(bytes), '00');
  assert.equal(metadataChecksum(bytes), G1);
  assert.equal(EMPTY_DIRTREE_CHECKSUM, G1);
  assert.deepEqual(decodeDirTree(bytes), { files: [], dirs: [] });
});

test('G2, G3: dirmeta', () => {
  const bytes = encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [] });
  assert.equal(hex(bytes), '00000000000000000000' + '41ed');
  assert.equal(metadataChecksum(bytes), G2);
  assert.deepEqual(decodeDirMeta(bytes), { uid: 0, gid: 0, mode: 0o40755, xattrs: [] });
  assert.equal(dirMetaChecksum({ uid: 1000, gid: 1000, mode: 0o40700, xattrs: [] }), '1bafaf47d4bd514f4673d99893ae641dd776f966837ffee354c729fdb74a562e');
});

test('G4–G9: content checksums of files and symlinks', () => {
  assert.equal(hex(encodeContentStreamHeader(file(0o100644))), '00000012' + '00000000' + '00000000' + '00000000' + '000081a4' + '00000000' + '0011');
  assert.equal(contentChecksum(file(0o100644), text('hello\n')), G4);
  assert.equal(contentChecksum(file(0o100600, 1000, 1000), text('hello\n')), 'aecdf5ec7f4e9740b6d884e2afb4c9f4937cb3f16db376cd675cd6638acced68');
  assert.equal(contentChecksum(file(0o100644)), 'cc700d46f407c6c5ab2d5dde474366a928b7398277e61162e7f8ec06f469f07e');
  assert.equal(contentChecksum(file(0o100755), text('#!/bin/sh\necho hi\n')), '89b350d278ff59ba4780bc377b8ebfee8ade6b55c99fab1ec84e133bc6ea52c5');
  assert.equal(hex(encodeContentStreamHeader(link('hello'))), '00000017' + '00000000' + '00000000' + '00000000' + '0000a1ff' + '00000000' + '68656c6c6f00' + '16');
  assert.equal(contentChecksum(link('hello')), G8);
  assert.equal(contentChecksum(link('/usr/bin/env', 1000, 1000)), '3dad1d0f817bf1e616c9845cc56df185b80a600c9127e425834a729fcd12b107');
});

test('G10, G11: xattrs are sorted by name and carry a trailing NUL', () => {
  // Given out of order on purpose: the codec sorts.
  const header = file(0o100644, 0, 0, [{ name: 'user.zeta', value: text('Z') }, { name: 'user.alpha', value: text('abc') }]);
  const h = encodeFileHeader(header);
  assert.equal(hex(h), '00000000' + '00000000' + '000081a4' + '00000000' + '00' + '757365722e616c70686100' + '616263' + '0b' + '757365722e7a65746100' + '5a' + '0a' + '0f1b' + '11');
  assert.equal(h.length, 47);
  assert.equal(contentChecksum(header, text('x')), 'd9c427028f483c86522226e94d3693b99efee64c929e41ef0d7ac2e4f3d24762');
  // "Its archive header is 55 bytes": the (tuuuusa(ayay)) variant; the .filez adds the 8-byte size prefix.
  const archive = encodeArchiveHeader(header, 1);
  assert.equal(hex(archive.subarray(0, 8)), '0000003700000000');
  assert.equal(archive.length, 8 + 55);
  assert.equal(contentChecksum(file(0o100644), text('x')), '086bca4ef86474d13398a73f6f5aa713c534312db4af53530a1da02d61b09bcd');
});

test('G12: the root dirtree of §3.8, byte for byte', () => {
  const tree = { files: [{ name: 'link', checksum: G8 }, { name: 'hello', checksum: G4 }], dirs: [{ name: 'sub', treeChecksum: G1, metaChecksum: G2 }] };
  const bytes = encodeDirTree(tree);
  assert.equal(bytes.length, 151);
  assert.equal(metadataChecksum(bytes), G12);
  assert.equal(hex(bytes.subarray(0x93)), '2404464f');
  const back = decodeDirTree(bytes);
  assert.deepEqual(back.files.map((f) => f.name), ['hello', 'link']);
  assert.deepEqual(back.dirs, tree.dirs);
});

const G13_HEX = `6f737472 65652e72 65662d62 696e6469 6e670000 00000000 74657374 00050061
73132273 75626a65 63740000 00000000 00000000 5e0be100 d00c554a e45c273d
c065c848 a79a2c88 24dee149 37ee6df9 cf11735f 9cc2fa9a 446a0ef1 1b7cc167
f3b603e5 85c7eeee b675faa4 12d5ec73 f62988eb 0b6c5488 582c2b23 2323`;

test('G13, G14: the commit of §3.8, byte for byte, and its content checksum', () => {
  const commit = {
    metadata: new Map([['ostree.ref-binding', variant('as', ['test'])]]),
    parent: null, related: [], subject: 'subject', body: '', timestamp: 1577836800n, rootTree: G12, rootMeta: G2,
  };
  const bytes = encodeCommit(commit);
  assert.equal(hex(bytes), G13_HEX.replace(/\s+/g, ''));
  assert.equal(commitChecksum(commit), G13);
  assert.deepEqual(decodeCommit(unhex(G13_HEX)), commit);
  assert.equal(commitContentChecksum(commit), '96c52e3f6194312fbc4246d39858aeb3a6be8d88d4689f61100191a731f5c571');
});

test('G15: bootcsum is plain sha256 of kernel then initramfs', () => {
  assert.equal(sha256Hex(text('KERNEL'), text('INITRD')), 'fb13acf66d021b3783543b13f262f424ca339a8546258f6319333a83c111dc09');
});

test('§3.8 archive headers of hello and link, byte for byte', () => {
  const hello = encodeArchiveHeader(file(0o100644), 6);
  assert.equal(hex(hello), '0000001a00000000' + '0000000000000006' + '00000000' + '00000000' + '000081a4' + '00000000' + '00' + '19');
  const parsed = decodeArchiveHeader(new Uint8Array([...hello, ...unhex('cb48cdc9c9e70200')]));
  assert.deepEqual(parsed, { header: { uid: 0, gid: 0, mode: 0o100644, rdev: 0, symlinkTarget: '', xattrs: [] }, size: 6, payloadOffset: 34 });
  const sym = encodeArchiveHeader(link('hello'), 0);
  assert.equal(hex(sym), '0000001f00000000' + '0000000000000000' + '0000000000000000' + '0000a1ff00000000' + '68656c6c6f00' + '1e');
  assert.equal(sym.length, 39);
});

test('§3.6 commitmeta {"foo": <"bar">}', () => {
  assert.equal(hex(encodeCommitMeta(new Map([['foo', variant('s', 'bar')]]))), '666f6f0000000000626172000073040f');
});

test('ContentHasher streams and checks the declared size', () => {
  const h = new ContentHasher(file(0o100644), 6);
  h.update(text('hel')).update(text('lo\n'));
  assert.equal(h.digest(), G4);
  const short = new ContentHasher(file(0o100644), 7).update(text('hello\n'));
  assert.throws(() => short.digest(), { code: 'OSTREE_OBJECT_SIZE_MISMATCH' });
  const stream = new Uint8Array([...encodeContentStreamHeader(file(0o100644)), ...text('hello\n')]);
  const parsed = decodeContentStreamHeader(stream);
  assert.equal(parsed.contentOffset, 26);
  assert.equal(parsed.header.mode, 0o100644);
});
