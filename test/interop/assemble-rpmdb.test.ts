// The rpmdb writer against rpm 4.18's own database of the golden packages (rpmdb.md §7) and
// against real rpm/rpmdb reading what we write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { requireShared, requireTool, tempDir } from '../helpers/env.js';
import { run, runOk } from '../helpers/run.js';
import { readRpmHeaders, Header, readHeaderBlob } from '../../src/rpm/index.js';
import { installedBlob, indexRows, writeRpmdb, readRpmdbPackages, readRpmdbHeaders, richDependencyKeys } from '../../src/assemble/rpmdb/index.js';

const GOLDEN_ORDER = ['golden-zst', 'golden-gz', 'golden-xz', 'golden-meta', 'golden-dev'];

function goldenHeaders(dir: string): ReturnType<typeof readRpmHeaders>[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.rpm'));
  return GOLDEN_ORDER.map((name) => {
    const file = files.find((f) => f.startsWith(`${name}-`))!;
    return readRpmHeaders(readFileSync(join(dir, file)));
  });
}

function splitExport(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const il = bytes.readUInt32BE(pos + 8);
    const dl = bytes.readUInt32BE(pos + 12);
    const len = 16 + 16 * il + dl;
    out.push(bytes.subarray(pos + 8, pos + len));
    pos += len;
  }
  return out;
}

test('installed blobs equal rpm 4.18 --exportdb byte for byte', (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir) return;
  const reference = splitExport(readFileSync(join(dir, 'rpmdb', 'rpmdb-export.bin')));
  const headers = goldenHeaders(dir);
  assert.equal(reference.length, headers.length);
  headers.forEach((h, i) => {
    const blob = installedBlob({ headers: h }, 1700000000, 1700000000);
    assert.equal(Buffer.compare(Buffer.from(blob), reference[i]!), 0, `${GOLDEN_ORDER[i]} blob differs (${blob.length} vs ${reference[i]!.length} bytes)`);
  });
});

test('index rows equal rpm 4.18 index rows', (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir) return;
  const expected = readFileSync(join(dir, 'rpmdb', 'index-rows.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .sort();
  const actual: string[] = [];
  goldenHeaders(dir).forEach((h, i) => {
    const blob = installedBlob({ headers: h }, 1700000000, 1700000000);
    for (const row of indexRows(new Header(readHeaderBlob(blob, 0, 'main', { noMagic: true, exactRegion: false })))) {
      const key = typeof row.key === 'string' ? row.key : `hex:${Buffer.from(row.key).toString('hex')}`;
      actual.push(`${row.table}\t${key}\t${i + 1}\t${row.idx}`);
    }
  });
  assert.deepEqual(actual.sort(), expected);
});

test('rich dependency keys follow rpm 4.18 (rpmdb.md §5)', () => {
  assert.deepEqual(richDependencyKeys('(pkgA >= 1.0 or pkgB)'), ['pkgA', 'pkgB']);
  assert.deepEqual(richDependencyKeys('(pkgC if pkgD else pkgE)'), ['pkgC', 'pkgD', 'pkgE', '!pkgD']);
  assert.deepEqual(richDependencyKeys('((pkgA if pkgB else pkgC) and pkgD)'), ['pkgA', 'pkgB', 'pkgC', 'pkgD', '!pkgB']);
  assert.deepEqual(richDependencyKeys('((pkgI or pkgJ) if (pkgK and pkgL))'), ['pkgI', 'pkgJ', '!pkgK', '!pkgL']);
  assert.deepEqual(richDependencyKeys('(pkgG with pkgH >= 2)'), ['pkgG', 'pkgH']);
  assert.deepEqual(richDependencyKeys('(pkgE unless pkgF)'), ['pkgE', '!pkgF']);
});

test('rpm reads the written database: -qa, -q, -qf, --whatprovides, --verifydb, --exportdb', (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir || !requireTool(t, 'rpm', 'rpmdb')) return;
  const db = join(tempDir(t), 'usr', 'share', 'rpm');
  const result = writeRpmdb(db, goldenHeaders(dir).map((headers) => ({ headers })), { timestamp: 1700000000, constantInstallTime: true });
  assert.equal(result.packages, 5);
  assert.deepEqual(readdirSync(db), ['rpmdb.sqlite']);
  const header = readFileSync(join(db, 'rpmdb.sqlite')).subarray(18, 20);
  assert.deepEqual([...header], [1, 1], 'rollback-journal mode');
  const qa = run('rpm', ['--dbpath', db, '-qa', '--qf', '%{NAME} %{INSTALLTID}\\n']);
  assert.equal(qa.status, 0, qa.stderr);
  assert.doesNotMatch(qa.stderr, /skipping/);
  assert.deepEqual(qa.stdout.trim().split('\n'), GOLDEN_ORDER.map((n) => `${n} 1700000000`));
  assert.match(runOk('rpm', ['--dbpath', db, '-q', 'golden-gz']), /^golden-gz-1\.2\.3-4\.x86_64/);
  const files = runOk('rpm', ['--dbpath', db, '-ql', 'golden-gz']).trim().split('\n');
  assert.match(runOk('rpm', ['--dbpath', db, '-qf', files[files.length - 1]!]), /^golden-gz-/);
  const provides = runOk('rpm', ['--dbpath', db, '-q', '--provides', 'golden-zst']).trim().split('\n')[0]!.split(' ')[0]!;
  assert.match(runOk('rpm', ['--dbpath', db, '-q', '--whatprovides', provides]), /^golden-zst-/);
  assert.match(runOk('rpm', ['--dbpath', db, '-q', '--tid', '1700000000']), /golden-dev/);
  const verify = run('rpmdb', ['--dbpath', db, '--verifydb']);
  assert.equal(verify.status, 0, verify.stderr);
  const exported = spawnSync('rpmdb', ['--dbpath', db, '--exportdb'], { maxBuffer: 64 * 1024 * 1024 });
  assert.equal(Buffer.compare(exported.stdout, readFileSync(join(dir, 'rpmdb', 'rpmdb-export.bin'))), 0, 'exportdb equals the reference');
  assert.deepEqual(
    readRpmdbPackages(db).map((p) => p.name),
    GOLDEN_ORDER,
  );
});

test('rewriting a database keeps installed blobs verbatim and adds new packages (layering)', (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir || !requireTool(t, 'rpm')) return;
  const headers = goldenHeaders(dir);
  const base = join(tempDir(t), 'base');
  writeRpmdb(base, headers.slice(0, 3).map((h) => ({ headers: h })), { timestamp: 1600000000 });
  const kept = readRpmdbHeaders(base).filter((h) => h.header.string(1000) !== 'golden-gz');
  const layered = join(tempDir(t), 'layered');
  writeRpmdb(layered, [...kept.map((h) => ({ installedBlob: h.blob })), { headers: headers[4]! }], { timestamp: 1700000000 });
  const rows = runOk('rpm', ['--dbpath', layered, '-qa', '--qf', '%{NAME} %{INSTALLTID}\\n']).trim().split('\n');
  assert.deepEqual(rows, ['golden-zst 1600000000', 'golden-xz 1600000000', 'golden-dev 1700000000']);
  const again = readRpmdbHeaders(layered);
  assert.deepEqual(Buffer.from(again[0]!.blob), Buffer.from(kept[0]!.blob));
  assert.equal(run('rpmdb', ['--dbpath', layered, '--verifydb']).status, 0);
});
