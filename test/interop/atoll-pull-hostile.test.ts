import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { requireTool, tempDir } from '../helpers/env.js';
import { runOk, atollBin } from '../helpers/run.js';
import { pull } from '../../src/ostree/pull/index.js';
import { isAtollError } from '../../src/errors/index.js';
import { RecordingReporter } from '../../src/report/index.js';
import { makeTree, objectSet } from '../helpers/trees.js';

/**
 * A server that lies: it serves an OSTree archive repo but corrupts, truncates or withholds
 * chosen files, or swaps the summary. Every such pull must fail with a coded error naming the
 * object, leave refs as they were, and a later honest pull must still complete (nothing bad
 * was stored).
 */
type Mutation = (path: string, bytes: Buffer | undefined) => Buffer | undefined | 'delay';

async function lyingServer(t: TestContext, root: string, state: { mutate: Mutation | undefined; served: string[] }): Promise<string> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] as string)).replace(/^\/+/, '');
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(join(root, path));
    } catch {
      bytes = undefined;
    }
    const out = state.mutate ? state.mutate(path, bytes) : bytes;
    const send = (body: Buffer | undefined): void => {
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      state.served.push(path);
      res.writeHead(200, { 'Content-Length': body.length }).end(body);
    };
    if (out === 'delay') setTimeout(() => send(bytes), 15);
    else send(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function refOf(repo: string): string | undefined {
  const path = join(repo, 'refs', 'remotes', 'origin', 'os', 'main');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

test('corrupt, truncated, withheld objects and a lying summary fail cleanly with refs unchanged', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const src = join(dir, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '-s', 'one', makeTree(dir, 20, 1)]);
  runOk('ostree', [`--repo=${src}`, 'summary', '-u']);
  const first = runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/main']).trim();
  const state: { mutate: Mutation | undefined; served: string[] } = { mutate: undefined, served: [] };
  const url = await lyingServer(t, src, state);
  const dst = join(dir, 'dst');
  runOk('ostree', [`--repo=${dst}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${dst}`, 'remote', 'add', '--no-gpg-verify', 'origin', url]);
  await pull({ repo: dst, remote: 'origin', refs: ['os/main'] });
  assert.equal(refOf(dst), first);

  // A newer commit on the server with new content, dirtrees and a new tool binary.
  const tree2 = makeTree(dir, 20, 2);
  runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '-s', 'two', tree2]);
  const otherSummary = readFileSync(join(src, 'summary'));
  runOk('ostree', [`--repo=${src}`, 'summary', '-u']);
  const second = runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/main']).trim();
  const fresh = [...objectSet(src)].filter((o) => !objectSet(dst).has(o));
  const newFilez = fresh.filter((o) => o.endsWith('.filez')).sort((a, b) => readFileSync(join(src, b)).length - readFileSync(join(src, a)).length)[0] as string;
  const newDirtree = fresh.find((o) => o.endsWith('.dirtree')) as string;
  assert.ok(newFilez && newDirtree);
  const checksumOf = (o: string): string => o.slice('objects/'.length).replace('/', '').replace(/\..*$/, '');

  const cases: Array<[string, Mutation, string, string | undefined]> = [
    ['corrupted content', (p, b) => (p === newFilez && b ? Buffer.concat([b.subarray(0, b.length - 9), Buffer.from([b[b.length - 9]! ^ 0xff]), b.subarray(b.length - 8)]) : b), 'PULL_CORRUPT_OBJECT', checksumOf(newFilez)],
    ['truncated content', (p, b) => (p === newFilez && b ? b.subarray(0, Math.floor(b.length / 2)) : b), 'PULL_CORRUPT_OBJECT', checksumOf(newFilez)],
    [
      'content whose payload decompresses to other bytes',
      (p, b) => {
        if (p !== newFilez || !b) return b;
        const headerEnd = 8 + b.readUInt32BE(0);
        return Buffer.concat([b.subarray(0, headerEnd), deflateRawSync(Buffer.alloc(200_000, 9))]);
      },
      'PULL_CORRUPT_OBJECT',
      checksumOf(newFilez),
    ],
    ['corrupted dirtree', (p, b) => (p === newDirtree && b ? Buffer.concat([b, Buffer.from([0])]) : b), 'PULL_CORRUPT_OBJECT', checksumOf(newDirtree)],
    ['withheld dirtree', (p, b) => (p === newDirtree ? undefined : b), 'PULL_MISSING_OBJECT', checksumOf(newDirtree)],
    ['withheld content', (p, b) => (p === newFilez ? undefined : b), 'PULL_MISSING_OBJECT', checksumOf(newFilez)],
    [
      'a summary pointing at a commit the server does not have',
      (p, b) => (p === 'summary' ? Buffer.from(b!.toString('latin1').replace(Buffer.from(second, 'hex').toString('latin1'), Buffer.alloc(32, 0xab).toString('latin1')), 'latin1') : b),
      'PULL_MISSING_OBJECT',
      'ab'.repeat(32),
    ],
    [
      'the commit of one ref served under another commit name',
      (p, b) => (p === `objects/${second.slice(0, 2)}/${second.slice(2)}.commit` ? readFileSync(join(src, 'objects', first.slice(0, 2), `${first.slice(2)}.commit`)) : b),
      'PULL_CORRUPT_OBJECT',
      second,
    ],
    ['a summary understating the commit size', (p, b) => (p === 'summary' ? shrinkCommitSize(b!, second) : b), 'PULL_OBJECT_TOO_LARGE', undefined],
    ['a truncated summary', (p, b) => (p === 'summary' ? otherSummary.subarray(0, 7) : b), 'PULL_BAD_SUMMARY', undefined],
  ];
  // Each case starts from a copy of the destination as it was after the first pull.
  let last = dst;
  for (const [index, [what, mutate, code, named]] of cases.entries()) {
    state.mutate = mutate;
    const copy = join(dir, `case-${index}`);
    runOk('cp', ['-a', dst, copy]);
    last = copy;
    await assert.rejects(
      pull({ repo: copy, remote: 'origin', refs: ['os/main'] }),
      (error: unknown) => {
        assert.ok(isAtollError(error, code), `${what}: expected ${code}, got ${String((error as Error).message)} [${(error as { code?: string }).code}]`);
        if (named) assert.ok((error as Error).message.includes(named), `${what}: message names the object: ${(error as Error).message}`);
        return true;
      },
      what,
    );
    assert.equal(refOf(copy), first, `${what}: ref unchanged`);
  }
  // Nothing bad was kept: an honest server completes every interrupted pull, and ostree fsck agrees.
  state.mutate = undefined;
  for (const repo of [last, join(dir, 'case-0'), join(dir, 'case-3')]) {
    await pull({ repo, remote: 'origin', refs: ['os/main'] });
    assert.equal(refOf(repo), second);
    runOk('ostree', [`--repo=${repo}`, 'fsck']);
    assert.deepEqual(readdirSync(join(repo, 'state')), []);
  }
});

/** Rewrite the little-endian commit size in front of a checksum in the summary to 10 bytes. */
function shrinkCommitSize(summary: Buffer, checksum: string): Buffer {
  const at = summary.indexOf(Buffer.from(checksum, 'hex'));
  const out = Buffer.from(summary);
  out.writeBigUInt64LE(10n, at - 8);
  return out;
}

test('a pull killed mid-way resumes: the re-run completes and fetches only what is missing', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const src = join(dir, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '-s', 'one', makeTree(dir, 300, 1)]);
  runOk('ostree', [`--repo=${src}`, 'summary', '-u']);
  const tip = runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/main']).trim();
  const total = [...objectSet(src)].length;
  const state: { mutate: Mutation | undefined; served: string[] } = { mutate: (p, b) => (p.startsWith('objects/') ? 'delay' : b), served: [] };
  const url = await lyingServer(t, src, state);
  const dst = join(dir, 'dst');
  runOk('ostree', [`--repo=${dst}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${dst}`, 'remote', 'add', '--no-gpg-verify', 'origin', url]);

  const child = spawn(process.execPath, [atollBin, '--progress=none', 'repo', 'pull', `--repo=${dst}`, '--parallel=2', 'origin', 'os/main'], {
    stdio: 'ignore',
    env: { ...process.env, ATOLL_PULL_BATCH_SIZE: '25' },
  });
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (state.served.filter((p) => p.startsWith('objects/')).length >= total / 2) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
  });
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(refOf(dst), undefined, 'no ref after the kill');
  assert.ok(existsSync(join(dst, 'state', `${tip}.commitpartial`)), 'the commit is marked partial');
  const kept = objectSet(dst).size;
  assert.ok(kept > 0, 'committed batches survive the kill');

  state.served = [];
  state.mutate = undefined;
  const reporter = new RecordingReporter();
  const result = await pull({ repo: dst, remote: 'origin', refs: ['os/main'], reporter });
  assert.equal(refOf(dst), tip);
  // Progress: object counts and bytes as it goes, then a summary line with the rate.
  const ticks = reporter.events.filter((e) => e.type === 'progress');
  assert.ok(ticks.length > 0 && ticks.every((e) => e.type === 'progress' && e.phase === 'pull' && typeof e.bytes === 'number'));
  assert.ok(reporter.messages('info').some((m) => /content objects fetched; .* transferred in .* seconds \(.*\/s\)/.test(m)));
  assert.ok(!existsSync(join(dst, 'state', `${tip}.commitpartial`)));
  assert.ok(result.metadataFetched + result.contentFetched <= total - kept + 1, `re-run fetched ${result.metadataFetched + result.contentFetched} of ${total}, ${kept} were kept`);
  runOk('ostree', [`--repo=${dst}`, 'fsck']);
});

test('ref and collection bindings: a commit offered under another ref or collection is refused', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const src = join(dir, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive', '--collection-id=org.example.Os']);
  runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/stable', '--owner-uid=0', '--owner-gid=0', makeTree(dir, 2, 1)]);
  const stable = runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/stable']).trim();
  // The server publishes the stable commit as os/testing too (no summary: refs/heads is read).
  runOk('sh', ['-c', `mkdir -p "$0/refs/heads/os" && echo ${stable} > "$0/refs/heads/os/testing"`, src]);
  const state: { mutate: Mutation | undefined; served: string[] } = { mutate: undefined, served: [] };
  const url = await lyingServer(t, src, state);
  const dst = join(dir, 'dst');
  runOk('ostree', [`--repo=${dst}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${dst}`, 'remote', 'add', '--no-gpg-verify', 'origin', url]);
  await assert.rejects(pull({ repo: dst, remote: 'origin', refs: ['os/testing'] }), (e) => isAtollError(e, 'PULL_REF_BINDING'));
  assert.equal(existsSync(join(dst, 'refs', 'remotes', 'origin', 'os', 'testing')), false);
  // Both refs in one pull (one commit, walked once): still refused, and no ref is written.
  await assert.rejects(pull({ repo: dst, remote: 'origin', refs: ['os/stable', 'os/testing'] }), (e) => isAtollError(e, 'PULL_REF_BINDING'));
  assert.equal(existsSync(join(dst, 'refs', 'remotes', 'origin', 'os', 'stable')), false);
  await pull({ repo: dst, remote: 'origin', refs: ['os/stable'] });
  // The commit is now local: asking for it as os/testing is still refused.
  await assert.rejects(pull({ repo: dst, remote: 'origin', refs: ['os/testing'] }), (e) => isAtollError(e, 'PULL_REF_BINDING'));
  assert.equal(existsSync(join(dst, 'refs', 'remotes', 'origin', 'os', 'testing')), false);

  const wrongCollection = join(dir, 'dst2');
  runOk('ostree', [`--repo=${wrongCollection}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${wrongCollection}`, 'remote', 'add', '--no-gpg-verify', '--collection-id=org.example.Other', 'origin', url]);
  await assert.rejects(pull({ repo: wrongCollection, remote: 'origin', refs: ['os/stable'] }), (e) => isAtollError(e, 'PULL_REF_BINDING'));
  runOk('ostree', [`--repo=${wrongCollection}`, 'remote', 'delete', 'origin']);
  runOk('ostree', [`--repo=${wrongCollection}`, 'remote', 'add', '--no-gpg-verify', '--collection-id=org.example.Os', 'origin', url]);
  await pull({ repo: wrongCollection, remote: 'origin', refs: ['os/stable'] });
  runOk('ostree', [`--repo=${wrongCollection}`, 'fsck']);
});
