// Real repository metadata (shared/corpus/repos) read by atoll, checked against libsolv's
// rpmmd2solv + dumpsolv (the same XML parsed by the C reader dnf uses) and dnf repoquery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { requireShared, requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';
import { openRepo, type RepoPackage } from '../../src/rpmmd/index.js';
import { formatEvr, RPMSENSE, type Dependency } from '../../src/rpm/index.js';

interface Solvable {
  fields: Map<string, string>;
  lists: Map<string, string[]>;
}

/** dumpsolv's text: `solvable N (id):` blocks of `solvable:key: value` and indented list items. */
function parseDumpsolv(text: string): Solvable[] {
  const out: Solvable[] = [];
  let current: Solvable | null = null;
  let list: string[] | null = null;
  let lastKey = '';
  for (const line of text.split('\n')) {
    if (/^solvable \d+ \(\d+\):$/.test(line)) {
      current = { fields: new Map(), lists: new Map() };
      out.push(current);
      list = null;
      continue;
    }
    if (current === null) continue;
    const m = /^solvable:([a-z_]+):(?: (.*))?$/.exec(line);
    if (m) {
      lastKey = m[1] as string;
      if (m[2] === undefined) {
        list = [];
        current.lists.set(lastKey, list);
      } else {
        current.fields.set(lastKey, m[2]);
        list = null;
      }
    } else if (line.startsWith('  ') && list !== null) {
      list.push(line.slice(2));
    } else if (list === null && lastKey !== '' && current.fields.has(lastKey) && line !== '') {
      current.fields.set(lastKey, `${current.fields.get(lastKey)}\n${line}`);
    }
  }
  return out;
}

const OPS: Record<number, string> = { [RPMSENSE.EQUAL]: '=', [RPMSENSE.LESS]: '<<', [RPMSENSE.GREATER]: '>>', [RPMSENSE.LESS | RPMSENSE.EQUAL]: '<=', [RPMSENSE.GREATER | RPMSENSE.EQUAL]: '>=' };
function libsolvDep(dep: Dependency): string {
  const op = OPS[dep.flags & RPMSENSE.SENSEMASK];
  return op === undefined || dep.evr === '' && op !== '>=' ? dep.name : `${dep.name} ${op} ${dep.evr === '' ? '0' : dep.evr}`;
}

function solvFor(primaryGz: string, t: import('node:test').TestContext): Solvable[] {
  const dir = tempDir(t);
  const solv = join(dir, 'repo.solv');
  const xml = gunzipSync(readFileSync(primaryGz));
  const made = spawnSync('rpmmd2solv', [], { input: xml, maxBuffer: 1 << 30 });
  assert.equal(made.status, 0, String(made.stderr));
  writeFileSync(solv, made.stdout);
  return parseDumpsolv(runOk('dumpsolv', [solv]));
}

function compareWithLibsolv(pkgs: RepoPackage[], solvables: Solvable[], step: number): number {
  assert.equal(pkgs.length, solvables.length, 'package count');
  let compared = 0;
  for (let i = 0; i < pkgs.length; i += step) {
    const p = pkgs[i] as RepoPackage;
    const s = solvables[i] as Solvable;
    const where = `${p.name}-${formatEvr(p)}.${p.arch} (#${i})`;
    assert.equal(s.fields.get('name'), p.name, where);
    assert.equal(s.fields.get('arch'), p.arch, where);
    assert.equal(s.fields.get('evr'), formatEvr(p), where);
    assert.equal(s.fields.get('checksum'), `${p.pkgid} (${p.checksumType})`, where);
    assert.equal(s.fields.get('summary') ?? '', p.summary, where);
    assert.equal(s.fields.get('buildtime'), String(p.buildtime), where);
    assert.equal(s.fields.get('installsize'), String(p.installedSize), where);
    assert.equal(s.fields.get('downloadsize'), String(p.packageSize), where);
    assert.equal(s.fields.get('headerend'), String(p.headerEnd), where);
    if (p.license !== '') assert.equal(s.fields.get('license'), p.license, where);
    if (p.vendor !== '') assert.equal(s.fields.get('vendor'), p.vendor, where);
    if (p.buildhost !== '') assert.equal(s.fields.get('buildhost'), p.buildhost, where);
    for (const kind of ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const) {
      // libsolv de-duplicates, moves pre-requirements after a marker and rewrites rich
      // dependencies into its own syntax: compare the plain entries as sets, split by pre.
      const all = s.lists.get(kind) ?? [];
      // After solvable:filemarker libsolv lists file provides it derived from the file list.
      const cut = kind === 'provides' && all.includes('solvable:filemarker') ? all.slice(0, all.indexOf('solvable:filemarker')) : all;
      const theirs = cut.filter((d) => d === 'solvable:prereqmarker' || /^\S+( (=|<<|>>|<=|>=) \S+)?$/.test(d));
      const marker = theirs.indexOf('solvable:prereqmarker');
      const theirPlain = new Set(marker < 0 ? theirs : theirs.slice(0, marker));
      const theirPre = new Set(marker < 0 ? [] : theirs.slice(marker + 1));
      const ours = p[kind].filter((d) => !d.name.startsWith('('));
      const ourPre = new Set(ours.filter((d) => d.flags & RPMSENSE.PREREQ).map(libsolvDep));
      const ourPlain = new Set(ours.filter((d) => !(d.flags & RPMSENSE.PREREQ)).map(libsolvDep));
      if (kind === 'requires') {
        // libsolv drops a plain require that is also a pre-require.
        for (const d of ourPre) ourPlain.delete(d);
        assert.deepEqual([...ourPre].sort(), [...theirPre].sort(), `${where} pre-requires`);
      }
      assert.deepEqual([...ourPlain].sort(), [...theirPlain].sort(), `${where} ${kind}`);
    }
    compared++;
  }
  return compared;
}

test('CentOS Stream 9 AppStream: 17,649 packages, sample equal to rpmmd2solv field by field', async (t) => {
  const root = requireShared(t, 'corpus/repos/osbuild/testrepos/appstream');
  if (root === undefined || !requireTool(t, 'rpmmd2solv', 'dumpsolv')) return;
  const cacheRoot = tempDir(t);
  const repo = await openRepo({ id: 'appstream', baseurls: [pathToFileURL(root).toString()], mirrorlist: null, metalink: null }, { cacheRoot });
  assert.equal(repo.packages.length, 17649);
  assert.equal(repo.fromCache, false);
  const primary = readdirSync(join(root, 'repodata')).find((f) => f.endsWith('-primary.xml.gz')) as string;
  const solvables = solvFor(join(root, 'repodata', primary), t);
  const compared = compareWithLibsolv(repo.packages, solvables, 37);
  assert.ok(compared > 400);
  // Warm: the same packages from the binary cache, without XML.
  const warm = await openRepo({ id: 'appstream', baseurls: [pathToFileURL(root).toString()], mirrorlist: null, metalink: null }, { cacheRoot });
  assert.equal(warm.fromCache, true);
  assert.deepEqual(warm.packages, repo.packages);
});

test('every corpus repository with intact primary opens with the MANIFEST package count', async (t) => {
  const base = requireShared(t, 'corpus/repos');
  if (base === undefined) return;
  const cases: Array<[string, number]> = [
    ['ci-dnf-stack/dnf-ci-fedora', 249],
    ['ci-dnf-stack/dnf-ci-fedora-modular', 30],
    ['ci-dnf-stack/dnf-ci-fedora-updates', 254],
    ['ci-dnf-stack/dnf-ci-obsoletes', 14],
    ['ci-dnf-stack/dnf-ci-rich', 22],
    ['ci-dnf-stack/dnf-ci-scriptlets', 24],
    ['createrepo_c/testdata/repo_00', 0],
    ['createrepo_c/testdata/repo_02', 2],
    ['createrepo_c/testdata/repo_03', 0],
    ['createrepo_c/testdata/repo_04', 2],
    ['createrepo_c/testdata/repo_koji_01', 2],
    ['createrepo_c/testdata/repo_koji_02', 1],
    ['createrepo_c/testdata/repo_with_additional_metadata', 1],
    ['createrepo_c/testdata/repo_with_duplicate_packages', 4],
    ['libdnf/advisories', 2],
    ['librepo/test_data/repo_yum_01', 1],
    ['librepo/test_data/repo_yum_02', 1],
    ['librepo/test_data/repo_yum_03', 21],
    ['osbuild/testrepos/custom', 1],
  ];
  const cacheRoot = tempDir(t);
  for (const [dir, count] of cases) {
    const path = join(base, dir);
    assert.ok(existsSync(path), path);
    const repo = await openRepo({ id: dir.replace(/[^A-Za-z0-9]+/g, '-'), baseurls: [path], mirrorlist: null, metalink: null }, { cacheRoot, verifyOpenChecksum: true });
    assert.equal(repo.packages.length, count, dir);
    if (count > 0) {
      await repo.loadFilelists();
      assert.ok(repo.packages.every((p) => p.filelistsLoaded), dir);
    }
  }
});

test('repo_01 (primary does not match its checksum) and baseos (primary missing) fail with coded errors', async (t) => {
  const base = requireShared(t, 'corpus/repos');
  if (base === undefined) return;
  const cacheRoot = tempDir(t);
  await assert.rejects(
    openRepo({ id: 'repo01', baseurls: [join(base, 'createrepo_c/testdata/repo_01')], mirrorlist: null, metalink: null }, { cacheRoot, retries: 0 }),
    (e: Error & { code?: string }) => e.code === 'RPMMD_METADATA_CHECKSUM_MISMATCH' && /repo01 primary/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(cacheRoot, 'rpmmd')).flatMap((d) => (existsSync(join(cacheRoot, 'rpmmd', d, 'repodata')) ? readdirSync(join(cacheRoot, 'rpmmd', d, 'repodata')) : [])), []);
  await assert.rejects(
    openRepo({ id: 'baseos', baseurls: [join(base, 'osbuild/testrepos/baseos')], mirrorlist: null, metalink: null }, { cacheRoot, retries: 0 }),
    (e: Error & { code?: string }) => e.code === 'RPMMD_DOWNLOAD_FAILED',
  );
});

test('dnf-ci-fedora: every package equals dnf repoquery field by field', async (t) => {
  const root = requireShared(t, 'corpus/repos/ci-dnf-stack/dnf-ci-fedora');
  if (root === undefined || !requireTool(t, 'dnf')) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'dnf.conf'), '[main]\n');
  const qf = '%{name}|%{epoch}|%{version}|%{release}|%{arch}|%{size}|%{installsize}|%{location}|%{sourcerpm}|%{license}|%{vendor}';
  const dnf = run('dnf', [
    '-q', '--config', join(dir, 'dnf.conf'), `--setopt=cachedir=${join(dir, 'dnfcache')}`, `--installroot=${join(dir, 'root')}`, '--setopt=reposdir=/dev/null',
    '--releasever=29', '--disableplugin=*', `--repofrompath=f,${pathToFileURL(root).toString()}`, '--repo=f', 'repoquery', '--queryformat', `${qf}\\n`,
  ]);
  assert.equal(dnf.status, 0, dnf.stderr);
  const theirs = dnf.stdout.split('\n').filter((l) => l.includes('|')).sort();
  const repo = await openRepo({ id: 'f', baseurls: [root], mirrorlist: null, metalink: null }, { cacheRoot: join(dir, 'atoll') });
  const ours = repo.packages
    .map((p) => [p.name, p.epoch ?? 0, p.version, p.release, p.arch, p.packageSize, p.installedSize, p.locationHref, p.sourcerpm ?? '(none)', p.license, p.vendor].join('|'))
    .sort();
  assert.equal(ours.length, 249);
  assert.deepEqual(ours, theirs);
  // Capabilities: every requirement dnf lists for a sample of packages, as sets.
  for (const name of ['glibc', 'glibc-common', 'filesystem', 'flac', 'abcde']) {
    const req = run('dnf', [
      '-q', '--config', join(dir, 'dnf.conf'), `--setopt=cachedir=${join(dir, 'dnfcache')}`, `--installroot=${join(dir, 'root')}`, '--setopt=reposdir=/dev/null',
      '--releasever=29', '--disableplugin=*', `--repofrompath=f,${pathToFileURL(root).toString()}`, '--repo=f', 'repoquery', '--requires', '--arch=x86_64,noarch', name,
    ]);
    assert.equal(req.status, 0, req.stderr);
    const pkgs = repo.packages.filter((p) => p.name === name && p.arch !== 'src');
    assert.equal(pkgs.length, 1, name);
    const pkg = pkgs[0] as RepoPackage;
    const dnfSet = new Set(req.stdout.split('\n').filter((l) => l !== ''));
    const fmt = (d: Dependency): string => {
      const op = ({ 8: '=', 2: '<', 4: '>', 10: '<=', 12: '>=' } as Record<number, string>)[d.flags & RPMSENSE.SENSEMASK];
      return op === undefined ? d.name : `${d.name} ${op} ${d.evr}`;
    };
    assert.deepEqual(new Set(pkg.requires.map(fmt)), dnfSet, name);
  }
});

test('the fast tokenizer and saxes read every corpus primary, filelists and other identically', async (t) => {
  const base = requireShared(t, 'corpus/repos');
  if (base === undefined) return;
  const { parsePrimary, parsePrimaryBytes, PrimaryBytesUnsupported, parseFilelists, parseOther, readDecompressed, detectCompression } = await import('../../src/rpmmd/index.js');
  const files = readdirSync(base, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /-(primary|filelists|other)\.xml(\.(gz|xz|zst|bz2))?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
  assert.ok(files.length > 40);
  for (const path of files) {
    const name = path.slice(base.length + 1);
    const kind = await detectCompression(path, path).catch(() => null);
    if (kind === null) continue;
    const read = async (engine: 'fast' | 'saxes' | 'bytes'): Promise<unknown> => {
      const out: unknown[] = [];
      const push = (p: unknown): void => void out.push(p);
      try {
        if (engine === 'bytes') {
          if (!/-primary\./.test(path)) return null;
          try {
            await parsePrimaryBytes(readDecompressed(path, path, kind), name, push);
          } catch (error) {
            // Outside the byte reader's subset: repo.ts reads such a file again with the tokenizer.
            if (error instanceof PrimaryBytesUnsupported) return 'unsupported';
            throw error;
          }
        } else if (/-primary\./.test(path)) await parsePrimary(readDecompressed(path, path, kind), name, push, { engine });
        else if (/-filelists\./.test(path)) await parseFilelists(readDecompressed(path, path, kind), name, push, { engine });
        else await parseOther(readDecompressed(path, path, kind), name, push, { engine });
      } catch (error) {
        return { code: (error as { code?: string }).code };
      }
      return out;
    };
    const reference = await read('saxes');
    assert.deepEqual(await read('fast'), reference, name);
    const bytes = await read('bytes');
    // The byte reader gives the reference's packages or error, and stops only on malformed input.
    if (bytes !== null) assert.ok(bytes === 'unsupported' ? !Array.isArray(reference) : (assert.deepEqual(bytes, reference, name), true), `${name}: byte reader stopped on a file saxes reads`);
  }
});

test('CLI query --list and --whatprovides equal dnf repoquery (dnf-ci-fedora; /var/db via filelists)', async (t) => {
  const root = requireShared(t, 'corpus/repos/ci-dnf-stack/dnf-ci-fedora');
  if (root === undefined || !requireTool(t, 'dnf')) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'dnf.conf'), '[main]\n');
  const dnf = (...args: string[]): string[] => {
    const r = run('dnf', [
      '-q', '--config', join(dir, 'dnf.conf'), `--setopt=cachedir=${join(dir, 'dnfcache')}`, `--installroot=${join(dir, 'root')}`, '--setopt=reposdir=/dev/null',
      '--releasever=29', '--disableplugin=*', `--repofrompath=f,${pathToFileURL(root).toString()}`, '--repo=f', 'repoquery', '--queryformat', '%{name}-%{evr}.%{arch}\\n', ...args,
    ]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '').sort();
  };
  const ours = (...args: string[]): string[] => {
    const r = atoll(['rpm-repo', 'query', '--repofrompath', `f,${root}`, '--cachedir', join(dir, 'atoll'), ...args]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  const list = ours('--list');
  assert.equal(list.length, 249);
  assert.deepEqual(list, dnf());
  for (const cap of ['glibc-common', 'glibc-common = 2.28-9.fc29', 'glibc >= 3', 'kernel-uname-r', 'installonlypkg(kernel)', '/etc/ld.so.conf', '/var/db', 'nothing-provides-this']) {
    assert.deepEqual(ours('--whatprovides', cap), dnf('--whatprovides', cap), cap);
  }
});
