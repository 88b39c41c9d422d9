// Corruption is caught: a flipped byte in each kind of object, a truncated object, a missing
// object, an unsorted dirtree and a name with '/' each make `atoll repo fsck` name the problem
// (with its code) and exit 1, and reads fail with a coded error instead of a wrong answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, readFileSync, truncateSync, unlinkSync, readdirSync, cpSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';
import { encodeGVariant, bswap64 } from '../../src/gvariant/index.js';

const TS = '2026-01-01 00:00:00 +0000';

function atollOk(args: string[]): string {
  const r = atoll(['repo', ...args]);
  if (r.status !== 0) throw new Error(`atoll repo ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function findObject(repo: string, ext: string, pick = 0): string {
  const out: string[] = [];
  for (const prefix of readdirSync(join(repo, 'objects')).sort()) {
    for (const name of readdirSync(join(repo, 'objects', prefix)).sort()) if (name.endsWith(`.${ext}`)) out.push(join(repo, 'objects', prefix, name));
  }
  return out[pick] as string;
}

function makeRepo(dir: string, name: string, mode = 'archive'): string {
  const tree = join(dir, `tree-${name}`);
  mkdirSync(join(tree, 'sub/deeper'), { recursive: true });
  writeFileSync(join(tree, 'a'), 'alpha '.repeat(100));
  writeFileSync(join(tree, 'sub/b'), 'beta');
  writeFileSync(join(tree, 'sub/deeper/c'), 'gamma');
  const repo = join(dir, name);
  atollOk(['init', `--repo=${repo}`, `--mode=${mode}`]);
  atollOk(['commit', `--repo=${repo}`, '-b', 'main', `--timestamp=${TS}`, '-s', 's', tree]);
  return repo;
}

function fsck(repo: string): { status: number; out: string } {
  const r = atoll(['repo', 'fsck', `--repo=${repo}`, '--json']);
  return { status: r.status, out: r.stdout };
}

function flip(path: string, offset: number): void {
  const bytes = readFileSync(path);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] = (bytes[at] as number) ^ 0x01;
  writeFileSync(path, bytes);
}

test('fsck names each kind of corruption and exits non-zero; ostree fsck agrees where it checks', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const clean = makeRepo(dir, 'clean');
  assert.equal(fsck(clean).status, 0);
  assert.match(atollOk(['fsck', `--repo=${clean}`]), /no errors found/);

  const cases: Array<{ name: string; damage: (repo: string) => void; code: RegExp; ostreeFails: boolean }> = [
    { name: 'flipped byte in a file object payload', damage: (r) => flip(findObject(r, 'filez'), -3), code: /OSTREE_FSCK_(CORRUPT_OBJECT|CHECKSUM_MISMATCH)/, ostreeFails: true },
    { name: 'flipped byte in a file header (mode)', damage: (r) => flip(findObject(r, 'filez'), 27), code: /OSTREE_FSCK_(CORRUPT_OBJECT|CHECKSUM_MISMATCH)/, ostreeFails: true },
    // ostree 2022.7 does not compare the archive header's size with the payload; atoll does.
    { name: 'flipped byte in the archive size', damage: (r) => flip(findObject(r, 'filez'), 12), code: /OSTREE_FSCK_CORRUPT_OBJECT/, ostreeFails: false },
    { name: 'flipped byte in a dirtree', damage: (r) => flip(findObject(r, 'dirtree'), 0), code: /OSTREE_FSCK_CHECKSUM_MISMATCH/, ostreeFails: true },
    { name: 'flipped byte in a dirmeta', damage: (r) => flip(findObject(r, 'dirmeta'), 3), code: /OSTREE_FSCK_CHECKSUM_MISMATCH/, ostreeFails: true },
    { name: 'flipped byte in the commit', damage: (r) => flip(findObject(r, 'commit'), 10), code: /OSTREE_FSCK_CHECKSUM_MISMATCH/, ostreeFails: true },
    { name: 'truncated file object', damage: (r) => truncateSync(findObject(r, 'filez'), 20), code: /OSTREE_FSCK_CORRUPT_OBJECT/, ostreeFails: true },
    { name: 'missing file object', damage: (r) => unlinkSync(findObject(r, 'filez', 1)), code: /OSTREE_FSCK_MISSING_OBJECT[^]*needed by \/\S+/, ostreeFails: true },
    { name: 'missing dirtree', damage: (r) => unlinkSync(findObject(r, 'dirtree', 1)), code: /OSTREE_FSCK_MISSING_OBJECT/, ostreeFails: true },
  ];
  for (const c of cases) {
    const repo = join(dir, `case-${cases.indexOf(c)}`);
    cpSync(clean, repo, { recursive: true });
    c.damage(repo);
    const r = fsck(repo);
    assert.equal(r.status, 1, c.name);
    assert.match(r.out, c.code, c.name);
    if (c.name.startsWith('missing file')) assert.match(r.out, /"path": "\/(a|sub\/b|sub\/deeper\/c)"/);
    const theirs = (() => {
      try {
        runOk('ostree', [`--repo=${repo}`, 'fsck']);
        return 0;
      } catch {
        return 1;
      }
    })();
    assert.equal(theirs === 1, c.ostreeFails, `ostree fsck on ${c.name}`);
    // Reading everything fails with a coded error, never a crash or wrong data.
    const cat = atoll(['repo', 'checkout', `--repo=${repo}`, 'main', join(dir, `co-${cases.indexOf(c)}`)]);
    if (cat.status !== 0) {
      assert.equal(cat.status, 1, c.name);
      assert.doesNotMatch(cat.stderr, /internal error/, c.name);
    }
  }
});

function plant(repo: string, ext: string, bytes: Uint8Array): string {
  const sum = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(repo, 'objects', sum.slice(0, 2)), { recursive: true });
  writeFileSync(join(repo, 'objects', sum.slice(0, 2), `${sum.slice(2)}.${ext}`), bytes);
  return sum;
}

test('fsck rejects an unsorted dirtree and a name with a slash (ostree fsck does not)', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const repo = makeRepo(dir, 'repo');
  const out = runOk('ostree', [`--repo=${repo}`, 'ls', '-C', 'main', '/a', '/sub']).split('\n');
  const fileSum = (out[0] as string).split(/\s+/)[4] as string;
  const metaSum = (out[1] as string).split(/\s+/)[5] as string;
  const raw = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
  for (const [name, files, code] of [
    ['unsorted', [['z', fileSum], ['a', fileSum]], /OSTREE_OBJECT_BAD_DIRTREE/],
    ['slash', [['a/b', fileSum]], /OSTREE_OBJECT_BAD_NAME/],
  ] as const) {
    const r = join(dir, `bad-${name}`);
    cpSync(repo, r, { recursive: true });
    const tree = plant(r, 'dirtree', encodeGVariant('(a(say)a(sayay))', [files.map(([n, c]) => [n, raw(c)]), []]));
    const commit = plant(r, 'commit', encodeGVariant('(a{sv}aya(say)sstayay)', [[], new Uint8Array(0), [], 'bad', '', bswap64(1n), raw(tree), raw(metaSum)]));
    writeFileSync(join(r, 'refs/heads/bad'), `${commit}\n`);
    const result = fsck(r);
    assert.equal(result.status, 1, name);
    assert.match(result.out, code, name);
    const ls = atoll(['repo', 'ls', '-R', `--repo=${r}`, 'bad']);
    assert.equal(ls.status, 1, `ls of ${name}`);
    assert.match(ls.stderr, /dirtree/);
  }
});

test('fsck verifies bare repositories too, including file modes', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const repo = makeRepo(dir, 'bare', 'bare-user-only');
  assert.equal(fsck(repo).status, 0);
  runOk('chmod', ['0600', findObject(repo, 'file')]);
  const r = fsck(repo);
  assert.equal(r.status, 1);
  assert.match(r.out, /OSTREE_FSCK_CHECKSUM_MISMATCH/);
});

test('fsck streams objects larger than the in-memory limit and still catches damage', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  const big = Buffer.alloc(17 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  writeFileSync(join(tree, 'big'), big);
  for (const mode of ['archive', 'bare-user-only']) {
    const repo = join(dir, mode);
    atollOk(['init', `--repo=${repo}`, `--mode=${mode}`]);
    atollOk(['commit', `--repo=${repo}`, '-b', 'main', `--timestamp=${TS}`, '-s', 's', tree]);
    assert.equal(fsck(repo).status, 0, mode);
    assert.match(runOk('ostree', [`--repo=${repo}`, 'fsck']), /no errors found/);
    flip(findObject(repo, mode === 'archive' ? 'filez' : 'file'), -100);
    const r = fsck(repo);
    assert.equal(r.status, 1, mode);
    assert.match(r.out, /OSTREE_FSCK_(CORRUPT_OBJECT|CHECKSUM_MISMATCH)/, mode);
  }
});
