import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeGVariant, variant, bswap32 } from '../../gvariant/index.js';
import { isAtollError } from '../../errors/index.js';
import {
  encodeDirTree, decodeDirTree, encodeDirMeta, decodeDirMeta, encodeFileHeader, decodeFileHeader, encodeArchiveHeader,
  decodeArchiveHeader, encodeCommit, decodeCommit, encodeSummary, decodeSummary, encodeTombstone, decodeTombstone,
  objectRelativePath, objectTypeFromExtension, objectExtension, parseObjectName, formatObjectName, ObjectType,
  checksumToBytes, checksumFromBytes, isChecksum, metadataString, metadataStrings, metadataBigEndianUint64, bigEndianUint64,
  stringsVariant, sortVarDict, decodeOwnerModeXattrs, encodeOwnerModeXattrs, contentChecksum,
  type DirTree, type FileHeader, type Commit,
} from './index.js';
import { decodeDirTreeGeneric } from './dirtree.js';
import { encodeFileHeaderGeneric } from './file-header.js';
import { rng } from '../../../test/helpers/gvariant-random.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const csum = (seed: string | number): string => createHash('sha256').update(String(seed)).digest('hex');
const code = (c: string) => (e: unknown): boolean => isAtollError(e, c);

function randomName(next: () => number, k: number): string {
  const parts = ['a', 'B', 'z', '-', '_', '.', 'é', 'ü', '€', '😀', '\u{e000}', ' ', '0', 'lib', '.so'];
  let name = '';
  const len = 1 + Math.floor(next() * 8);
  for (let i = 0; i < len; i++) name += parts[Math.floor(next() * parts.length)];
  if (name === '.' || name === '..') name += 'x';
  return `${name}${k}`;
}

function randomTree(seed: number, files: number, dirs: number): DirTree {
  const next = rng(seed);
  return {
    files: Array.from({ length: files }, (_, k) => ({ name: randomName(next, k), checksum: csum(`${seed}f${k}`) })),
    dirs: Array.from({ length: dirs }, (_, k) => ({ name: `${randomName(next, k)}/`.slice(0, -1) + 'd', treeChecksum: csum(`${seed}t${k}`), metaChecksum: csum(`${seed}m${k}`) })),
  };
}

/** Reference encoding of a dirtree through the generic encoder (entries sorted by name bytes). */
function genericDirTree(tree: DirTree): Uint8Array {
  const byBytes = (a: { name: string }, b: { name: string }): number => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
  return encodeGVariant('(a(say)a(sayay))', [
    [...tree.files].sort(byBytes).map((f) => [f.name, checksumToBytes(f.checksum)]),
    [...tree.dirs].sort(byBytes).map((d) => [d.name, checksumToBytes(d.treeChecksum), checksumToBytes(d.metaChecksum)]),
  ]);
}

test('dirtree: the hand-written codec equals the generic one across sizes and offset widths', () => {
  for (const [seed, files, dirs] of [[1, 0, 0], [2, 1, 0], [3, 0, 1], [4, 5, 0], [5, 4, 3], [6, 60, 10], [7, 1600, 40], [8, 3, 1700]] as const) {
    const tree = randomTree(seed, files, dirs);
    const fast = encodeDirTree(tree);
    assert.equal(hex(fast), hex(genericDirTree(tree)), `seed ${seed}`);
    const decoded = decodeDirTree(fast);
    assert.deepEqual(decoded, decodeDirTreeGeneric(fast));
    assert.equal(hex(encodeDirTree(decoded)), hex(fast));
    // Sorted by UTF-8 bytes, not by JS string order (U+E000 sorts before U+1F600 bytewise too, but not in UTF-16).
    const names = decoded.files.map((f) => Buffer.from(f.name));
    for (let k = 1; k < names.length; k++) assert.ok(Buffer.compare(names[k - 1] as Buffer, names[k] as Buffer) < 0);
  }
});

test('dirtree: byte order is strcmp order, not JS string order', () => {
  const tree = { files: [{ name: '😀', checksum: csum(1) }, { name: '\u{e000}', checksum: csum(2) }, { name: 'B', checksum: csum(3) }, { name: 'f00', checksum: csum(4) }], dirs: [] };
  assert.deepEqual(decodeDirTree(encodeDirTree(tree)).files.map((f) => f.name), ['B', 'f00', '\u{e000}', '😀']);
});

test('dirtree: the fast decoder agrees with the generic one on every single-byte corruption', () => {
  const good = encodeDirTree(randomTree(11, 6, 3));
  const next = rng(5);
  for (let at = 0; at < good.length; at++) {
    for (const value of [good[at] as number ^ 1, Math.floor(next() * 256), 0]) {
      const bad = new Uint8Array(good);
      bad[at] = value;
      let fast: unknown;
      let slow: unknown;
      try { fast = decodeDirTree(bad); } catch (e) { fast = (e as { code?: string }).code ?? String(e); }
      try { slow = decodeDirTreeGeneric(bad); } catch (e) { slow = (e as { code?: string }).code ?? String(e); }
      assert.deepEqual(fast, slow, `byte ${at} = ${value}`);
      if (typeof fast === 'string') assert.match(fast, /^(GVARIANT|OSTREE_OBJECT)_/);
    }
  }
});

test('dirtree: hostile names, order and checksums are refused with coded errors', () => {
  for (const name of ['', '.', '..', 'a/b', 'nul\0']) {
    assert.throws(() => encodeDirTree({ files: [{ name, checksum: csum(1) }], dirs: [] }), code('OSTREE_OBJECT_BAD_NAME'), JSON.stringify(name));
    const raw = encodeGVariant('(a(say)a(sayay))', [[[name.replace('\0', '') || '', checksumToBytes(csum(1))]], []]);
    if (name !== 'nul\0') assert.throws(() => decodeDirTree(raw), code(name === '' ? 'OSTREE_OBJECT_BAD_NAME' : 'OSTREE_OBJECT_BAD_NAME'), JSON.stringify(name));
  }
  const unsorted = encodeGVariant('(a(say)a(sayay))', [[['b', checksumToBytes(csum(1))], ['a', checksumToBytes(csum(2))]], []]);
  assert.throws(() => decodeDirTree(unsorted), code('OSTREE_OBJECT_BAD_DIRTREE'));
  const dup = encodeGVariant('(a(say)a(sayay))', [[['a', checksumToBytes(csum(1))], ['a', checksumToBytes(csum(2))]], []]);
  assert.throws(() => decodeDirTree(dup), code('OSTREE_OBJECT_BAD_DIRTREE'));
  const both = encodeGVariant('(a(say)a(sayay))', [[['a', checksumToBytes(csum(1))]], [['a', checksumToBytes(csum(2)), checksumToBytes(csum(3))]]]);
  assert.throws(() => decodeDirTree(both), code('OSTREE_OBJECT_BAD_DIRTREE'));
  assert.throws(() => encodeDirTree({ files: [{ name: 'a', checksum: csum(1) }], dirs: [{ name: 'a', treeChecksum: csum(2), metaChecksum: csum(3) }] }), code('OSTREE_OBJECT_BAD_DIRTREE'));
  assert.throws(() => encodeDirTree({ files: [{ name: 'a', checksum: csum(1) }, { name: 'a', checksum: csum(2) }], dirs: [] }), code('OSTREE_OBJECT_BAD_DIRTREE'));
  const short = encodeGVariant('(a(say)a(sayay))', [[['a', new Uint8Array(31)]], []]);
  assert.throws(() => decodeDirTree(short), code('OSTREE_OBJECT_BAD_CHECKSUM'));
  assert.throws(() => encodeDirTree({ files: [{ name: 'a', checksum: csum(1).toUpperCase() }], dirs: [] }), code('OSTREE_OBJECT_BAD_CHECKSUM'));
  assert.throws(() => decodeDirTree(new Uint8Array([1, 2, 3])), (e: unknown) => isAtollError(e) && e.code.startsWith('GVARIANT_') && /dirtree/.test(e.message));
});

test('dirmeta: directory modes only, xattrs sorted, user.ostreemeta form', () => {
  assert.throws(() => encodeDirMeta({ uid: 0, gid: 0, mode: 0o100644, xattrs: [] }), code('OSTREE_OBJECT_BAD_MODE'));
  assert.throws(() => encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755 | 0o1000000, xattrs: [] }), code('OSTREE_OBJECT_BAD_MODE'));
  // The 493 = 0755 case from §3.2: a mode without S_IFDIR.
  const noType = encodeGVariant('(uuua(ayay))', [0, 0, bswap32(0o755), []]);
  assert.throws(() => decodeDirMeta(noType), code('OSTREE_OBJECT_BAD_MODE'));
  const meta = { uid: 5, gid: 6, mode: 0o41777, xattrs: [{ name: 'user.b', value: new Uint8Array([1]) }, { name: 'user.a', value: new Uint8Array(300) }] };
  const back = decodeDirMeta(encodeDirMeta(meta));
  assert.deepEqual(back.xattrs.map((x) => x.name), ['user.a', 'user.b']);
  assert.throws(() => encodeDirMeta({ ...meta, xattrs: [{ name: 'user.a', value: new Uint8Array() }, { name: 'user.a', value: new Uint8Array() }] }), code('OSTREE_OBJECT_BAD_XATTRS'));
  const noNul = encodeGVariant('(uuua(ayay))', [0, 0, bswap32(0o40755), [[new Uint8Array([0x61]), new Uint8Array()]]]);
  assert.throws(() => decodeDirMeta(noNul), code('OSTREE_OBJECT_BAD_XATTRS'));
  // bare-user's user.ostreemeta for a 0644 file (§2.5).
  assert.equal(hex(encodeOwnerModeXattrs({ uid: 0, gid: 0, mode: 0o100644, xattrs: [] })), '00000000' + '00000000' + '000081a4');
  assert.equal(decodeOwnerModeXattrs(new Uint8Array(Buffer.from('00000000000000000000a1ff', 'hex'))).mode, 0o120777);
});

function randomHeader(next: () => number): FileHeader {
  const symlink = next() < 0.3;
  const n = Math.floor(next() * 4);
  const sizes = [0, 1, 10, 250, 300, 70000];
  return {
    uid: Math.floor(next() * 2 ** 32), gid: Math.floor(next() * 70000),
    mode: symlink ? 0o120777 : 0o100000 | Math.floor(next() * 0o10000),
    symlinkTarget: symlink ? 'é/'.repeat(1 + Math.floor(next() * 200)) : '',
    xattrs: Array.from({ length: n }, (_, k) => ({ name: `user.x${k}${'n'.repeat(Math.floor(next() * 20))}`, value: new Uint8Array(sizes[Math.floor(next() * sizes.length)] as number).fill(k) })),
  };
}

test('file header: the hand-written serializer equals the generic encoder (plain and archive)', () => {
  const next = rng(3);
  for (let k = 0; k < 400; k++) {
    const header = randomHeader(next);
    const size = header.mode === 0o120777 ? 0 : Math.floor(next() * 2 ** 40);
    const h = encodeFileHeader(header);
    assert.equal(hex(h), hex(encodeFileHeaderGeneric(header)), `#${k}`);
    const archive = encodeArchiveHeader(header, size);
    assert.equal(hex(archive.subarray(8)), hex(encodeFileHeaderGeneric(header, size)), `archive #${k}`);
    const parsed = decodeArchiveHeader(archive);
    assert.equal(parsed.size, size);
    assert.equal(parsed.payloadOffset, archive.length);
    assert.equal(hex(encodeFileHeader(parsed.header)), hex(h));
    assert.equal(hex(encodeFileHeader(decodeFileHeader(h))), hex(h));
  }
});

test('file header: invalid modes, rdev, targets and framings are refused', () => {
  const base: FileHeader = { uid: 0, gid: 0, mode: 0o100644, xattrs: [] };
  assert.throws(() => encodeFileHeader({ ...base, mode: 0o40755 }), code('OSTREE_OBJECT_BAD_MODE'));
  assert.throws(() => encodeFileHeader({ ...base, mode: 0o20644 }), code('OSTREE_OBJECT_BAD_MODE'));
  assert.throws(() => encodeFileHeader({ ...base, rdev: 5 }), code('OSTREE_OBJECT_BAD_RDEV'));
  assert.throws(() => encodeFileHeader({ ...base, symlinkTarget: 'x' }), code('OSTREE_OBJECT_BAD_SYMLINK'));
  assert.throws(() => encodeFileHeader({ ...base, mode: 0o120777 }), code('OSTREE_OBJECT_BAD_SYMLINK'));
  assert.throws(() => encodeFileHeader({ ...base, mode: 0o120777, symlinkTarget: 'a\0b' }), code('OSTREE_OBJECT_BAD_SYMLINK'));
  const withRdev = encodeGVariant('(uuuusa(ayay))', [0, 0, bswap32(0o100644), bswap32(1), '', []]);
  assert.throws(() => decodeFileHeader(withRdev), code('OSTREE_OBJECT_BAD_RDEV'));
  const good = encodeArchiveHeader(base, 6);
  assert.throws(() => decodeArchiveHeader(good.subarray(0, 5)), code('OSTREE_OBJECT_BAD_FILE_HEADER'));
  assert.throws(() => decodeArchiveHeader(good.subarray(0, good.length - 1)), code('OSTREE_OBJECT_BAD_FILE_HEADER'));
  const pad = new Uint8Array(good);
  pad[5] = 1;
  assert.throws(() => decodeArchiveHeader(pad), code('OSTREE_OBJECT_BAD_FILE_HEADER'));
  const symlinkWithSize = new Uint8Array(encodeArchiveHeader({ ...base, mode: 0o120777, symlinkTarget: 't' }, 0));
  symlinkWithSize[15] = 1;
  assert.throws(() => decodeArchiveHeader(symlinkWithSize), code('OSTREE_OBJECT_BAD_FILE_HEADER'));
  // Timestamps never matter; the same content with other owners does.
  assert.notEqual(contentChecksum(base, new Uint8Array([1])), contentChecksum({ ...base, uid: 1 }, new Uint8Array([1])));
});

test('commit: round trip with parent, related objects and metadata; malformed commits refused', () => {
  const commit: Commit = {
    metadata: sortVarDict(new Map([['version', variant('s', '41.1')], ['ostree.bootable', variant('b', true)], ['ostree.ref-binding', stringsVariant(['b', 'a'], true)]])),
    parent: csum('p'), related: [{ name: 'x', checksum: csum('r') }], subject: 'Ünïcode subject', body: 'body\n', timestamp: 2n ** 40n,
    rootTree: csum('t'), rootMeta: csum('m'),
  };
  const back = decodeCommit(encodeCommit(commit));
  assert.deepEqual(back, commit);
  assert.deepEqual([...back.metadata.keys()], ['ostree.bootable', 'ostree.ref-binding', 'version']);
  assert.deepEqual(metadataStrings(back.metadata, 'ostree.ref-binding'), ['a', 'b']);
  assert.equal(metadataString(back.metadata, 'version'), '41.1');
  assert.throws(() => metadataString(back.metadata, 'ostree.bootable'), code('OSTREE_OBJECT_BAD_METADATA'));
  const badParent = encodeGVariant('(a{sv}aya(say)sstayay)', [[], new Uint8Array(31), [], '', '', 0n, checksumToBytes(csum(1)), checksumToBytes(csum(2))]);
  assert.throws(() => decodeCommit(badParent), code('OSTREE_OBJECT_BAD_COMMIT'));
  const badRoot = encodeGVariant('(a{sv}aya(say)sstayay)', [[], new Uint8Array(0), [], '', '', 0n, new Uint8Array(0), checksumToBytes(csum(2))]);
  assert.throws(() => decodeCommit(badRoot), code('OSTREE_OBJECT_BAD_COMMIT'));
  const dupKey = encodeGVariant('(a{sv}aya(say)sstayay)', [[['k', variant('s', 'a')], ['k', variant('s', 'b')]], new Uint8Array(0), [], '', '', 0n, checksumToBytes(csum(1)), checksumToBytes(csum(2))]);
  assert.throws(() => decodeCommit(dupKey), code('OSTREE_OBJECT_BAD_METADATA'));
  assert.throws(() => encodeCommit({ ...commit, metadata: new Map([['', variant('s', '')]]) }), code('OSTREE_OBJECT_BAD_METADATA'));
});

test('summary: refs sorted on encode, refused unsorted on decode; commit size little-endian', () => {
  const ref = (name: string) => ({ name, commitSize: 126n, checksum: csum(name), metadata: new Map([['ostree.commit.timestamp', bigEndianUint64(1577836800)]]) });
  const bytes = encodeSummary({ refs: [ref('test'), ref('os/x')], metadata: new Map([['ostree.summary.mode', variant('s', 'archive-z2')]]) });
  const back = decodeSummary(bytes);
  assert.deepEqual(back.refs.map((r) => r.name), ['os/x', 'test']);
  assert.equal(metadataBigEndianUint64(back.refs[0]?.metadata ?? new Map(), 'ostree.commit.timestamp'), 1577836800n);
  assert.ok(hex(bytes).includes('7e00000000000000'), 'commit size stored little-endian');
  assert.throws(() => encodeSummary({ refs: [ref('a'), ref('a')], metadata: new Map() }), code('OSTREE_OBJECT_BAD_SUMMARY'));
  const unsorted = encodeGVariant('(a(s(taya{sv}))a{sv})', [[['b', [1n, checksumToBytes(csum(1)), []]], ['a', [1n, checksumToBytes(csum(1)), []]]], []]);
  assert.throws(() => decodeSummary(unsorted), code('OSTREE_OBJECT_BAD_SUMMARY'));
});

test('object types, extensions, paths and checksum helpers', () => {
  const c = csum('x');
  assert.equal(objectRelativePath(c, ObjectType.File, true), `objects/${c.slice(0, 2)}/${c.slice(2)}.filez`);
  assert.equal(objectRelativePath(c, ObjectType.File), `objects/${c.slice(0, 2)}/${c.slice(2)}.file`);
  assert.equal(objectExtension(ObjectType.CommitMeta), 'commitmeta');
  assert.equal(objectTypeFromExtension('.dirtree'), ObjectType.DirTree);
  assert.equal(objectTypeFromExtension('filez'), ObjectType.File);
  assert.equal(objectTypeFromExtension('tombstone-commit'), ObjectType.TombstoneCommit);
  assert.throws(() => objectTypeFromExtension('exe'), code('OSTREE_OBJECT_BAD_TYPE'));
  assert.deepEqual(parseObjectName(`${c}.commit`), { checksum: c, type: ObjectType.Commit });
  assert.equal(formatObjectName({ checksum: c, type: ObjectType.DirMeta }), `${c}.dirmeta`);
  assert.throws(() => parseObjectName(c), code('OSTREE_OBJECT_BAD_TYPE'));
  assert.throws(() => objectRelativePath('../../etc/passwd', ObjectType.File), code('OSTREE_OBJECT_BAD_CHECKSUM'));
  assert.equal(isChecksum(c), true);
  assert.equal(isChecksum(c.toUpperCase()), false);
  assert.equal(isChecksum(c.slice(1)), false);
  assert.equal(isChecksum(`${c.slice(1)}g`), false);
  assert.equal(checksumFromBytes(checksumToBytes(c)), c);
  assert.throws(() => checksumFromBytes(new Uint8Array(31)), code('OSTREE_OBJECT_BAD_CHECKSUM'));
  assert.equal(decodeTombstone(encodeTombstone(c)), c);
  assert.throws(() => decodeTombstone(encodeGVariant('a{sv}', [])), code('OSTREE_OBJECT_BAD_METADATA'));
});

test('ostree.sizes entries: varints, object type, legacy entries without type', async () => {
  const { encodeSizeEntry, decodeSizeEntry, sizesVariant, sizesFromVariant } = await import('./index.js');
  // From `ostree commit --generate-sizes`: a 73-byte dirtree.
  const real = new Uint8Array(Buffer.from('3dfb3a9165701344b8b756b4096928e0614c55e12f0c890c3a6f9d631d97d596494902', 'hex'));
  assert.deepEqual(decodeSizeEntry(real), { checksum: '3dfb3a9165701344b8b756b4096928e0614c55e12f0c890c3a6f9d631d97d596', archivedSize: 73, unpackedSize: 73, objectType: ObjectType.DirTree });
  for (const size of [0, 127, 128, 300, 2 ** 32 + 5, 2 ** 53 - 1]) {
    const entry = { checksum: csum(size), archivedSize: size, unpackedSize: size + 1 > 2 ** 53 - 1 ? size : size + 1, objectType: ObjectType.File };
    assert.deepEqual(decodeSizeEntry(encodeSizeEntry(entry)), entry);
  }
  assert.equal(hex(encodeSizeEntry({ checksum: csum(1), archivedSize: 300, unpackedSize: 1 }).subarray(32)), 'ac0201');
  assert.deepEqual(decodeSizeEntry(encodeSizeEntry({ checksum: csum(1), archivedSize: 300, unpackedSize: 1 })), { checksum: csum(1), archivedSize: 300, unpackedSize: 1 });
  assert.throws(() => decodeSizeEntry(real.subarray(0, 33)), code('OSTREE_OBJECT_BAD_METADATA'));
  assert.throws(() => decodeSizeEntry(new Uint8Array([...real, 1])), code('OSTREE_OBJECT_BAD_METADATA'));
  const entries = [{ checksum: csum(2), archivedSize: 1, unpackedSize: 1, objectType: ObjectType.File }, { checksum: csum(1), archivedSize: 2, unpackedSize: 2, objectType: ObjectType.DirMeta }];
  const sorted = sizesFromVariant(sizesVariant(entries)).map((e) => e.checksum);
  assert.deepEqual(sorted, [csum(1), csum(2)].sort());
});

test('compareUtf8 orders like strcmp on UTF-8 bytes; lone surrogates are refused as names', async () => {
  const { compareUtf8 } = await import('./dirtree.js');
  const next = rng(8);
  const alphabet = ['a', 'z', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '\u{10000}', '\u{10ffff}', ''];
  const pick = (): string => Array.from({ length: Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  for (let k = 0; k < 5000; k++) {
    const a = pick();
    const b = pick();
    assert.equal(Math.sign(compareUtf8(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  assert.throws(() => encodeDirTree({ files: [{ name: 'bad\ud800', checksum: csum(1) }], dirs: [] }), code('OSTREE_OBJECT_BAD_NAME'));
});

test('file header: the fast decoder agrees with the generic one on every single-byte corruption', async () => {
  const { decodeFileHeaderGeneric } = await import('./file-header.js');
  const header: FileHeader = { uid: 1000, gid: 5, mode: 0o120777, symlinkTarget: 'tärget', xattrs: [{ name: 'security.selinux', value: new TextEncoder().encode('system_u:object_r:lib_t:s0\0') }, { name: 'user.x', value: new Uint8Array(3) }] };
  const next = rng(12);
  for (const good of [encodeFileHeader(header), encodeFileHeader({ uid: 0, gid: 0, mode: 0o100644, xattrs: [] })]) {
    for (let at = 0; at < good.length; at++) {
      for (const value of [good[at] as number ^ 1, Math.floor(next() * 256), 0]) {
        const bad = new Uint8Array(good);
        bad[at] = value;
        let fast: unknown;
        let slow: unknown;
        try { fast = decodeFileHeader(bad); } catch (e) { fast = (e as { code?: string }).code ?? String(e); }
        try { slow = decodeFileHeaderGeneric(bad); } catch (e) { slow = (e as { code?: string }).code ?? String(e); }
        assert.deepEqual(fast, slow, `byte ${at} = ${value}`);
      }
    }
    for (let cut = 0; cut < good.length; cut++) {
      let fast: unknown;
      let slow: unknown;
      try { fast = decodeFileHeader(good.subarray(0, cut)); } catch (e) { fast = (e as { code?: string }).code ?? String(e); }
      try { slow = decodeFileHeaderGeneric(good.subarray(0, cut)); } catch (e) { slow = (e as { code?: string }).code ?? String(e); }
      assert.deepEqual(fast, slow, `cut ${cut}`);
    }
  }
  const big = encodeArchiveHeader({ uid: 0, gid: 0, mode: 0o100644, xattrs: [] }, 0);
  const huge = new Uint8Array(big);
  huge[8] = 0xff;
  assert.throws(() => decodeArchiveHeader(huge), code('OSTREE_OBJECT_BAD_FILE_HEADER'));
  const max = new Uint8Array(big);
  max.set([0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 8);
  assert.equal(decodeArchiveHeader(max).size, Number.MAX_SAFE_INTEGER);
});

test('hostile input: every object decoder fails only with coded errors on corrupted bytes', async () => {
  const { encodeCommitMeta, decodeCommitMeta, decodeSizeEntry, encodeSizeEntry } = await import('./index.js');
  const commit = encodeCommit({
    metadata: new Map([['version', variant('s', '1')], ['ostree.ref-binding', stringsVariant(['a'])]]),
    parent: csum('p'), related: [], subject: 's', body: 'b', timestamp: 5n, rootTree: csum('t'), rootMeta: csum('m'),
  });
  const summary = encodeSummary({ refs: [{ name: 'a', commitSize: 1n, checksum: csum(1), metadata: new Map([['ostree.commit.timestamp', bigEndianUint64(1)]]) }], metadata: new Map([['k', variant('b', true)]]) });
  const decoders: Array<[string, Uint8Array, (b: Uint8Array) => unknown]> = [
    ['commit', commit, decodeCommit],
    ['dirmeta', encodeDirMeta({ uid: 0, gid: 0, mode: 0o40755, xattrs: [{ name: 'user.a', value: new Uint8Array([1]) }] }), decodeDirMeta],
    ['summary', summary, decodeSummary],
    ['archive header', encodeArchiveHeader({ uid: 0, gid: 0, mode: 0o100644, xattrs: [{ name: 'user.a', value: new Uint8Array([1]) }] }, 9), decodeArchiveHeader],
    ['commitmeta', encodeCommitMeta(new Map([['k', variant('aay', [new Uint8Array(3)])]])), decodeCommitMeta],
    ['tombstone', encodeTombstone(csum(1)), decodeTombstone],
    ['size entry', encodeSizeEntry({ checksum: csum(1), archivedSize: 300, unpackedSize: 3, objectType: ObjectType.File }), decodeSizeEntry],
    ['dirtree', encodeDirTree(randomTree(3, 3, 2)), decodeDirTree],
  ];
  const next = rng(21);
  for (const [what, good, decode] of decoders) {
    for (let k = 0; k < 400; k++) {
      const bad = new Uint8Array(good);
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) bad[Math.floor(next() * bad.length)] = Math.floor(next() * 256);
      const input = next() < 0.2 ? bad.subarray(0, Math.floor(next() * bad.length)) : bad;
      try {
        decode(input);
      } catch (error) {
        assert.ok(isAtollError(error) && /^(GVARIANT|OSTREE_OBJECT)_/.test(error.code), `${what}: ${String(error)}`);
      }
    }
  }
});
