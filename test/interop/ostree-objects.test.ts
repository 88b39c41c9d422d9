// Real ostree (2022.7 CLI) writes repositories; atoll's object codecs must re-encode every
// metadata object byte for byte, recompute every object's checksum from its bytes, and agree
// with `ostree checksum` on files, symlinks and directories (with and without xattrs).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import {
  contentChecksum, decodeArchiveHeader, decodeCommit, decodeCommitMeta, decodeDirMeta, decodeDirTree, decodeOwnerModeXattrs,
  decodeSummary, dirMetaChecksum, encodeArchiveHeader, encodeCommit, encodeCommitMeta, encodeDirMeta, encodeDirTree,
  encodeSummary, metadataChecksum, metadataBigEndianUint64, metadataString, sizesFromVariant, sizesVariant, decodeTombstone, encodeTombstone, ContentHasher, isSymlinkMode, type FileHeader, type Xattr, objectTypeFromExtension, ObjectType,
} from '../../src/ostree/objects/index.js';
import { byteswapGVariant, printGVariant } from '../../src/gvariant/index.js';
import { isRoot, requireTool, tempDir } from '../helpers/env.js';
import { run, runOk } from '../helpers/run.js';

function xattrsSupported(dir: string): boolean {
  const probe = join(dir, '.xattr-probe');
  writeFileSync(probe, '');
  return run('setfattr', ['-n', 'user.probe', '-v', '1', probe]).status === 0;
}

/** Every xattr of each path (not following symlinks), via one getfattr call per 500 paths. */
function readXattrsMany(paths: readonly string[]): Map<string, Xattr[]> {
  const result = new Map<string, Xattr[]>(paths.map((p) => [p, []]));
  for (let k = 0; k < paths.length; k += 500) {
    const out = run('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', ...paths.slice(k, k + 500)]);
    let current: Xattr[] | undefined;
    for (const line of out.stdout.split('\n')) {
      if (line.startsWith('# file: ')) current = result.get(line.slice(8));
      const m = /^([^#=][^=]*)=0x([0-9a-f]*)$/.exec(line.trim());
      if (m && current) current.push({ name: m[1] as string, value: new Uint8Array(Buffer.from(m[2] as string, 'hex')) });
    }
  }
  return result;
}

function readXattrs(path: string): Xattr[] {
  return readXattrsMany([path]).get(path) ?? [];
}

/** A tree that exercises names, modes, owners, symlinks, xattrs and all framing-offset widths. */
function buildTree(root: string, withXattrs: boolean): void {
  mkdirSync(join(root, 'sub', 'deeper'), { recursive: true });
  mkdirSync(join(root, 'many'));
  mkdirSync(join(root, 'usr', 'lib', 'modules', '6.1.0-test'), { recursive: true });
  writeFileSync(join(root, 'usr', 'lib', 'modules', '6.1.0-test', 'vmlinuz'), 'KERNEL');
  writeFileSync(join(root, 'usr', 'lib', 'modules', '6.1.0-test', 'initramfs.img'), 'INITRD');
  mkdirSync(join(root, 'private'), { mode: 0o700 });
  chmodSync(join(root, 'private'), 0o700);
  writeFileSync(join(root, 'hello'), 'hello\n');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  chmodSync(join(root, 'run.sh'), 0o755);
  writeFileSync(join(root, 'suid'), 'x');
  chmodSync(join(root, 'suid'), 0o4755);
  writeFileSync(join(root, 'B'), 'upper');
  writeFileSync(join(root, 'f00'), 'f00');
  writeFileSync(join(root, 'é-ü.txt'), 'unicode name');
  symlinkSync('hello', join(root, 'link'));
  symlinkSync('/usr/bin/env', join(root, 'abs-link'));
  symlinkSync('../hello', join(root, 'sub', 'up'));
  const big = Buffer.alloc(300_000);
  for (let k = 0; k < big.length; k++) big[k] = (k * 7919) % 251;
  writeFileSync(join(root, 'sub', 'big.bin'), big);
  writeFileSync(join(root, 'private', 'owned'), 'owned by 1000');
  if (isRoot()) {
    chownSync(join(root, 'private', 'owned'), 1000, 1000);
    chownSync(join(root, 'private'), 1000, 1000);
    lchownSync(join(root, 'sub', 'up'), 1000, 1000);
  }
  // 1,600 entries: the dirtree exceeds 65,535 bytes and needs 4-byte framing offsets.
  for (let k = 0; k < 1600; k++) writeFileSync(join(root, 'many', `file-${String(k).padStart(5, '0')}`), k % 3 === 0 ? 'same' : `n${k}`);
  // 5 entries of ~44 bytes: around the 255-byte boundary.
  mkdirSync(join(root, 'five'));
  for (let k = 0; k < 5; k++) writeFileSync(join(root, 'five', `entry-${k}`), `${k}`);
  if (withXattrs) {
    runOk('setfattr', ['-n', 'user.zeta', '-v', 'Z', join(root, 'hello')]);
    runOk('setfattr', ['-n', 'user.alpha', '-v', 'abc', join(root, 'hello')]);
    runOk('setfattr', ['-n', 'user.dir', '-v', '0x00ff00', join(root, 'sub')]);
  }
}

/** `--add-metadata` values in GVariant text; printGVariant must print them as ostree show does. */
const TYPED_METADATA: Array<[string, string]> = [
  ['n.u64', 'uint64 5'],
  ['n.i32', '-7'],
  ['n.dbl', '0.10000000000000001'],
  ['s.quote', `"it's"`],
  ['list', "['b', 'a', 'ü']"],
  ['empty', '@as []'],
  ['dict', "{'k': <uint32 1>, 'nested': <{'x': <[byte 0x01, 0x02]>}>}"],
  ['tuple', "('one',)"],
  ['maybe', '@ms nothing'],
  ['bytes', "b'abc'"],
];

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    out.push(path);
    if (lstatSync(path).isDirectory()) walk(path, out);
  }
  return out;
}

function listObjects(repo: string): Array<{ path: string; checksum: string; ext: string }> {
  const out: Array<{ path: string; checksum: string; ext: string }> = [];
  const objects = join(repo, 'objects');
  for (const prefix of readdirSync(objects)) {
    for (const name of readdirSync(join(objects, prefix))) {
      const dot = name.indexOf('.');
      out.push({ path: join(objects, prefix, name), checksum: prefix + name.slice(0, dot), ext: name.slice(dot + 1) });
    }
  }
  return out;
}

function makeRepo(t: TestContext, mode: string, withXattrs: boolean): { repo: string; tree: string } {
  const dir = tempDir(t, 'atoll-ostree-objects-');
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  buildTree(tree, withXattrs);
  const repo = join(dir, 'repo');
  runOk('ostree', [`--repo=${repo}`, 'init', `--mode=${mode}`]);
  runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'test', '--timestamp=2020-01-01T00:00:00Z', '-s', 'first', tree]);
  if (mode !== 'archive') return { repo, tree }; // one commit is enough to check user.ostreemeta
  runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'test', '--timestamp=2021-06-01T12:00:00Z', '-s', 'second', '-m', 'a body\nwith lines',
    '--add-metadata-string=version=1.0', '--add-detached-metadata-string=signed-by=me', '--owner-uid=0', '--owner-gid=0', tree]);
  runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'other/branch', '--timestamp=2022-02-02T00:00:00Z', '--no-xattrs', '--canonical-permissions', '--generate-sizes',
    '--bootable', ...TYPED_METADATA.map(([k, v]) => `--add-metadata=${k}=${v}`), tree]);
  runOk('ostree', [`--repo=${repo}`, 'summary', '-u']);
  return { repo, tree };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('archive repo by real ostree: every object re-encodes byte for byte and hashes to its name', (t) => {
  if (!requireTool(t, 'ostree', 'getfattr', 'setfattr')) return;
  const probeDir = tempDir(t);
  const { repo } = makeRepo(t, 'archive', xattrsSupported(probeDir));
  const counts = new Map<string, number>();
  let sawFourByteOffsets = false;
  for (const object of listObjects(repo)) {
    const bytes = new Uint8Array(readFileSync(object.path));
    const type = objectTypeFromExtension(object.ext);
    counts.set(object.ext, (counts.get(object.ext) ?? 0) + 1);
    const where = `${object.checksum}.${object.ext}`;
    if (type === ObjectType.DirTree) {
      assert.equal(hex(encodeDirTree(decodeDirTree(bytes))), hex(bytes), where);
      if (bytes.length > 65535) sawFourByteOffsets = true;
    } else if (type === ObjectType.DirMeta) {
      assert.equal(hex(encodeDirMeta(decodeDirMeta(bytes))), hex(bytes), where);
    } else if (type === ObjectType.Commit) {
      assert.equal(hex(encodeCommit(decodeCommit(bytes))), hex(bytes), where);
    } else if (type === ObjectType.CommitMeta) {
      assert.equal(hex(encodeCommitMeta(decodeCommitMeta(bytes))), hex(bytes), where);
      continue; // named after its commit, not content-addressed
    } else if (type === ObjectType.File) {
      const parsed = decodeArchiveHeader(bytes);
      assert.equal(hex(encodeArchiveHeader(parsed.header, parsed.size)), hex(bytes.subarray(0, parsed.payloadOffset)), where);
      const hasher = new ContentHasher(parsed.header, parsed.size);
      if (!isSymlinkMode(parsed.header.mode)) hasher.update(inflateRawSync(bytes.subarray(parsed.payloadOffset)));
      else assert.equal(parsed.payloadOffset, bytes.length, `${where}: symlinks have no payload`);
      assert.equal(hasher.digest(), object.checksum, where);
      continue;
    }
    assert.equal(metadataChecksum(bytes), object.checksum, where);
  }
  assert.ok(sawFourByteOffsets, 'a dirtree above 64 KiB was checked');
  assert.equal(counts.get('commit'), 3);
  assert.equal(counts.get('commitmeta'), 1);
  assert.ok((counts.get('filez') ?? 0) > 1000);
  const summary = new Uint8Array(readFileSync(join(repo, 'summary')));
  const decoded = decodeSummary(summary);
  assert.deepEqual(decoded.refs.map((r) => r.name), ['other/branch', 'test']);
  assert.equal(hex(encodeSummary(decoded)), hex(summary));
  const head = runOk('ostree', [`--repo=${repo}`, 'rev-parse', 'test']).trim();
  const ref = decoded.refs.find((r) => r.name === 'test');
  assert.equal(ref?.checksum, head);
  assert.equal(ref?.commitSize, BigInt(readFileSync(join(repo, 'objects', head.slice(0, 2), `${head.slice(2)}.commit`)).length));
  const commit = decodeCommit(new Uint8Array(readFileSync(join(repo, 'objects', head.slice(0, 2), `${head.slice(2)}.commit`))));
  assert.equal(commit.timestamp, 1622548800n);
  // Summary per-ref timestamp is big-endian, the commit size little-endian (§1.2).
  assert.equal(metadataBigEndianUint64(ref?.metadata ?? new Map(), 'ostree.commit.timestamp'), 1622548800n);
  assert.equal(metadataString(ref?.metadata ?? new Map(), 'ostree.commit.version'), '1.0');
  assert.equal(metadataString(decoded.metadata, 'ostree.summary.mode'), 'archive-z2');
  assert.equal(commit.subject, 'second');
  assert.equal(commit.body, 'a body\nwith lines');
  assert.ok(commit.parent !== null);
  assert.deepEqual(commit.metadata.get('version'), { type: 's', value: '1.0' });

  // ostree.sizes from `commit --generate-sizes`: every entry matches the stored object.
  // (The same commit carries --bootable and typed --add-metadata values: printGVariant must print
  // each key exactly as `ostree show --print-metadata-key` does.)
  const other = runOk('ostree', [`--repo=${repo}`, 'rev-parse', 'other/branch']).trim();
  const withSizes = decodeCommit(new Uint8Array(readFileSync(join(repo, 'objects', other.slice(0, 2), `${other.slice(2)}.commit`))));
  const sizesValue = withSizes.metadata.get('ostree.sizes');
  assert.ok(sizesValue);
  for (const key of [...TYPED_METADATA.map(([k]) => k), 'ostree.bootable', 'ostree.linux', 'ostree.ref-binding']) {
    const value = withSizes.metadata.get(key);
    assert.ok(value, `commit has ${key}`);
    const shown = runOk('ostree', [`--repo=${repo}`, 'show', `--print-metadata-key=${key}`, 'other/branch']).replace(/\n$/, '');
    // ostree's CLI prints g_variant_byteswap()ed values (ostree integers are big-endian).
    assert.equal(printGVariant(value.type, byteswapGVariant(value.type, value.value)), shown, key);
  }
  assert.equal(withSizes.metadata.get('ostree.linux')?.value, '6.1.0-test');
  const entries = sizesFromVariant(sizesValue);
  assert.ok(entries.length > 1000);
  assert.deepEqual(sizesVariant(entries), sizesValue, 'sizes re-encode identically');
  const byChecksum = new Map(listObjects(repo).map((o) => [`${o.checksum}.${o.ext}`, o.path]));
  for (const entry of entries.slice(0, 300)) {
    const ext = entry.objectType === ObjectType.File ? 'filez' : entry.objectType === ObjectType.DirTree ? 'dirtree' : 'dirmeta';
    const path = byChecksum.get(`${entry.checksum}.${ext}`);
    assert.ok(path, `${entry.checksum}.${ext} exists`);
    const stored = readFileSync(path);
    assert.equal(entry.archivedSize, stored.length);
    if (ext === 'filez') {
      const parsed = decodeArchiveHeader(new Uint8Array(stored));
      const expected = isSymlinkMode(parsed.header.mode) ? Buffer.byteLength(parsed.header.symlinkTarget ?? '') : parsed.size;
      assert.equal(entry.unpackedSize, expected);
    } else assert.equal(entry.unpackedSize, stored.length);
  }
});

test('bare-user repo by real ostree: user.ostreemeta decodes and content checksums match', (t) => {
  if (!requireTool(t, 'ostree', 'getfattr', 'setfattr')) return;
  const probeDir = tempDir(t);
  if (!xattrsSupported(probeDir)) {
    t.skip('filesystem lacks user xattrs');
    return;
  }
  const { repo } = makeRepo(t, 'bare-user', true);
  let files = 0;
  const objects = listObjects(repo).filter((o) => o.ext === 'file');
  const xattrs = readXattrsMany(objects.map((o) => o.path));
  for (const object of objects) {
    const meta = xattrs.get(object.path)?.find((x) => x.name === 'user.ostreemeta');
    assert.ok(meta, `${object.checksum}: has user.ostreemeta`);
    const owner = decodeOwnerModeXattrs(meta.value, 'user.ostreemeta');
    const content = new Uint8Array(readFileSync(object.path));
    const symlink = isSymlinkMode(owner.mode);
    const header: FileHeader = { ...owner, symlinkTarget: symlink ? Buffer.from(content.subarray(0, -1)).toString('utf8') : '' };
    assert.equal(contentChecksum(header, symlink ? undefined : content), object.checksum);
    files++;
  }
  assert.ok(files > 1000);
});

test('`ostree checksum` agrees with atoll on files, symlinks and directories, with and without xattrs', (t) => {
  if (!requireTool(t, 'ostree', 'getfattr', 'setfattr')) return;
  const dir = tempDir(t);
  const withXattrs = xattrsSupported(dir);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  buildTree(tree, withXattrs);
  const paths = walk(tree).filter((p) => !p.includes(`${join(tree, 'many')}/`) || p.endsWith('01599'));
  for (const ignoreXattrs of [false, true]) {
    // `ostree checksum` takes one path per call.
    const theirs = new Map(paths.map((path) => [path, runOk('ostree', ['checksum', ...(ignoreXattrs ? ['--ignore-xattrs'] : []), path]).trim()]));
    for (const path of paths) {
      const st = lstatSync(path);
      const xattrs = ignoreXattrs ? [] : readXattrs(path);
      let mine: string;
      if (st.isDirectory()) mine = dirMetaChecksum({ uid: st.uid, gid: st.gid, mode: st.mode, xattrs });
      else if (st.isSymbolicLink()) mine = contentChecksum({ uid: st.uid, gid: st.gid, mode: st.mode, symlinkTarget: readlinkSync(path), xattrs });
      else mine = contentChecksum({ uid: st.uid, gid: st.gid, mode: st.mode, xattrs }, new Uint8Array(readFileSync(path)));
      assert.equal(mine, theirs.get(path), `${path} (ignore-xattrs ${ignoreXattrs})`);
    }
  }
});

test('a commit tombstone written by ostree prune decodes and re-encodes byte for byte', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t, 'atoll-tombstone-');
  const repo = join(dir, 'repo');
  mkdirSync(join(dir, 'tree'));
  writeFileSync(join(dir, 'tree', 'f'), 'x');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${repo}`, 'config', 'set', 'core.tombstone-commits', 'true']);
  const commit = runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'x', join(dir, 'tree')]).trim();
  runOk('ostree', [`--repo=${repo}`, 'refs', '--delete', 'x']);
  runOk('ostree', [`--repo=${repo}`, 'prune', `--delete-commit=${commit}`]);
  const objects = listObjects(repo);
  assert.deepEqual(objects.map((o) => o.ext), ['tombstone-commit']);
  const object = objects[0] as { path: string; checksum: string; ext: string };
  assert.equal(object.checksum, commit);
  assert.equal(objectTypeFromExtension(object.ext), ObjectType.TombstoneCommit);
  const bytes = new Uint8Array(readFileSync(object.path));
  assert.equal(decodeTombstone(bytes), commit);
  assert.equal(hex(encodeTombstone(commit)), hex(bytes));
});
