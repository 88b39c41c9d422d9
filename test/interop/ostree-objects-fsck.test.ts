// The other direction: objects written only by atoll's codecs (with a few lines of test-local
// file writing) form an archive repo that real ostree fscks, lists, cats, shows, checks out,
// summarizes and pulls from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import {
  ObjectType, objectRelativePath, contentChecksum, encodeArchiveHeader, encodeDirMeta, encodeDirTree, encodeCommit,
  encodeCommitMeta, encodeSummary, metadataChecksum, bigEndianUint64, stringsVariant, stringVariant, booleanVariant,
  type DirTreeDir, type DirTreeFile, type FileHeader, type Xattr,
} from '../../src/ostree/objects/index.js';
import { isRoot, requireTool, tempDir } from '../helpers/env.js';
import { run, runOk } from '../helpers/run.js';

type Node =
  | { kind: 'file'; mode: number; content: string | Uint8Array; xattrs?: Xattr[]; uid?: number }
  | { kind: 'link'; target: string }
  | { kind: 'dir'; mode?: number; entries: Record<string, Node>; xattrs?: Xattr[] };

function write(repo: string, checksum: string, type: ObjectType, bytes: Uint8Array): void {
  const path = join(repo, objectRelativePath(checksum, type, true));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Writes the objects of `node` into an archive repo; returns [dirtree, dirmeta] checksums. */
function writeTree(repo: string, node: Extract<Node, { kind: 'dir' }>): [string, string] {
  const files: DirTreeFile[] = [];
  const dirs: DirTreeDir[] = [];
  for (const [name, child] of Object.entries(node.entries)) {
    if (child.kind === 'dir') {
      const [treeChecksum, metaChecksum] = writeTree(repo, child);
      dirs.push({ name, treeChecksum, metaChecksum });
    } else {
      const header: FileHeader = child.kind === 'link'
        ? { uid: 0, gid: 0, mode: 0o120777, symlinkTarget: child.target, xattrs: [] }
        : { uid: child.uid ?? 0, gid: child.uid ?? 0, mode: 0o100000 | child.mode, xattrs: child.xattrs ?? [] };
      const content = child.kind === 'file' ? (typeof child.content === 'string' ? new TextEncoder().encode(child.content) : child.content) : new Uint8Array(0);
      const checksum = contentChecksum(header, content);
      const archiveHeader = encodeArchiveHeader(header, content.length);
      write(repo, checksum, ObjectType.File, child.kind === 'link' ? archiveHeader : new Uint8Array([...archiveHeader, ...deflateRawSync(content)]));
      files.push({ name, checksum });
    }
  }
  const tree = encodeDirTree({ files, dirs });
  const meta = encodeDirMeta({ uid: 0, gid: 0, mode: 0o40000 | (node.mode ?? 0o755), xattrs: node.xattrs ?? [] });
  const treeChecksum = metadataChecksum(tree);
  const metaChecksum = metadataChecksum(meta);
  write(repo, treeChecksum, ObjectType.DirTree, tree);
  write(repo, metaChecksum, ObjectType.DirMeta, meta);
  return [treeChecksum, metaChecksum];
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('an archive repo written with atoll codecs passes ostree fsck and reads back through ostree', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t, 'atoll-objects-fsck-');
  const repo = join(dir, 'repo');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  const many: Record<string, Node> = {};
  for (let k = 0; k < 400; k++) many[`entry-${k}`] = { kind: 'file', mode: 0o644, content: `${k % 7}` };
  const root: Extract<Node, { kind: 'dir' }> = {
    kind: 'dir',
    entries: {
      'hello': { kind: 'file', mode: 0o644, content: 'hello\n', xattrs: [{ name: 'user.zeta', value: enc('Z') }, { name: 'user.alpha', value: enc('abc') }] },
      'run.sh': { kind: 'file', mode: 0o755, content: '#!/bin/sh\necho hi\n' },
      'empty': { kind: 'file', mode: 0o600, content: '' },
      'owned': { kind: 'file', mode: 0o640, content: 'x', uid: 1000 },
      'link': { kind: 'link', target: 'hello' },
      'é-ü': { kind: 'file', mode: 0o644, content: 'unicode' },
      'B': { kind: 'file', mode: 0o644, content: 'B' },
      'sub': { kind: 'dir', mode: 0o700, xattrs: [{ name: 'user.dir', value: new Uint8Array([0, 255]) }], entries: { deeper: { kind: 'dir', entries: {} }, up: { kind: 'link', target: '../hello' } } },
      'many': { kind: 'dir', entries: many },
      'big.bin': { kind: 'file', mode: 0o644, content: new Uint8Array(200_000).map((_, k) => (k * 31) % 256) },
    },
  };
  const [rootTree, rootMeta] = writeTree(repo, root);
  const commit = encodeCommit({
    metadata: new Map([['version', stringVariant('1.0')], ['ostree.bootable', booleanVariant(true)], ['ostree.ref-binding', stringsVariant(['test'])]]),
    parent: null, related: [], subject: 'made by atoll', body: 'body', timestamp: 1577836800n, rootTree, rootMeta,
  });
  const commitChecksum = metadataChecksum(commit);
  write(repo, commitChecksum, ObjectType.Commit, commit);
  write(repo, commitChecksum, ObjectType.CommitMeta, encodeCommitMeta(new Map([['signed-by', stringVariant('atoll')]])));
  writeFileSync(join(repo, 'refs', 'heads', 'test'), `${commitChecksum}\n`);
  writeFileSync(join(repo, 'summary'), encodeSummary({
    refs: [{ name: 'test', commitSize: BigInt(commit.length), checksum: commitChecksum, metadata: new Map([['ostree.commit.timestamp', bigEndianUint64(1577836800)], ['ostree.commit.version', stringVariant('1.0')]]) }],
    metadata: new Map([['ostree.summary.mode', stringVariant('archive-z2')], ['ostree.summary.last-modified', bigEndianUint64(1577836800)]]),
  }));

  const fsck = run('ostree', [`--repo=${repo}`, 'fsck']);
  assert.equal(fsck.status, 0, fsck.stderr + fsck.stdout);
  assert.match(fsck.stdout, /no errors found/);
  assert.equal(runOk('ostree', [`--repo=${repo}`, 'cat', 'test', '/hello']), 'hello\n');
  assert.equal(runOk('ostree', [`--repo=${repo}`, 'show', '--print-metadata-key=version', 'test']).trim(), "'1.0'");
  assert.equal(runOk('ostree', [`--repo=${repo}`, 'show', '--print-detached-metadata-key=signed-by', 'test']).trim(), "'atoll'");
  const log = runOk('ostree', [`--repo=${repo}`, 'log', 'test']);
  assert.match(log, /Date: {2}2020-01-01 00:00:00 \+0000/);
  assert.match(log, /made by atoll/);
  const ls = runOk('ostree', [`--repo=${repo}`, 'ls', '-R', 'test']);
  assert.match(ls, /l00777 0 0 +0 \/link -> hello/);
  assert.match(ls, /d00700 0 0 +0 \/sub\n/);
  assert.match(ls, /-00640 1000 1000 +1 \/owned/);
  assert.match(ls, /\/many\/entry-399/);
  const lsX = runOk('ostree', [`--repo=${repo}`, 'ls', '-X', 'test', '/hello']);
  assert.match(lsX, /user\.alpha/);
  const summary = runOk('ostree', [`--repo=${repo}`, 'summary', '-v']);
  assert.match(summary, /\* test/);
  assert.match(summary, new RegExp(commitChecksum.slice(0, 12)));
  assert.match(summary, /Version \(ostree\.commit\.version\): 1\.0/);
  // Pull into a bare-user repo (recomputes every checksum on the way) and check out.
  const user = join(dir, 'user');
  runOk('ostree', [`--repo=${user}`, 'init', '--mode=bare-user']);
  runOk('ostree', [`--repo=${user}`, 'pull-local', repo, 'test']);
  const fsck2 = run('ostree', [`--repo=${user}`, 'fsck']);
  assert.equal(fsck2.status, 0, fsck2.stderr);
  if (isRoot()) {
    const co = join(dir, 'co');
    runOk('ostree', [`--repo=${repo}`, 'checkout', 'test', co]);
    assert.equal(readFileSync(join(co, 'run.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(lstatSync(join(co, 'run.sh')).mode & 0o7777, 0o755);
    assert.equal(readlinkSync(join(co, 'sub', 'up')), '../hello');
    assert.equal(lstatSync(join(co, 'owned')).uid, 1000);
    assert.equal(readFileSync(join(co, 'big.bin')).length, 200_000);
  }
});
