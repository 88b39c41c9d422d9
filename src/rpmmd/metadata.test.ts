import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared, tempDir } from '../../test/helpers/env.js';
import { parsePrimary } from './primary.js';
import { parseFilelists, parseOther } from './filelists.js';
import { parseRepomd } from './repomd.js';
import { detectCompression, readDecompressed } from './decompress.js';
import { RPMSENSE } from '../rpm/index.js';
import type { RepoPackage } from './types.js';

async function* bytes(data: string | Uint8Array, chunk = 7): AsyncGenerator<Uint8Array> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  // Small chunks: multi-byte characters and tags split across chunk boundaries.
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
}

async function primaryOf(data: string | Uint8Array, name = 'primary.xml', engine: 'fast' | 'saxes' = 'fast'): Promise<RepoPackage[]> {
  const out: RepoPackage[] = [];
  await parsePrimary(bytes(data), name, (p) => out.push(p), { engine });
  return out;
}

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('golden fixture primary: fields, EVR attributes, pre flags, rich deps', async (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden/repodata');
  if (dir === undefined) return;
  const file = readdirSync(dir).find((f) => f.endsWith('-primary.xml.gz')) as string;
  const path = join(dir, file);
  const pkgs: RepoPackage[] = [];
  await parsePrimary(readDecompressed(path, file, await detectCompression(path, file)), file, (p) => pkgs.push(p));
  assert.deepEqual(pkgs.map((p) => p.name).sort(), ['golden-dev', 'golden-gz', 'golden-meta', 'golden-xz', 'golden-zst']);
  const gz = pkgs.find((p) => p.name === 'golden-gz') as RepoPackage;
  assert.equal(gz.pkgid, 'a3939b67312683f76a80a4946e74e660d0efa6dc951e6ac48ebdfa00cfba5b91');
  assert.equal(gz.checksumType, 'sha256');
  assert.deepEqual([gz.epoch, gz.version, gz.release, gz.arch], [null, '1.2.3', '4', 'x86_64']);
  assert.deepEqual([gz.packageSize, gz.installedSize, gz.archiveSize, gz.fileTime, gz.buildtime], [9820, 98, 1896, 1700000000, 1700000000]);
  assert.equal(gz.description, 'Golden vector package built with a gzip payload.\nSecond line of the description.');
  assert.equal(gz.packager, 'Golden Packager <golden@example.invalid>');
  assert.equal(gz.locationHref, 'golden-gz-1.2.3-4.x86_64.rpm');
  const sh = gz.requires.filter((d) => d.name === '/bin/sh');
  assert.deepEqual(sh.map((d) => d.flags), [0, RPMSENSE.PREREQ, 0]);
  const xz = pkgs.find((p) => p.name === 'golden-xz') as RepoPackage;
  assert.equal(xz.epoch, 3);
  assert.deepEqual(xz.provides.find((d) => d.name === 'golden-xz'), { name: 'golden-xz', flags: RPMSENSE.EQUAL, evr: '3:2.0~rc1-1.fc99' });
  assert.deepEqual(xz.provides.find((d) => d.name === 'golden-caret'), { name: 'golden-caret', flags: RPMSENSE.EQUAL, evr: '1.0^20230101' });
  assert.ok(xz.requires.some((d) => d.name === '(pkgA >= 1.0 or pkgB)' && d.flags === 0 && d.evr === ''));
  assert.deepEqual(xz.conflicts, [{ name: 'golden-gz', flags: RPMSENSE.LESS, evr: '1.0' }]);
  const meta = pkgs.find((p) => p.name === 'golden-meta') as RepoPackage;
  assert.deepEqual(meta.requires.find((d) => d.name === 'golden-zst'), { name: 'golden-zst', flags: RPMSENSE.GREATER | RPMSENSE.EQUAL, evr: '0.1-1' });
  assert.deepEqual(meta.files, []);
  assert.ok(gz.files.some((f) => f.type === 'ghost') || gz.files.some((f) => f.type === 'dir') || gz.files.length > 0);
});

test('createrepo_c modified_repo_files: unknown elements ignored, errors coded', async (t) => {
  const dir = requireShared(t, 'corpus/repos/createrepo_c/testdata/modified_repo_files');
  if (dir === undefined) return;
  const read = (name: string): Buffer => readFileSync(join(dir, name));
  for (const name of ['unknown_element_00-primary.xml', 'unknown_element_01-primary.xml', 'unknown_element_02-primary.xml', 'long_primary.xml', 'repo_01_ampersand-primary.xml']) {
    const pkgs = await primaryOf(read(name), name);
    assert.ok(pkgs.length > 0, name);
    assert.ok(pkgs.every((p) => p.name !== '' && p.pkgid !== ''), name);
  }
  const amp = await primaryOf(read('repo_01_ampersand-primary.xml'));
  assert.ok(amp.some((p) => /&/.test(p.name + p.summary + p.description + p.locationHref)));
  await assert.rejects(primaryOf(read('error_00-primary.xml'), 'error_00-primary.xml'), (e: Error & { code?: string }) => e.code === 'RPMMD_METADATA_INVALID' && /fake_bash.*checksum/.test(e.message));
  await assert.rejects(primaryOf(read('multiple_warnings_00-primary.xml')), code('RPMMD_METADATA_INVALID'));
  await assert.rejects(parseFilelists(bytes(read('error_00-filelists.xml')), 'f', () => undefined), code('RPMMD_METADATA_INVALID'));
  await assert.rejects(parseFilelists(bytes(read('no_pkgid-filelists.xml')), 'f', () => undefined), code('RPMMD_METADATA_INVALID'));
  await assert.rejects(parseOther(bytes(read('error_00-other.xml')), 'o', () => undefined), code('RPMMD_METADATA_INVALID'));
  await assert.rejects(parseOther(bytes(read('multiple_warnings_00-other.xml')), 'o', () => undefined), code('RPMMD_METADATA_INVALID'));
  await assert.rejects(parseRepomd(read('missing_type-repomd.xml')), code('RPMMD_REPOMD_INVALID'));
  const files: string[] = [];
  await parseFilelists(bytes(read('unknown_element_00-filelists.xml')), 'f', (p) => files.push(...p.files.map((f) => f.path)));
  assert.ok(files.length > 0);
});

for (const engine of ['fast', 'saxes'] as const) {
  test(`malformed and truncated XML (${engine}): RPMMD_XML_MALFORMED with file and line`, async () => {
    const xml = '<?xml version="1.0"?>\n<metadata packages="1">\n<package type="rpm">\n  <name>a</name>\n  <arch>noarch</ar>\n';
    await assert.rejects(primaryOf(xml, 'bad.xml', engine), (e: Error & { code?: string; data?: Record<string, unknown> }) => e.code === 'RPMMD_XML_MALFORMED' && e.data?.line === 5 && /bad\.xml/.test(e.message));
    for (const bad of [
      '<?xml version="1.0"?>\n<metadata packages="1">\n<package type="rpm">\n  <name>a',
      '<metadata><package a=b/></metadata>',
      '<metadata><package a="<"/></metadata>',
      '<metadata>&bogus;</metadata>',
      '<metadata/><second/>',
      'text<metadata/>',
      '<metadata><x></y></metadata>',
      '<metadata a="1" a="2"/>',
    ]) {
      await assert.rejects(primaryOf(bad, 'bad.xml', engine), code('RPMMD_XML_MALFORMED'), bad);
    }
    await assert.rejects(primaryOf('<?xml version="1.0"?>\n<metadata packages="3">\n</metadata>\n', 'p', engine), (e: Error & { code?: string }) => e.code === 'RPMMD_METADATA_INVALID' && /declares 3/.test(e.message));
    await assert.rejects(primaryOf('<repomd/>', 'p', engine), code('RPMMD_METADATA_INVALID'));
    await assert.rejects(primaryOf('<?xml version="1.0"?><metadata><package><name>x</name><arch>a</arch><version ver="1" rel="1"/><checksum type="sha256">ab</checksum><location href="x.rpm"/><format><rpm:requires><rpm:entry name="y" flags="XX"/></rpm:requires></format></package></metadata>', 'p', engine), code('RPMMD_METADATA_INVALID'));
  });
}

test('multi-byte UTF-8 split across chunks and entities decode exactly', async () => {
  const xml = '<?xml version="1.0"?><metadata packages="1"><package type="rpm"><name>é-pkg</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/><checksum type="SHA256" pkgid="YES">AB</checksum><summary>a &amp; b &lt;c&gt; žluťoučký</summary><location xml:base="http://m.example/" href="é.rpm"/><format><file type="dir">/etc/é</file><file>/usr/bin/x</file></format></package></metadata>';
  const [p] = await primaryOf(xml);
  assert.deepEqual(await primaryOf(xml, 'p', 'saxes'), [p]);
  assert.deepEqual(await primaryOf(`<!-- c -->${xml.replace('<summary>', '<summary><![CDATA[]]>')}`, 'p'), [p]);
  assert.ok(p);
  assert.equal(p.name, 'é-pkg');
  assert.equal(p.summary, 'a & b <c> žluťoučký');
  assert.equal(p.pkgid, 'ab');
  assert.equal(p.checksumType, 'sha256');
  assert.equal(p.locationBase, 'http://m.example/');
  assert.deepEqual(p.files, [{ path: '/etc/é', type: 'dir' }, { path: '/usr/bin/x', type: 'file' }]);
});

test('decompression: gz, xz, zst, bz2 of createrepo_c test files; suffix/magic mismatch; truncated; zck', async (t) => {
  const dir = requireShared(t, 'corpus/repos/createrepo_c/testdata/compressed_files');
  if (dir === undefined) return;
  const plain = readFileSync(join(dir, '00_plain.txt'));
  const collect = async (path: string, name: string): Promise<Buffer> => {
    const chunks: Uint8Array[] = [];
    for await (const c of readDecompressed(path, name, await detectCompression(path, name))) chunks.push(c);
    return Buffer.concat(chunks);
  };
  for (const suffix of ['gz', 'xz', 'zst', 'bz2']) {
    const name = `00_plain.txt.${suffix}`;
    assert.equal(await detectCompression(join(dir, name), name), suffix);
    assert.deepEqual(await collect(join(dir, name), name), plain, name);
  }
  assert.deepEqual(await collect(join(dir, '00_plain.txt'), '00_plain.txt'), plain);
  const tmp = tempDir(t);
  writeFileSync(join(tmp, 'x.xml.gz'), readFileSync(join(dir, '00_plain.txt.xz')));
  await assert.rejects(detectCompression(join(tmp, 'x.xml.gz'), 'x.xml.gz'), code('RPMMD_COMPRESSION_MISMATCH'));
  await assert.rejects(collect(join(dir, '00_plain.txt.zck'), '00_plain.txt.zck'), code('RPMMD_COMPRESSION_UNSUPPORTED'));
  for (const suffix of ['gz', 'xz', 'zst', 'bz2']) {
    const whole = readFileSync(join(dir, `01_plain.txt.${suffix}`));
    const name = `cut.txt.${suffix}`;
    writeFileSync(join(tmp, name), whole.subarray(0, Math.floor(whole.length * 0.6)));
    await assert.rejects(collect(join(tmp, name), name), code('RPMMD_DECOMPRESS_FAILED'), suffix);
  }
});

test('UTF-8 split across chunks at every offset reads the same as one chunk (ASCII fast path and decoder hand-over)', async () => {
  const text = 'é ✓ 𝄞 plain ascii ü';
  const xml = `<?xml version="1.0"?>\n<metadata packages="1"><package type="rpm"><name>u</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/><checksum type="sha256" pkgid="YES">ab</checksum><summary>${text}</summary><description>${'x'.repeat(40)}${text}${'y'.repeat(40)}</description><location href="u.rpm"/><format><rpm:provides><rpm:entry name="ü-cap" flags="EQ" epoch="0" ver="1" rel="1"/></rpm:provides></format></package></metadata>`;
  const whole: RepoPackage[] = [];
  await parsePrimary(bytes(xml, 1 << 20), 'p', (p) => whole.push(p));
  assert.equal(whole[0]?.summary, text);
  assert.equal(whole[0]?.provides[0]?.name, 'ü-cap');
  for (let chunk = 1; chunk <= 9; chunk++) {
    const out: RepoPackage[] = [];
    await parsePrimary(bytes(xml, chunk), 'p', (p) => out.push(p));
    assert.deepEqual(out, whole, `chunk size ${chunk}`);
  }
});
