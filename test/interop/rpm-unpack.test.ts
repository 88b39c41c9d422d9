// The tree `atoll rpm unpack` writes equals what `rpm2cpio FILE | cpio -idm` writes (content,
// types, modes, mtimes, symlink targets, hardlinks), plus the header's metadata (owners by
// name, directory mtimes/modes, capabilities), for a representative subset of the corpus: each
// compressor, hardlink sets, capabilities, source packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileCapsXattr, readRpmPackage, unpackRpm, RPMFILE, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK } from '../../src/rpm/index.js';
import { isRoot, requireShared, requireTool, tempDir } from '../helpers/env.js';
import { run, runOk } from '../helpers/run.js';
import { corpusDir, goldenDir } from '../helpers/rpm-corpus.js';

interface Node {
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
  ino: number;
  nlink: number;
  sha256?: string;
  target?: string;
}

function walk(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, r);
      const st = lstatSync(abs);
      const node: Node = {
        type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other',
        mode: st.mode & 0o7777,
        mtime: Math.floor(st.mtimeMs / 1000),
        uid: st.uid,
        gid: st.gid,
        ino: st.ino,
        nlink: st.nlink,
      };
      if (node.type === 'file') node.sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
      if (node.type === 'link') node.target = readlinkSync(abs);
      out.set(r, node);
      if (node.type === 'dir') visit(r);
    }
  };
  visit('');
  return out;
}

function ids(file: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const p = line.split(':');
    if (p.length > 2 && !m.has(p[0]!)) m.set(p[0]!, Number(p[2]));
  }
  return m;
}

/** A deterministic representative subset: per payload kind the packages with most files, plus every hardlink/caps package. */
function subset(): string[] {
  const rows = readFileSync(join(corpusDir, 'FEATURES.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { path: string; payload_magic: string; nfiles: number; files: { hardlinks: unknown[]; caps: unknown[] } });
  const chosen = new Set<string>();
  const byKind = new Map<string, typeof rows>();
  for (const r of rows) {
    if (r.path.endsWith('.drpm') || r.payload_magic === 'empty') continue; // delta rpm; the deliberately corrupted package
    if (r.nfiles > 1000) continue; // keeps the test fast; header-only checks cover the big ones
    const list = byKind.get(r.payload_magic) ?? [];
    list.push(r);
    byKind.set(r.payload_magic, list);
    if (r.files.hardlinks.length > 0 || r.files.caps.length > 0) chosen.add(r.path);
  }
  for (const list of byKind.values()) {
    list.sort((a, b) => b.nfiles - a.nfiles || a.path.localeCompare(b.path));
    for (const r of list.slice(0, 3)) chosen.add(r.path);
    const src = list.find((r) => r.path.includes('.src.'));
    if (src) chosen.add(src.path);
  }
  return [...chosen].sort().map((p) => join(corpusDir, p));
}

async function compareWithCpio(t: import('node:test').TestContext, file: string, work: string): Promise<void> {
  const { pkg } = readRpmPackage(readFileSync(file));
  const mine = join(work, 'atoll');
  const theirs = join(work, 'cpio');
  mkdirSync(theirs);
  const result = await unpackRpm(file, mine);
  const cpio = run('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', file], { cwd: theirs });
  const a = walk(mine);
  const stripped = cpio.status !== 0 && /4GB|07070X|unrecognized|bad magic|premature/i.test(cpio.stderr + cpio.stdout);
  const b = stripped ? undefined : walk(theirs);
  if (!stripped) assert.equal(cpio.status, 0, `${file}: cpio failed: ${cpio.stderr}`);
  const users = ids('/etc/passwd');
  const groups = ids('/etc/group');
  const byPath = new Map(pkg.files.map((f) => [f.path.startsWith('/') ? f.path.slice(1) : f.path, f]));
  if (b) {
    const special = new Set([...byPath].filter(([, f]) => ![S_IFDIR, S_IFREG, S_IFLNK].includes(f.mode & S_IFMT)).map(([p]) => p));
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].filter((p) => !special.has(p)).sort(), `${file}: paths differ`);
  }
  for (const [rel, n] of a) {
    const f = byPath.get(rel);
    const o = b?.get(rel);
    const where = `${file}: ${rel}`;
    if (o) {
      assert.equal(n.type, o.type, `${where}: type`);
      assert.equal(n.sha256, o.sha256, `${where}: content`);
      assert.equal(n.target, o.target, `${where}: symlink target`);
      if (n.type !== 'link') assert.equal(n.nlink, o.nlink, `${where}: link count`);
      // GNU cpio sets neither symlink mtimes nor (reliably) directory mtimes: the header checks below cover them.
      if (f && n.type === 'file') {
        assert.equal(n.mode, o.mode, `${where}: mode`);
        assert.equal(n.mtime, o.mtime, `${where}: mtime`);
      }
    }
    if (!f) {
      assert.equal(n.type, 'dir', `${where}: not in the header but not an implicit directory`);
      continue;
    }
    // Header metadata.
    if (n.type !== 'link') assert.equal(n.mode, f.mode & 0o7777, `${where}: header mode`);
    assert.equal(n.mtime, f.mtime, `${where}: header mtime`);
    if (n.type === 'link') assert.equal(n.target, f.linkto, `${where}: header link target`);
    if (n.type === 'file' && f.digest !== '' && pkg.fileDigestAlgo === 8) assert.equal(n.sha256, f.digest, `${where}: header digest`);
    if (isRoot()) {
      assert.equal(n.uid, users.get(f.user) ?? 0, `${where}: owner ${f.user}`);
      assert.equal(n.gid, groups.get(f.group) ?? 0, `${where}: group ${f.group}`);
    }
  }
  // Ghosts are never created.
  for (const [rel, f] of byPath) if (f.flags & RPMFILE.GHOST) assert.ok(!a.has(rel) || a.get(rel)!.type === 'dir', `${file}: ghost ${rel} was created`);
  // Capabilities: reported for every file that has them.
  assert.deepEqual(
    result.capabilities.map((c) => c.path),
    pkg.files.filter((f) => f.caps !== '' && !(f.flags & RPMFILE.GHOST)).map((f) => f.path),
  );
  void t;
}

test('unpack equals rpm2cpio | cpio -idm plus header metadata (goldens)', async (t) => {
  if (!requireTool(t, 'rpm2cpio', 'cpio') || !requireShared(t, 'fixtures/rpm-golden')) return;
  for (const name of ['golden-gz-1.2.3-4.x86_64.rpm', 'golden-xz-2.0~rc1-1.fc99.noarch.rpm', 'golden-zst-0.1-1.noarch.rpm', 'golden-dev-1-0.noarch.rpm', 'golden-meta-5-1.noarch.rpm']) {
    const work = tempDir(t);
    await compareWithCpio(t, join(goldenDir, name), work);
  }
});

test('unpack equals rpm2cpio | cpio -idm plus header metadata (corpus subset, every compressor)', async (t) => {
  if (!requireTool(t, 'rpm2cpio', 'cpio') || !requireShared(t, 'corpus/rpms/FEATURES.jsonl')) return;
  const files = subset();
  assert.ok(files.length >= 15, `only ${files.length} packages selected`);
  const compressors = new Set<string>();
  for (const file of files) {
    compressors.add(readRpmPackage(readFileSync(file)).pkg.payload.compressor ?? 'none');
    const work = tempDir(t);
    const t0 = Date.now();
    await compareWithCpio(t, file, work);
    if (process.env.ATOLL_TIMING) t.diagnostic(`${Date.now() - t0} ms ${file}`);
  }
  for (const c of ['gzip', 'xz', 'zstd', 'lzma', 'bzip2']) assert.ok(compressors.has(c), `no ${c} package in the subset`);
});

test('capability xattr bytes equal what setcap writes', (t) => {
  if (!requireTool(t, 'setcap', 'getfattr') || !isRoot()) {
    if (!isRoot()) t.skip('needs root to set file capabilities');
    return;
  }
  const dir = tempDir(t);
  for (const text of ['cap_net_raw=ep', 'cap_net_bind_service,cap_net_admin+ep', 'cap_sys_admin=p', 'cap_setuid,cap_setgid=eip', 'cap_bpf,cap_perfmon=ep', 'cap_chown+i']) {
    const f = join(dir, 'f');
    writeFileSync(f, 'x');
    runOk('setcap', [text, f]);
    const out = runOk('getfattr', ['-e', 'hex', '-n', 'security.capability', f]);
    const hex = /security\.capability=0x([0-9a-f]+)/.exec(out)![1];
    assert.equal(Buffer.from(fileCapsXattr(text)!).toString('hex'), hex, text);
  }
});

test('a package whose payload digest is wrong unpacks nothing', async (t) => {
  const file = requireShared(t, 'corpus/rpms/rpm-software-management__rpm/hello-2.0-1.x86_64-corrupted.rpm');
  if (!file) return;
  const work = tempDir(t);
  await assert.rejects(unpackRpm(file, join(work, 'out')), (e: Error & { code?: string }) => e.code === 'RPM_DIGEST_MISMATCH');
  assert.deepEqual(readdirSync(work), []);
});
