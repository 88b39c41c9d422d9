// The writer against rpm's own writer: the same package written as a spec file for Debian's
// rpmbuild 4.18 and as an atoll description must give the same main header, tag by tag, and
// (for xz, zstd, bzip2 and uncompressed payloads, whose streams atoll produces exactly as rpm
// does) the same file, byte for byte. Covers what the shared golden packages do not: automatic config() dependencies, epoch 0,
// Requires(meta/preun/postun), OrderWithRequires, `-p` interpreters with arguments, a body-less
// scriptlet, %verifyscript, setuid and sticky modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { run } from '../helpers/run.js';
import { buildRpmDetailed, readHeaderBlob, Header, LEAD_SIZE, signaturePadding, TAG, type PackageDescription } from '../../src/rpm/index.js';

const SPEC = String.raw`%define debug_package %{nil}
%global __os_install_post %{nil}
%global _binary_payload @PAYLOAD@
Name: vs-rpmbuild
Epoch: 0
Version: 2.1^git3
Release: 4.fc99
Summary: atoll writer vs rpmbuild
License: MIT AND BSD-3-Clause
URL: https://example.invalid/vs
Vendor: Atoll
Group: System/Test
BuildArch: noarch
Provides: vs-virtual = 7
Requires: foo >= 2
Requires: foo >= 1
Requires: foo
Requires: (bar or baz >= 3)
Requires(preun,postun): systemd
Requires(meta): metadep
Requires(pretrans): pre-tool
OrderWithRequires: ordered
Conflicts: vs-old < 1:0
Obsoletes: vs-ancient
Recommends: (langpack-de if lang-de)
Suggests: sug
Supplements: sup >= 1
Enhances: enh

%description
atoll writer vs rpmbuild.
Two lines.

%install
mkdir -p %{buildroot}/etc/vs %{buildroot}/usr/bin %{buildroot}/usr/share/vs/sub %{buildroot}/var/lib/vs
echo a > %{buildroot}/etc/vs/vs.conf
echo b > %{buildroot}/etc/vs/other.conf
echo tool > %{buildroot}/usr/bin/vs-tool
echo shared > %{buildroot}/usr/share/vs/one
ln %{buildroot}/usr/share/vs/one %{buildroot}/usr/share/vs/two
ln -s ../one %{buildroot}/usr/share/vs/sub/link
echo doc > %{buildroot}/usr/share/vs/README

%pre
echo pre
%post -p /sbin/ldconfig
%postun -p "/bin/sh -e"
echo postun
%verifyscript
echo verify
%triggerin -- bash >= 5
echo trigger
%transfiletriggerin -P 500 -- /usr/lib/vs
cat

%files
%dir /etc/vs
%config(noreplace) /etc/vs/vs.conf
%config %attr(0600,root,root) /etc/vs/other.conf
%attr(4755,root,root) /usr/bin/vs-tool
%dir %attr(1777,root,root) /usr/share/vs
/usr/share/vs/one
/usr/share/vs/two
/usr/share/vs/sub
%doc /usr/share/vs/README
%dir /var/lib/vs
%ghost /var/lib/vs/state
`;

const DESCRIPTION: PackageDescription = {
  name: 'vs-rpmbuild',
  epoch: 0,
  version: '2.1^git3',
  release: '4.fc99',
  summary: 'atoll writer vs rpmbuild',
  description: 'atoll writer vs rpmbuild.\nTwo lines.',
  license: 'MIT AND BSD-3-Clause',
  url: 'https://example.invalid/vs',
  vendor: 'Atoll',
  group: 'System/Test',
  buildtime: 1700000000,
  buildhost: 'golden.example.invalid',
  platform: 'noarch-debian-linux',
  optflags: '-O2 -g',
  provides: ['vs-virtual = 7'],
  requires: [
    'foo >= 2',
    'foo >= 1',
    'foo',
    '(bar or baz >= 3)',
    { name: 'systemd', qualifiers: ['preun', 'postun'] },
    { name: 'metadep', qualifiers: ['meta'] },
    { name: 'pre-tool', qualifiers: ['pretrans'] },
  ],
  orderWithRequires: ['ordered'],
  conflicts: ['vs-old < 1:0'],
  obsoletes: ['vs-ancient'],
  recommends: ['(langpack-de if lang-de)'],
  suggests: ['sug'],
  supplements: ['sup >= 1'],
  enhances: ['enh'],
  files: [
    { path: '/etc/vs', type: 'dir', fileClass: 'directory' },
    { path: '/etc/vs/vs.conf', content: 'a\n', config: true, noreplace: true, fileClass: 'ASCII text' },
    { path: '/etc/vs/other.conf', content: 'b\n', config: true, mode: 0o600, fileClass: 'ASCII text' },
    { path: '/usr/bin/vs-tool', content: 'tool\n', mode: 0o4755, fileClass: 'ASCII text' },
    { path: '/usr/share/vs', type: 'dir', mode: 0o1777, fileClass: 'directory' },
    { path: '/usr/share/vs/one', content: 'shared\n', fileClass: 'ASCII text' },
    { path: '/usr/share/vs/two', hardlink: '/usr/share/vs/one', fileClass: 'ASCII text' },
    { path: '/usr/share/vs/sub', type: 'dir', fileClass: 'directory' },
    { path: '/usr/share/vs/sub/link', target: '../one', fileClass: '' },
    { path: '/usr/share/vs/README', content: 'doc\n', doc: true, fileClass: 'ASCII text' },
    { path: '/var/lib/vs', type: 'dir', fileClass: 'directory' },
    // rpmbuild records mode 0100000 for a %ghost that is absent from the buildroot and has no
    // %attr; atoll's default for ghosts is 0644, so the description states rpmbuild's value.
    { path: '/var/lib/vs/state', ghost: true, mode: 0, fileClass: '' },
  ],
  scripts: {
    prein: 'echo pre',
    postin: { prog: '/sbin/ldconfig' },
    postun: { prog: ['/bin/sh', '-e'], body: 'echo postun' },
    verifyscript: 'echo verify',
  },
  triggers: [{ type: 'in', conditions: ['bash >= 5'], body: 'echo trigger' }],
  fileTriggers: [{ type: 'in', scope: 'transaction', priority: 500, prefixes: ['/usr/lib/vs'], body: 'cat' }],
};

/** rpmbuild's payload mode strings and the matching description; gzip streams differ (Node's zlib). */
const PAYLOADS = [
  { mode: 'w6.xzdio', compressor: 'xz', identical: true },
  { mode: 'w19.zstdio', compressor: 'zstd', identical: true },
  { mode: 'w9.bzdio', compressor: 'bzip2', identical: true },
  { mode: 'w.ufdio', compressor: 'none', identical: true },
  { mode: 'w9.gzdio', compressor: 'gzip', identical: false },
] as const;

function mainHeader(bytes: Uint8Array): Header {
  const sig = readHeaderBlob(bytes, LEAD_SIZE, 'signature', { exactRegion: true });
  return new Header(readHeaderBlob(bytes, LEAD_SIZE + sig.byteLength + signaturePadding(sig.byteLength), 'main', { exactRegion: true }));
}

for (const payload of PAYLOADS) {
  test(`the same package from rpmbuild and from atoll is the same file (${payload.mode})`, async (t) => {
    if (!requireTool(t, 'rpmbuild')) return;
    if (!isRoot()) {
      t.skip('rpmbuild must run as root for root-owned files');
      return;
    }
    const dir = tempDir(t, 'atoll-vs-rpmbuild-');
    const spec = join(dir, 'vs.spec');
    writeFileSync(spec, SPEC.replace('@PAYLOAD@', payload.mode));
    mkdirSync(join(dir, 'top'));
    const r = run('rpmbuild', [
      '-bb', spec, '--quiet',
      '--define', `_topdir ${join(dir, 'top')}`,
      '--define', '_buildhost golden.example.invalid',
      '--define', 'use_source_date_epoch_as_buildtime 1',
      '--define', 'clamp_mtime_to_source_date_epoch 1',
      '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
    ], { env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000', LC_ALL: 'C' } });
    assert.equal(r.status, 0, r.stderr);
    const rpmsDir = join(dir, 'top', 'RPMS');
    const [file] = readdirSync(rpmsDir).filter((f) => f.endsWith('.rpm'));
    assert.ok(file);
    const theirs = new Uint8Array(readFileSync(join(rpmsDir, file)));
    const ours = await buildRpmDetailed({ ...DESCRIPTION, payload: { compressor: payload.compressor } });
    assert.equal(ours.fileName, file);
    const a = mainHeader(ours.bytes);
    const b = mainHeader(theirs);
    assert.deepEqual(a.tags(), b.tags(), 'same tags');
    const differing = a.tags().filter((tag) => (payload.identical || tag !== TAG.PAYLOADDIGEST) && Buffer.compare(Buffer.from(a.raw(tag) ?? []), Buffer.from(b.raw(tag) ?? [])) !== 0);
    assert.deepEqual(
      differing.map((tag) => ({ tag, atoll: Buffer.from(a.raw(tag) ?? []).toString('latin1'), rpmbuild: Buffer.from(b.raw(tag) ?? []).toString('latin1') })),
      [],
    );
    if (payload.identical) assert.ok(Buffer.from(ours.bytes).equals(Buffer.from(theirs)), 'byte-identical package');
  });
}
