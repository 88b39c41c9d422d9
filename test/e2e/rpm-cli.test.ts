// `atoll rpm inspect --json` prints what `rpm -qp --queryformat` prints; inspect reads headers
// only (a corrupt payload still inspects, --verify reports it); unpack works from the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared, requireTool, tempDir } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';

const SEP = '\u001f';
const KINDS = ['PROVIDE', 'REQUIRE', 'CONFLICT', 'OBSOLETE', 'RECOMMEND', 'SUGGEST', 'SUPPLEMENT', 'ENHANCE'];

/** One rpm invocation per package with a big queryformat. */
function rpmQuery(file: string): Record<string, unknown> {
  const scalar = ['NAME', 'EPOCH', 'VERSION', 'RELEASE', 'ARCH', 'SUMMARY', 'LICENSE', 'BUILDTIME', 'SOURCERPM', 'PAYLOADFORMAT', 'PAYLOADCOMPRESSOR'];
  const arrays = KINDS.map((k) => `[%{${k}NEVRS}\\n]`);
  const files = '[%{FILENAMES}\\t%{FILEMODES}\\t%{LONGFILESIZES}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEMTIMES}\\t%{FILEDIGESTS}\\t%{FILEFLAGS}\\t%{FILELINKTOS}\\n]';
  const scripts = ['PREIN', 'POSTIN', 'PREUN', 'POSTUN', 'PRETRANS', 'POSTTRANS'].map((s) => `%{${s}PROG}${SEP}%{${s}}`);
  const qf = [...scalar.map((s) => `%{${s}}`), ...arrays, files, ...scripts].join(SEP);
  const out = runOk('rpm', ['-qp', '--dbpath', '/nonexistent-atoll-test', '--nosignature', '--qf', qf, file]).split(SEP);
  const none = (v: string): string | null => (v === '(none)' ? null : v);
  const lines = (v: string): string[] => v.split('\n').filter((l) => l !== '');
  const r: Record<string, unknown> = {};
  scalar.forEach((s, i) => (r[s] = out[i]));
  KINDS.forEach((k, i) => (r[k] = lines(out[scalar.length + i]!)));
  r.files = lines(out[scalar.length + KINDS.length]!).map((l) => {
    const [path, mode, size, user, group, mtime, digest, flags, linkto] = l.split('\t');
    return { path, mode: Number(mode) & 0xffff, size: Number(size), user, group, mtime: Number(mtime), digest, flags: Number(flags), linkto };
  });
  const s0 = scalar.length + KINDS.length + 1;
  r.scripts = Object.fromEntries(
    ['prein', 'postin', 'preun', 'postun', 'pretrans', 'posttrans'].map((name, i) => [name, { prog: none(out[s0 + 2 * i]!), body: none(out[s0 + 2 * i + 1]!) }]),
  );
  return r;
}

test('inspect --json equals rpm -qp --queryformat for every golden package', (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir || !requireTool(t, 'rpm')) return;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.rpm'))) {
    const file = join(dir, name);
    const res = atoll(['rpm', 'inspect', '--json', file]);
    assert.equal(res.status, 0, res.stderr);
    const a = JSON.parse(res.stdout) as Record<string, unknown>;
    const q = rpmQuery(file);
    assert.equal(a.name, q.NAME);
    assert.equal(a.epoch, q.EPOCH === '(none)' ? null : Number(q.EPOCH));
    assert.equal(a.version, q.VERSION);
    assert.equal(a.release, q.RELEASE);
    assert.equal(a.arch, q.ARCH);
    assert.equal(a.summary, q.SUMMARY);
    assert.equal(a.license, q.LICENSE);
    assert.equal(a.buildtime, Number(q.BUILDTIME));
    assert.equal(a.sourcerpm, q.SOURCERPM === '(none)' ? null : q.SOURCERPM);
    KINDS.forEach((k) => assert.deepEqual(a[`${k.toLowerCase()}s`], q[k], `${name} ${k}`));
    const files = (a.files as Record<string, unknown>[]).map((f) => ({
      path: f.path, mode: f.mode, size: f.size, user: f.user, group: f.group, mtime: f.mtime, digest: f.digest, flags: f.flags, linkto: f.linkto,
    }));
    assert.deepEqual(files, q.files, name);
    const scripts = a.scripts as Record<string, { prog: string | null; body: string | null }>;
    for (const [k, v] of Object.entries(q.scripts as Record<string, { prog: string | null; body: string | null }>)) {
      assert.deepEqual({ prog: scripts[k]!.prog, body: scripts[k]!.body }, v, `${name} %${k}`);
    }
    const payload = a.payload as Record<string, unknown>;
    assert.equal(payload.format, q.PAYLOADFORMAT);
    assert.equal(payload.compressor, q.PAYLOADCOMPRESSOR === '(none)' ? null : q.PAYLOADCOMPRESSOR);
  }
});

test('inspect reads headers only; --verify reports a corrupt payload', (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir) return;
  const work = tempDir(t);
  const file = join(work, 'corrupt.rpm');
  copyFileSync(join(dir, 'golden-xz-2.0~rc1-1.fc99.noarch.rpm'), file);
  const bytes = readFileSync(file);
  bytes[bytes.length - 30]! ^= 0xff; // inside the xz payload
  writeFileSync(file, bytes);
  const plain = atoll(['rpm', 'inspect', '--json', file]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal((JSON.parse(plain.stdout) as { name: string }).name, 'golden-xz');
  const verified = atoll(['rpm', 'inspect', '--json', '--verify', file]);
  assert.equal(verified.status, 1);
  const report = (JSON.parse(verified.stdout) as { verify: { ok: boolean; error: { code: string } } }).verify;
  assert.equal(report.ok, false);
  assert.match(report.error.code, /^RPM_(DIGEST_MISMATCH|PAYLOAD_BAD)$/);
  const good = atoll(['rpm', 'inspect', '--verify', join(dir, 'golden-xz-2.0~rc1-1.fc99.noarch.rpm')]);
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /"ok":true/);
});

test('a truncated package fails with a one-line error; unpack writes a tree', (t) => {
  const dir = requireShared(t, 'fixtures/rpm-golden');
  if (!dir) return;
  const work = tempDir(t);
  const truncated = join(work, 'trunc.rpm');
  writeFileSync(truncated, readFileSync(join(dir, 'golden-gz-1.2.3-4.x86_64.rpm')).subarray(0, 5000));
  const res = atoll(['rpm', 'inspect', truncated]);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /^atoll: error: main header: truncated/m);
  const out = join(work, 'tree');
  const unpack = atoll(['rpm', 'unpack', '--json', join(dir, 'golden-zst-0.1-1.noarch.rpm'), out]);
  assert.equal(unpack.status, 0, unpack.stderr);
  assert.equal(readFileSync(join(out, 'opt/golden-zst/data.txt'), 'utf8').length, 12);
  assert.equal((JSON.parse(unpack.stdout) as { entries: number }).entries, 3);
});
