// `atoll rpm-repo create` against createrepo_c 0.17 (same RPMs, same mtimes: the uncompressed
// XML must be identical), the createrepo_c-made metadata against the packages' own headers,
// and dnf reading atoll's repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { requireShared, requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';
import { openRepo, type RepoPackage } from '../../src/rpmmd/index.js';
import { featureMatrix, fixturePackageSet, writeFixturePackages, readRpmFile, RPMSENSE, formatNevra, RPMFILE } from '../../src/rpm/index.js';

const REVISION = '1700000000';

function rpmsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.rpm'))
    .map((e) => join(e.parentPath, e.name));
}

function fixMtimes(dir: string): void {
  for (const path of rpmsUnder(dir)) utimesSync(path, Number(REVISION), Number(REVISION));
}

function metadataXml(repo: string, type: string): string {
  const name = readdirSync(join(repo, 'repodata')).find((f) => f.endsWith(`-${type}.xml.gz`));
  assert.ok(name, `${type} in ${repo}`);
  return gunzipSync(readFileSync(join(repo, 'repodata', name))).toString('utf8');
}

/** Two copies of the same RPMs: one indexed by createrepo_c, one by atoll. */
function createBoth(t: import('node:test').TestContext, fill: (dir: string) => Promise<void> | void): Promise<{ theirs: string; ours: string }> {
  const root = tempDir(t);
  const theirs = join(root, 'createrepo_c');
  const ours = join(root, 'atoll');
  mkdirSync(theirs);
  return (async () => {
    await fill(theirs);
    cpSync(theirs, ours, { recursive: true });
    fixMtimes(theirs);
    fixMtimes(ours);
    runOk('createrepo_c', ['--no-database', '--revision', REVISION, '--set-timestamp-to-revision', theirs]);
    const made = atoll(['rpm-repo', 'create', '--revision', REVISION, '--set-timestamp-to-revision', ours]);
    assert.equal(made.status, 0, made.stderr);
    return { theirs, ours };
  })();
}

test('corpus RPMs (v3/v4/v6 leads, SRPMs, latin-1 headers, bad control chars): XML identical to createrepo_c', async (t) => {
  const corpus = requireShared(t, 'corpus/rpms');
  if (corpus === undefined || !requireTool(t, 'createrepo_c')) return;
  const { theirs, ours } = await createBoth(t, (dir) => {
    for (const path of rpmsUnder(corpus)) {
      const dest = join(dir, relative(corpus, path));
      mkdirSync(join(dest, '..'), { recursive: true });
      cpSync(path, dest);
    }
  });
  for (const type of ['primary', 'filelists', 'other']) {
    const a = metadataXml(theirs, type).split('\n');
    const b = metadataXml(ours, type).split('\n');
    const first = a.findIndex((line, i) => line !== b[i]);
    assert.equal(first, -1, `${type} differs at line ${first + 1}:\n createrepo_c: ${a[first]}\n atoll:        ${b[first]}`);
    assert.equal(a.length, b.length, type);
  }
  assert.match(metadataXml(ours, 'primary'), /packages="233"/);
});

test('rpm/build package set: createrepo_c metadata equals the headers; atoll create equals createrepo_c; dnf reads it', async (t) => {
  if (!requireTool(t, 'createrepo_c', 'dnf')) return;
  const descriptions = [...featureMatrix().filter((c) => c.installable).map((c) => c.description), ...fixturePackageSet({ count: 25, seed: 7, olderVersionsEvery: 5 })];
  const { theirs, ours } = await createBoth(t, async (dir) => {
    await writeFixturePackages(dir, descriptions);
  });
  for (const type of ['primary', 'filelists', 'other']) assert.equal(metadataXml(ours, type), metadataXml(theirs, type), type);

  // createrepo_c's metadata, read by atoll, against each package's header.
  const cacheRoot = tempDir(t);
  const repo = await openRepo({ id: 'theirs', baseurls: [theirs], mirrorlist: null, metalink: null }, { cacheRoot });
  await repo.loadFilelists();
  assert.equal(repo.packages.length, rpmsUnder(theirs).length);
  for (const p of repo.packages) {
    const { pkg, fileSize } = await readRpmFile(join(theirs, p.locationHref));
    const where = formatNevra(p);
    assert.equal(p.name, pkg.name, where);
    assert.equal(p.epoch ?? 0, pkg.epoch ?? 0, where);
    assert.deepEqual([p.version, p.release, p.arch], [pkg.version, pkg.release, pkg.isSource ? 'src' : pkg.arch], where);
    assert.deepEqual(
      [p.summary, p.description, p.license, p.url, p.vendor, p.packager, p.group, p.buildhost, p.buildtime, p.installedSize, p.sourcerpm],
      [pkg.summary, pkg.description, pkg.license, pkg.url, pkg.vendor, pkg.packager, pkg.group, pkg.buildhost, pkg.buildtime, pkg.installedSize, pkg.isSource ? null : pkg.sourcerpm],
      where,
    );
    assert.deepEqual([p.packageSize, p.headerStart, p.headerEnd, p.archiveSize], [fileSize, pkg.headerRange.start, pkg.headerRange.end, pkg.payload.archiveSize], where);
    const comparable = (deps: ReadonlyArray<{ name: string; flags: number; evr: string }>): string[] =>
      deps.map((d) => `${d.name} ${d.flags & RPMSENSE.SENSEMASK} ${d.evr.replace(/^0:/, '')}`);
    for (const kind of ['provides', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const) {
      assert.deepEqual(comparable(p[kind]), comparable(pkg[kind]), `${where} ${kind}`);
    }
    // Requires: the header's minus what createrepo_c filters out (rpmlib(), own primary files, own provides).
    const ownFiles = new Set(pkg.files.map((f) => f.path));
    const headerRequires = new Set(comparable(pkg.requires.filter((d) => !d.name.startsWith('rpmlib(') && !(ownFiles.has(d.name) && /^\/etc\/|bin\//.test(d.name)))));
    for (const r of comparable(p.requires)) assert.ok(headerRequires.has(r), `${where} requires ${r}`);
    assert.deepEqual(
      p.files.map((f) => `${f.type} ${f.path}`),
      pkg.files.map((f) => `${(f.mode & 0o170000) === 0o040000 ? 'dir' : f.flags & RPMFILE.GHOST ? 'ghost' : 'file'} ${f.path}`),
      `${where} files`,
    );
  }

  // dnf reads atoll's repository: same NEVRAs, locations and checksums.
  const dir = tempDir(t);
  writeFileSync(join(dir, 'dnf.conf'), '[main]\n');
  const dnf = run('dnf', [
    '-q', '--config', join(dir, 'dnf.conf'), `--setopt=cachedir=${join(dir, 'cache')}`, `--installroot=${join(dir, 'root')}`, '--setopt=reposdir=/dev/null',
    '--releasever=1', '--disableplugin=*', `--repofrompath=ours,${pathToFileURL(ours).toString()}`, '--repo=ours', 'repoquery',
    '--queryformat', '%{name}-%{evr}.%{arch} %{location}\\n',
  ]);
  assert.equal(dnf.status, 0, dnf.stderr);
  const listed = dnf.stdout.split('\n').filter((l) => l !== '').sort();
  const expected = repo.packages.map((p: RepoPackage) => `${formatNevra(p)} ${p.locationHref}`).sort();
  assert.deepEqual(listed, expected);
});

test('create --compress-type zst: dnf and atoll read the golden packages back', async (t) => {
  const golden = requireShared(t, 'fixtures/rpm-golden');
  if (golden === undefined || !requireTool(t, 'dnf', 'zstd')) return;
  const repo = tempDir(t);
  for (const f of readdirSync(golden).filter((f) => /^golden-(dev|gz|meta|xz|zst)-.*\.rpm$/.test(f))) cpSync(join(golden, f), join(repo, f));
  const made = atoll(['rpm-repo', 'create', '--compress-type', 'zst', repo]);
  assert.equal(made.status, 0, made.stderr);
  assert.equal(readdirSync(join(repo, 'repodata')).filter((f) => f.endsWith('.xml.zst')).length, 3);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'dnf.conf'), '[main]\n');
  const dnf = run('dnf', [
    '-q', '--config', join(dir, 'dnf.conf'), `--setopt=cachedir=${join(dir, 'cache')}`, `--installroot=${join(dir, 'root')}`, '--setopt=reposdir=/dev/null',
    '--releasever=1', '--disableplugin=*', `--repofrompath=z,${pathToFileURL(repo).toString()}`, '--repo=z', 'repoquery', '--queryformat', '%{name}-%{evr}.%{arch}\\n',
  ]);
  assert.equal(dnf.status, 0, dnf.stderr);
  const ours = atoll(['rpm-repo', 'query', '--list', '--repofrompath', `z,${repo}`, '--cachedir', join(dir, 'atoll')]);
  assert.equal(ours.status, 0, ours.stderr);
  assert.deepEqual(ours.stdout.trim().split('\n'), dnf.stdout.split('\n').filter((l) => l !== '').sort());
  assert.ok(ours.stdout.includes('golden-xz-3:2.0~rc1-1.fc99.noarch'));
});

test('--repofile: variables, baseurl failover and excludepkgs as dnf applies them; malformed file names file:line', async (t) => {
  const golden = requireShared(t, 'fixtures/rpm-golden');
  if (golden === undefined || !requireTool(t, 'dnf')) return;
  const dir = tempDir(t);
  const repoFile = join(dir, 'golden.repo');
  writeFileSync(repoFile, [
    '[golden-$basearch]',
    'name=Golden $releasever/$basearch',
    `baseurl=file:///srv/nonexistent/$releasever`,
    `        file://${golden}`,
    'excludepkgs=golden-dev,golden-m*',
    'skip_if_unavailable=0',
    '',
  ].join('\n'));
  const ours = atoll(['rpm-repo', 'query', '--list', '--repofile', repoFile, '--releasever', '9.2', '--cachedir', join(dir, 'atoll')]);
  assert.equal(ours.status, 0, ours.stderr);
  writeFileSync(join(dir, 'dnf.conf'), '[main]\n');
  const dnf = run('dnf', [
    '-q', '--config', join(dir, 'dnf.conf'), `--setopt=cachedir=${join(dir, 'cache')}`, `--installroot=${join(dir, 'root')}`, `--setopt=reposdir=${dir}`,
    '--releasever=9.2', '--disableplugin=*', 'repoquery', '--queryformat', '%{name}-%{evr}.%{arch}\\n',
  ]);
  assert.equal(dnf.status, 0, dnf.stderr);
  const expected = dnf.stdout.split('\n').filter((l) => l !== '').sort();
  assert.equal(expected.length, 3);
  assert.deepEqual(ours.stdout.trim().split('\n'), expected);
  const bad = join(dir, 'bad.repo');
  writeFileSync(bad, '[ok]\nbaseurl=file:///x\nthis line has no equals sign\n');
  const failed = atoll(['rpm-repo', 'query', '--repofile', bad, '--cachedir', join(dir, 'atoll')]);
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /bad\.repo:3: expected 'key=value'/);
});
