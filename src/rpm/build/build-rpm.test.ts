import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { requireShared } from '../../../test/helpers/env.js';
import { readHeaderBlob, Header, LEAD_SIZE, signaturePadding, TAG, SIGTAG } from '../header/index.js';
import { isAtollError } from '../../errors/index.js';
import { buildRpm, buildRpmDetailed, rpmFileName } from './build-rpm.js';
import type { FileInput, PackageDescription } from './description.js';
import { featureMatrix, fixturePackageSet } from './fixtures.js';
import { normalizePackage, parseDependency, type NormalizedFile } from './normalize.js';
import { readAll } from './content-source.js';
import { parsePackageDescriptions } from './parse-description.js';

function headers(bytes: Uint8Array): { sig: Header; main: Header; payloadStart: number; mainStart: number } {
  const sigBlob = readHeaderBlob(bytes, LEAD_SIZE, 'signature', { exactRegion: true });
  const mainStart = LEAD_SIZE + sigBlob.byteLength + signaturePadding(sigBlob.byteLength);
  const mainBlob = readHeaderBlob(bytes, mainStart, 'main', { exactRegion: true });
  return { sig: new Header(sigBlob), main: new Header(mainBlob), mainStart, payloadStart: mainStart + mainBlob.byteLength };
}

const GOLDEN_COMMON = { buildtime: 1700000000, buildhost: 'golden.example.invalid', autoReqProv: false, optflags: '-O2 -g' } as const;

/** libmagic's descriptions as rpmbuild recorded them: text files, directories, the rest ''. */
function classify(d: PackageDescription, special: Record<string, string> = {}): PackageDescription {
  return {
    ...d,
    platform: `${d.arch ?? 'noarch'}-debian-linux`,
    files: d.files?.map((f) => ({
      ...f,
      fileClass: special[f.path] ?? (f.type === 'dir' ? 'directory' : f.type === undefined && f.target === undefined && !f.ghost ? 'ASCII text' : ''),
    })),
  };
}

/** The golden specs of shared/fixtures/rpm-golden/, written as descriptions. */
const GOLDEN: Record<string, PackageDescription> = {
  'golden-gz-1.2.3-4.x86_64.rpm': classify({
    ...GOLDEN_COMMON,
    name: 'golden-gz',
    version: '1.2.3',
    release: '4',
    arch: 'x86_64',
    summary: 'Golden vector package (gzip payload)',
    description: 'Golden vector package built with a gzip payload.\nSecond line of the description.',
    license: 'MIT',
    url: 'https://example.invalid/golden',
    vendor: 'Golden Vendor',
    packager: 'Golden Packager <golden@example.invalid>',
    group: 'Applications/System',
    provides: ['golden-virtual = 2.0', 'golden-unversioned'],
    requires: ['/bin/sh', 'foo >= 1.0', 'libbar.so.1()(64bit)', { name: 'shadow-utils', qualifiers: ['pre'] }, { name: 'coreutils', op: '>=', evr: '8.0', qualifiers: ['post'] }],
    conflicts: ['bar < 2'],
    obsoletes: ['old-golden <= 1.0-1'],
    recommends: ['rec-pkg'],
    suggests: ['sug-pkg > 0.5'],
    supplements: ['sup-pkg'],
    enhances: ['enh-pkg'],
    files: [
      { path: '/usr/share/golden-gz', type: 'dir' },
      { path: '/usr/share/golden-gz/hello.txt', content: 'hello\n' },
      { path: '/usr/share/golden-gz/empty', content: '' },
      { path: '/usr/share/golden-gz/link', target: 'hello.txt' },
      { path: '/usr/share/golden-gz/hard1', content: 'hardlinked content\n' },
      { path: '/usr/share/golden-gz/hard2', hardlink: '/usr/share/golden-gz/hard1' },
      { path: '/etc/golden-gz.conf', content: 'key=value\n', config: true, noreplace: true },
      { path: '/usr/bin/golden-gz', content: '#!/bin/sh\necho golden\n', mode: 0o755 },
      { path: '/usr/bin/golden-cap', content: 'capable\n', mode: 0o755, caps: 'cap_net_raw=ep' },
      { path: '/var/lib/golden-gz', type: 'dir', mode: 0o750, user: 'daemon', group: 'daemon' },
      { path: '/var/lib/golden-gz/state', ghost: true, mode: 0o640, user: 'daemon', group: 'daemon' },
      { path: '/usr/share/doc/golden-gz/README', content: 'readme\n', doc: true },
      { path: '/usr/share/licenses/golden-gz/LICENSE', content: 'MIT license text\n', license: true },
    ],
    scripts: {
      pre: { prog: '<lua>', body: 'print("pre")' },
      post: 'echo "post $1"',
      preun: 'echo "preun $1"',
      postun: { prog: '/bin/sh', body: 'echo "postun $1"' },
      pretrans: { prog: '<lua>', body: 'print("pretrans")' },
      posttrans: 'echo posttrans',
    },
    triggers: [
      { type: 'in', conditions: ['bash >= 5.0'], body: 'echo "triggerin bash"' },
      { type: 'un', prog: '<lua>', conditions: ['glibc'], body: 'print("triggerun glibc")' },
    ],
    fileTriggers: [
      { type: 'in', prefixes: ['/usr/lib/golden'], body: 'echo "filetrigger in"' },
      { type: 'postun', scope: 'transaction', priority: 1000, prefixes: ['/usr/share/golden-other'], body: 'echo "transfiletrigger postun"' },
    ],
    changelog: [{ time: 1699963200, name: 'Golden Packager <golden@example.invalid> - 1.2.3-4', text: '- Initial golden vector.' }],
    payload: { compressor: 'gzip' },
  }, { '/usr/bin/golden-gz': 'POSIX shell script, ASCII text executable', '/usr/share/golden-gz/empty': 'empty' }),
  'golden-xz-2.0~rc1-1.fc99.noarch.rpm': classify({
    ...GOLDEN_COMMON,
    name: 'golden-xz',
    epoch: 3,
    version: '2.0~rc1',
    release: '1.fc99',
    summary: 'Golden vector package (xz payload)',
    description: 'Golden vector package built with an xz payload.',
    license: 'GPL-2.0-or-later AND MIT',
    url: 'https://example.invalid/golden-xz',
    provides: ['golden-caret = 1.0^20230101', 'config(golden-xz) = 3:2.0~rc1-1.fc99'],
    requires: ['(pkgA >= 1.0 or pkgB)', '(pkgC if pkgD else pkgE)', 'golden-gz = 1.2.3', 'golden-gz(x86-64)'],
    conflicts: ['golden-gz < 1.0'],
    obsoletes: ['golden-old < 3:1.0'],
    files: [
      { path: '/usr/share/golden-xz', type: 'dir' },
      { path: '/usr/share/golden-xz/de', type: 'dir' },
      { path: '/usr/share/golden-xz/de/greeting', content: 'hallo\n', lang: 'de' },
      { path: '/usr/share/golden-xz/verify', content: 'verify me\n', verifyFlags: 0xffffffdc },
      { path: '/usr/share/golden-xz/artifact', content: 'artifact\n', artifact: true },
      { path: '/usr/share/golden-xz/README', content: 'readme\n', readme: true },
      { path: '/etc/golden-xz', type: 'dir' },
      { path: '/etc/golden-xz/main.conf', content: 'a=1\n', config: true, missingok: true },
    ],
    payload: { compressor: 'xz' },
  }),
  'golden-zst-0.1-1.noarch.rpm': classify({
    ...GOLDEN_COMMON,
    name: 'golden-zst',
    version: '0.1',
    release: '1',
    summary: 'Golden vector package (zstd payload)',
    description: 'Golden vector package built with a zstd payload.',
    license: 'CC0-1.0',
    files: [
      { path: '/opt/golden-zst', type: 'dir' },
      { path: '/opt/golden-zst/data.txt', content: 'zstd golden\n' },
      { path: '/opt/golden-zst/sp ace-é.txt', content: 'x\n' },
    ],
    payload: { compressor: 'zstd' },
  }),
  'golden-dev-1-0.noarch.rpm': classify({
    ...GOLDEN_COMMON,
    name: 'golden-dev',
    version: '1',
    release: '0',
    summary: 'Golden vector package (uncompressed payload, device nodes)',
    description: 'Golden vector with an uncompressed payload and device nodes.',
    license: 'CC0-1.0',
    files: [
      { path: '/usr/share/golden-dev', type: 'dir' },
      { path: '/usr/share/golden-dev/plain.txt', content: 'plain\n' },
      { path: '/usr/share/golden-dev/null', type: 'char', rdev: { major: 1, minor: 3 }, mode: 0o666 },
      { path: '/usr/share/golden-dev/blk', type: 'block', rdev: { major: 8, minor: 17 }, mode: 0o660, group: 'disk' },
    ],
    payload: { compressor: 'none' },
  }),
  // 4 GiB + 1 zero bytes, generated block by block while streaming into zstd (about 15 s).
  'golden-large-1.0-1.noarch.rpm': {
    ...GOLDEN_COMMON,
    name: 'golden-large',
    version: '1.0',
    release: '1',
    summary: 'Golden vector package with a file of 4 GiB + 1 byte',
    description: 'Golden vector for the stripped cpio payload format.',
    license: 'CC0-1.0',
    platform: 'noarch-debian-linux',
    files: [
      { path: '/opt/golden-large', type: 'dir', fileClass: 'directory' },
      { path: '/opt/golden-large/small.txt', content: 'small\n', fileClass: 'ASCII text' },
      { path: '/opt/golden-large/big.bin', content: { size: 2 ** 32 + 1 }, fileClass: '' },
      { path: '/opt/golden-large/link', target: 'small.txt', fileClass: '' },
    ],
    payload: { compressor: 'zstd' },
  },
  'golden-meta-5-1.noarch.rpm': classify({
    ...GOLDEN_COMMON,
    name: 'golden-meta',
    version: '5',
    release: '1',
    summary: 'Golden vector meta package without files',
    description: 'Golden vector package that owns no files.',
    license: 'CC0-1.0',
    requires: ['golden-zst >= 0.1-1', 'golden-xz'],
    payload: { compressor: 'gzip' },
  }),
};


for (const [file, description] of Object.entries(GOLDEN)) {
  test(`${file} is rpmbuild's, tag by tag (and byte for byte unless gzip)`, async (t) => {
    const dir = requireShared(t, 'fixtures/rpm-golden');
    if (!dir) return;
    const golden = new Uint8Array(readFileSync(join(dir, file)));
    const built = await buildRpmDetailed(description);
    assert.equal(built.fileName, file);
    const g = headers(golden);
    const b = headers(built.bytes);
    assert.deepEqual(b.main.tags(), g.main.tags(), 'same tag set');
    for (const tag of b.main.tags()) {
      // Node's zlib (Chromium's fork) deflates differently from rpm's zlib; xz/zstd/none are identical.
      if (tag === TAG.PAYLOADDIGEST && description.payload?.compressor === 'gzip') continue;
      assert.deepEqual(b.main.raw(tag), g.main.raw(tag), `tag ${tag}`);
    }
    // Same lead and signature-header layout (RESERVEDSPACE keeps the size at 4276).
    assert.deepEqual(built.bytes.subarray(0, LEAD_SIZE), golden.subarray(0, LEAD_SIZE));
    assert.deepEqual(b.sig.tags(), g.sig.tags());
    assert.equal(b.mainStart, g.mainStart);
    assert.deepEqual(b.sig.raw(SIGTAG.PAYLOADSIZE), g.sig.raw(SIGTAG.PAYLOADSIZE));
    if (description.payload?.compressor !== 'gzip') {
      // Everything else being equal, the whole file is rpmbuild's, byte for byte.
      assert.deepEqual(built.bytes, golden);
    }
  });
}

test('the gzip golden payload decompresses to the same cpio bytes', async (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir) return;
  const golden = new Uint8Array(readFileSync(join(dir, 'golden-gz-1.2.3-4.x86_64.rpm')));
  const built = await buildRpm(GOLDEN['golden-gz-1.2.3-4.x86_64.rpm'] as PackageDescription);
  const cpio = (bytes: Uint8Array): Buffer => gunzipSync(bytes.subarray(headers(bytes).payloadStart));
  assert.deepEqual(cpio(built), cpio(golden));
});

test('digests and sizes in the signature header describe the file', async () => {
  for (const c of featureMatrix()) {
    const bytes = await buildRpm(c.description);
    const { sig, main, mainStart, payloadStart } = headers(bytes);
    const m = bytes.subarray(mainStart, payloadStart);
    const z = bytes.subarray(payloadStart);
    assert.equal(sig.string(SIGTAG.SHA256), createHash('sha256').update(m).digest('hex'), c.id);
    assert.equal(sig.string(SIGTAG.SHA1), createHash('sha1').update(m).digest('hex'), c.id);
    assert.deepEqual(sig.raw(SIGTAG.MD5), new Uint8Array(createHash('md5').update(m).update(z).digest()), c.id);
    assert.deepEqual(sig.numbers(SIGTAG.SIZE), [m.length + z.length], c.id);
    assert.equal(main.strings(TAG.PAYLOADDIGEST)?.[0], createHash('sha256').update(z).digest('hex'), c.id);
    assert.equal(sig.blob.dl, 4276, c.id);
    assert.equal(mainStart % 8, 0);
  }
});

test('builds are reproducible byte for byte, for every compressor and feature', async () => {
  for (const c of featureMatrix()) {
    const a = await buildRpm(c.description);
    const b = await buildRpm(structuredClone(c.description));
    assert.deepEqual(a, b, c.id);
  }
});

test('buildtime defaults to SOURCE_DATE_EPOCH, else a fixed value', async () => {
  const saved = process.env.SOURCE_DATE_EPOCH;
  try {
    delete process.env.SOURCE_DATE_EPOCH;
    assert.equal(normalizePackage({ name: 'a', version: '1', release: '1' }).buildtime, 1700000000);
    process.env.SOURCE_DATE_EPOCH = '1600000000';
    const p = normalizePackage({ name: 'a', version: '1', release: '1', files: [{ path: '/a', content: 'x' }] });
    assert.equal(p.buildtime, 1600000000);
    assert.equal(p.files[0]?.mtime, 1600000000);
  } finally {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  }
});

test('a file declared ≥ 4 GiB switches to LONGFILESIZES, LONGSIZE, rpmlib(LargeFiles) and the stripped cpio', async () => {
  const c = featureMatrix().find((m) => m.id === 'large-files-faked');
  assert.ok(c);
  const bytes = await buildRpm(c.description);
  const { main } = headers(bytes);
  assert.equal(main.has(TAG.FILESIZES), false);
  assert.deepEqual(main.numbers(TAG.LONGFILESIZES), [0, 2 ** 32 + 1, 9, 6]);
  assert.deepEqual(main.numbers(TAG.LONGSIZE), [2 ** 32 + 1 + 9 + 6]);
  assert.equal(main.has(TAG.SIZE), false);
  assert.ok(main.strings(TAG.REQUIRENAME)?.includes('rpmlib(LargeFiles)'));
});

test('the newc archive follows rpm: ghosts absent, hardlink content on the last member, 4-byte padding', () => {
  const p = normalizePackage(GOLDEN['golden-gz-1.2.3-4.x86_64.rpm'] as PackageDescription);
  assert.deepEqual(
    p.files.map((f) => f.inode),
    [1, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11, 12, 13],
  );
  assert.equal(p.installedSize, 98);
  assert.deepEqual(p.files.map((f) => f.device), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
});

test('dependency strings parse as the spec syntax does', () => {
  assert.deepEqual(parseDependency('foo'), { name: 'foo', flags: 0, evr: '' });
  assert.deepEqual(parseDependency('foo >= 1:2.0-1'), { name: 'foo', flags: 0xc, evr: '1:2.0-1' });
  assert.deepEqual(parseDependency('foo < 2'), { name: 'foo', flags: 0x2, evr: '2' });
  assert.deepEqual(parseDependency('(a or (b and c))'), { name: '(a or (b and c))', flags: 0, evr: '' });
  assert.deepEqual(parseDependency({ name: 'x', op: '<=', evr: '1', qualifiers: ['pre', 'postun'] }), { name: 'x', flags: 0xa | 0x200 | 0x1000, evr: '1' });
  for (const badInput of ['foo >=', 'foo ~> 1', '(unbalanced', '']) {
    assert.throws(() => parseDependency(badInput), (e) => isAtollError(e, 'RPM_BUILD_DESCRIPTION_BAD'), badInput);
  }
});

test('hostile or inconsistent descriptions are refused with a coded error', async () => {
  const base = { name: 'bad', version: '1', release: '1' };
  const cases: PackageDescription[] = [
    { ...base, files: [{ path: 'relative', content: '' }] },
    { ...base, files: [{ path: '/a/../b', content: '' }] },
    { ...base, files: [{ path: '/a//b', content: '' }] },
    { ...base, files: [{ path: '/a\0b', content: '' }] },
    { ...base, files: [{ path: '/a', content: '' }, { path: '/a', content: '' }] },
    { ...base, files: [{ path: '/a', hardlink: '/missing' }] },
    { ...base, files: [{ path: '/a', hardlink: '/b' }, { path: '/b', hardlink: '/a' }] },
    { ...base, files: [{ path: '/a', type: 'dir' }, { path: '/b', hardlink: '/a' }] },
    { ...base, files: [{ path: '/a', type: 'symlink' }] },
    { ...base, files: [{ path: '/a', content: 'x', mode: 0o170000 }] },
    { ...base, files: [{ path: '/a', content: 'x', user: 'two words' }] },
    { ...base, version: '1-2' },
    { ...base, name: '' },
    { ...base, epoch: -1 },
    { ...base, provides: ['(a or b)'] },
    { ...base, scripts: { post: { prog: 'sh', body: 'x' } } },
    { ...base, payload: { compressor: 'lz4' as never } },
    { ...base, requirs: ['typo'] } as PackageDescription,
    { ...base, files: [{ path: '/a', contnet: 'typo' } as FileInput] },
    { ...base, triggers: [{ type: 'in', conditions: ['x'], prog: ['/bin/sh', '-x'], body: '' }] },
  ];
  for (const description of cases) {
    await assert.rejects(buildRpm(description), (e) => isAtollError(e, 'RPM_BUILD_DESCRIPTION_BAD') || isAtollError(e, 'RPM_BUILD_COMPRESSOR_UNKNOWN'), JSON.stringify(description));
  }
});

test('descriptions load from YAML and JSON', async () => {
  const yaml = `
- name: from-yaml
  version: "1.0"
  release: "1"
  requires: [ "foo >= 2" ]
  files:
    - { path: /etc/from-yaml.conf, content: "a=1\\n", config: true }
    - { path: /usr/share/from-yaml/bin, content: { base64: "AAEC/w==" } }
`;
  const [fromYaml] = parsePackageDescriptions(yaml);
  const fromJson = parsePackageDescriptions(JSON.stringify(fromYaml))[0];
  assert.deepEqual(fromJson, fromYaml);
  const p = normalizePackage(fromYaml as PackageDescription);
  assert.deepEqual([...readAll((p.files[1] as NormalizedFile).content)], [0, 1, 2, 255]);
  assert.deepEqual(await buildRpm(fromYaml as PackageDescription), await buildRpm(fromJson as PackageDescription));
  assert.throws(() => parsePackageDescriptions('name: [unclosed'), (e) => isAtollError(e, 'RPM_BUILD_DESCRIPTION_SYNTAX'));
  assert.throws(() => parsePackageDescriptions('- 42'), (e) => isAtollError(e, 'RPM_BUILD_DESCRIPTION_SYNTAX'));
});

test('fixture package sets are deterministic and internally satisfiable', () => {
  const a = fixturePackageSet({ count: 30, seed: 7 });
  const b = fixturePackageSet({ count: 30, seed: 7 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(fixturePackageSet({ count: 30, seed: 8 }), a);
  const provided = new Set(a.flatMap((p) => [p.name, `${p.name}-virtual`, ...(p.files ?? []).map((f) => f.path)]));
  for (const p of a) for (const r of p.requires ?? []) assert.ok(provided.has(String(r).split(' ')[0] as string), `${p.name} requires ${String(r)}`);
  assert.equal(rpmFileName(a[0] as PackageDescription), `${a[0]?.name}-${a[0]?.version}-${a[0]?.release}.${a[0]?.arch}.rpm`);
});

test('unsafePaths (hostile-input tests only) stores escaping names verbatim', async () => {
  const description: PackageDescription = {
    name: 'hostile',
    version: '1',
    release: '1',
    payload: { compressor: 'none' },
    files: [
      { path: '/../../etc/evil', content: 'x' },
      { path: '/usr/escape', target: '../../../../etc' },
      { path: '/usr/escape/through-link', content: 'y' },
    ],
  };
  await assert.rejects(buildRpm(description), (e) => isAtollError(e, 'RPM_BUILD_DESCRIPTION_BAD'));
  const bytes = await buildRpm(description, { unsafePaths: true });
  const { main, payloadStart } = headers(bytes);
  assert.deepEqual(main.strings(TAG.DIRNAMES), ['/../../etc/', '/usr/', '/usr/escape/']);
  const cpio = Buffer.from(bytes.subarray(payloadStart)).toString('latin1');
  assert.ok(cpio.includes('./../../etc/evil\0'));
  assert.ok(cpio.includes('./usr/escape/through-link\0'));
});

test('bad levels are refused; a compressor that cannot run gives RPM_BUILD_COMPRESS_FAILED', async () => {
  const description: PackageDescription = { name: 'c', version: '1', release: '1', files: [{ path: '/a', content: { size: 300000, fill: 'x' } }] };
  for (const payload of [{ compressor: 'xz', level: 99 }, { compressor: 'bzip2', level: 0 }, { compressor: 'none', level: 1 }] as const) {
    await assert.rejects(buildRpm({ ...description, payload }), (e) => isAtollError(e, 'RPM_BUILD_DESCRIPTION_BAD'), JSON.stringify(payload));
  }
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(buildRpm({ ...description, payload: { compressor: 'zstd' } }), (e) => isAtollError(e, 'RPM_BUILD_COMPRESS_FAILED'));
  } finally {
    process.env.PATH = saved;
  }
  // Still works afterwards (no stuck state).
  assert.ok((await buildRpm({ ...description, payload: { compressor: 'zstd', level: 3 } })).length > 0);
});
