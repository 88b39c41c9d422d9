// atoll compose tree end to end: a generated rpm-md repository (atoll's RPM writer + rpm-repo
// create, with a static busybox shell so scriptlets run) → treefile → commit, checked with real
// ostree (fsck, checkout, show), real rpm (the rpmdb in the tree) and systemd-tmpfiles.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';
import { buildPackages } from '../helpers/rpm-fixtures.js';
import { BUSYBOX, basePackages } from '../helpers/assemble-fixtures.js';
import type { PackageDescription } from '../../src/rpm/index.js';
import { createRepo } from '../../src/rpmmd/index.js';
import { Repo, readRef, loadCommit, diffCommits } from '../../src/ostree/repo/index.js';
import { composeTree, type ComposeTreeOptions } from '../../src/compose/index.js';
import { isAtollError } from '../../src/errors/index.js';
import { RecordingReporter } from '../../src/report/index.js';

function canRun(t: TestContext): boolean {
  if (!requireTool(t, 'bwrap', 'ostree', 'rpm')) return false;
  if (!isRoot() || BUSYBOX === undefined) {
    t.skip('needs root and busybox-static');
    return false;
  }
  return true;
}

/** The package set: assemble's fixtures (shell, setup, nss-altfiles, app with scriptlets, kernel) plus units and os-release. */
function packages(extra: PackageDescription[] = []): PackageDescription[] {
  return [
    ...basePackages({ altfiles: true }),
    {
      name: 'system-release',
      version: '42',
      release: '1',
      files: [
        { path: '/usr/lib/os-release', content: 'NAME=Test\nVERSION="42 (Test)"\nID=test\nVERSION_ID=42\nPRETTY_NAME="Test 42"\n', mode: 0o644 },
        { path: '/etc/os-release', target: '../usr/lib/os-release' },
        { path: '/usr/lib/systemd/system/app.service', content: '[Service]\nExecStart=/usr/bin/app\n', mode: 0o644 },
        { path: '/usr/lib/systemd/system/multi-user.target', content: '[Unit]\n', mode: 0o644 },
        { path: '/usr/share/doc/system-release/README', content: 'docs\n', mode: 0o644, doc: true },
        { path: '/usr/share/system-release/junk.log', content: 'junk\n', mode: 0o644 },
      ],
    },
    ...extra,
  ];
}

interface Fixture {
  dir: string;
  rpmDir: string;
  treefile: string;
  cachedir: string;
  repoPath: string;
}

async function fixture(t: TestContext, descriptions: PackageDescription[], treefileText: string, name = 'fixture'): Promise<Fixture> {
  const dir = tempDir(t, `atoll-compose-${name}-`);
  const { dir: rpmDir } = await buildPackages(t, descriptions);
  await createRepo(rpmDir, { revision: '1700000000' });
  writeFileSync(join(dir, 'test.repo'), `[test]\nname=Test $releasever\nbaseurl=file://${rpmDir}\ngpgcheck=0\n\n[unused]\nbaseurl=file:///nonexistent\nenabled=1\n`);
  const treefile = join(dir, 'treefile.yaml');
  writeFileSync(treefile, treefileText);
  const repoPath = join(dir, 'repo');
  await Repo.init(repoPath, 'archive');
  return { dir, rpmDir, treefile, cachedir: join(dir, 'cache'), repoPath };
}

const TREEFILE = `ref: test/x86_64/os
releasever: 42
repos: [test]
packages: [app, kernel, nss-altfiles, shared-a, shared-b, system-release]
automatic-version-prefix: "42.<date:%Y%m%d>"
mutate-os-release: "42"
units: [app.service]
default-target: multi-user.target
documentation: false
remove-from-packages:
  - [system-release, '\\.log$']
remove-files: [usr/share/shared-b-gone]
add-files:
  - [motd, /etc/motd]
  - [tool.sh, /usr/libexec/tool.sh]
postprocess:
  - |
    #!/bin/sh
    echo "postprocess ran" > /usr/share/postprocess-ran
    test -f /etc/motd && echo "etc view" >> /usr/share/postprocess-ran
postprocess-script: post.sh
readonly-executables: true
add-commit-metadata:
  fedora-coreos.stream: testing
initramfs-args: [--no-hostonly]
`;

function writeExternals(dir: string): void {
  writeFileSync(join(dir, 'motd'), 'hello\n', { mode: 0o644 });
  writeFileSync(join(dir, 'tool.sh'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
  writeFileSync(join(dir, 'post.sh'), '#!/bin/sh\nset -e\necho script >> /usr/share/postprocess-ran\n', { mode: 0o755 });
}

function opts(f: Fixture, extra: Partial<ComposeTreeOptions> = {}): ComposeTreeOptions {
  return { treefile: f.treefile, repo: f.repoPath, cachedir: f.cachedir, env: {}, basearch: 'x86_64', ...extra };
}

test('compose tree: commit, real ostree/rpm/systemd-tmpfiles accept it, re-runs and package changes', async (t) => {
  if (!canRun(t)) return;
  const f = await fixture(t, packages(), TREEFILE);
  writeExternals(f.dir);

  // --dry-run through the CLI: the transaction, no commit.
  const dry = atoll(['compose', 'tree', '--dry-run', '--cachedir', f.cachedir, '--basearch', 'x86_64', f.treefile]);
  assert.equal(dry.status, 0, dry.stderr);
  const dryLines = dry.stdout.trim().split('\n');
  assert.ok(dryLines.includes('app-2:1.0-3.x86_64 (test)'), dry.stdout);
  assert.ok(dryLines.indexOf('filesystem-3.18-1.x86_64 (test)') < dryLines.indexOf('bbshell-1.36-1.x86_64 (test)'), 'dependencies first');
  assert.equal(await readRef(await Repo.open(f.repoPath), 'test/x86_64/os'), undefined);

  // The compose itself through the CLI.
  const composeJsonPath = join(f.dir, 'compose.json');
  const ran = atoll(['compose', 'tree', '--repo', f.repoPath, '--cachedir', f.cachedir, '--basearch', 'x86_64', '--add-metadata-string', 'build.by=test', '--write-composejson-to', composeJsonPath, f.treefile], {
    env: { ...process.env, SOURCE_DATE_EPOCH: '' },
  });
  assert.equal(ran.status, 0, ran.stderr);
  assert.match(ran.stdout, /^test\/x86_64\/os => [0-9a-f]{64} \(version 42\.\d{8}\): 9 packages, \d+ files/);
  const repo = await Repo.open(f.repoPath);
  const commit1 = (await readRef(repo, 'test/x86_64/os'))!;
  const composeJson = JSON.parse(readFileSync(composeJsonPath, 'utf8')) as Record<string, unknown>;
  assert.equal(composeJson['ostree-commit'], commit1);
  assert.equal(composeJson.ref, 'test/x86_64/os');
  assert.equal(typeof composeJson['rpm-ostree-inputhash'], 'string');
  const fsck = run('ostree', ['fsck', '--repo', f.repoPath]);
  assert.equal(fsck.status, 0, fsck.stderr + fsck.stdout);
  assert.match(runOk('ostree', ['summary', '--repo', f.repoPath, '--view']), /test\/x86_64\/os/);

  // Metadata, as real ostree prints it.
  const key = (k: string) => runOk('ostree', ['show', '--repo', f.repoPath, `--print-metadata-key=${k}`, commit1]).trim();
  const version = key('version').replace(/'/g, '');
  assert.match(version, /^42\.\d{8}$/);
  assert.equal(key('rpmostree.inputhash'), `'${composeJson['rpm-ostree-inputhash']}'`);
  assert.match(key('rpmostree.rpmdb.pkglist'), /\('app', '2', '1\.0', '3', 'x86_64'\)/);
  assert.equal(key('ostree.bootable'), 'true');
  assert.equal(key('ostree.linux'), "'6.1.0'");
  assert.equal(key('fedora-coreos.stream'), "'testing'");
  assert.equal(key('build.by'), "'test'");
  assert.match(key('rpmostree.rpmmd-repos'), /'id': <'test'>, 'timestamp': <uint64 1700000000>/);
  assert.equal(key('rpmostree.initramfs-args'), "['--no-hostonly']");

  const checkout = join(f.dir, 'checkout');
  runOk('ostree', ['checkout', '--repo', f.repoPath, commit1, checkout]);
  // rpmdb: exactly the resolved packages.
  const qa = runOk('rpm', ['--dbpath', join(checkout, 'usr/share/rpm'), '-qa', '--qf', '%{NAME}\\n']).trim().split('\n').sort();
  assert.deepEqual(qa, ['app', 'bbshell', 'filesystem', 'kernel', 'nss-altfiles', 'setup', 'shared-a', 'shared-b', 'system-release'].sort());
  assert.equal(qa.length, 9);
  // Scriptlets ran; the %pre user is in usr/lib/passwd (nss-altfiles), root stays in usr/etc.
  assert.match(readFileSync(join(checkout, 'usr/lib/passwd'), 'utf8'), /^appuser:/m);
  assert.equal(readFileSync(join(checkout, 'usr/etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  assert.equal(readFileSync(join(checkout, 'usr/share/app-post-ran'), 'utf8'), 'post 1\n');
  // Header owners and modes, config in usr/etc.
  const appUid = Number(readFileSync(join(checkout, 'usr/lib/passwd'), 'utf8').match(/^appuser:x:(\d+):/m)![1]);
  const data = lstatSync(join(checkout, 'usr/lib/app/data'));
  assert.equal(data.uid, appUid);
  assert.equal(data.mode & 0o7777, 0o640);
  assert.equal(lstatSync(join(checkout, 'usr/libexec/app-helper')).mode & 0o7777, 0o4550, 'readonly-executables drops write bits');
  assert.equal(readFileSync(join(checkout, 'usr/etc/app.conf'), 'utf8'), 'key=value\n');
  assert.deepEqual(readdirSync(join(checkout, 'var')), []);
  // Treefile postprocessing.
  assert.equal(readlinkSync(join(checkout, 'usr/etc/systemd/system/multi-user.target.wants/app.service')), '/usr/lib/systemd/system/app.service');
  assert.equal(readlinkSync(join(checkout, 'usr/etc/systemd/system/default.target')), '/usr/lib/systemd/system/multi-user.target');
  const osRelease = readFileSync(join(checkout, 'usr/lib/os-release'), 'utf8');
  assert.match(osRelease, new RegExp(`^VERSION="${version.replace(/\./g, '\\.')} \\(Test\\)"$`, 'm'));
  assert.match(osRelease, /^VERSION_ID=42$/m);
  assert.match(osRelease, new RegExp(`^OSTREE_VERSION='${version.replace(/\./g, '\\.')}'$`, 'm'));
  assert.ok(!existsSync(join(checkout, 'usr/share/doc/system-release/README')), 'documentation: false');
  assert.ok(!existsSync(join(checkout, 'usr/share/system-release/junk.log')), 'remove-from-packages');
  assert.equal(readFileSync(join(checkout, 'usr/etc/motd'), 'utf8'), 'hello\n');
  assert.equal(lstatSync(join(checkout, 'usr/libexec/tool.sh')).mode & 0o7777, 0o555);
  assert.equal(readFileSync(join(checkout, 'usr/share/postprocess-ran'), 'utf8'), 'postprocess ran\netc view\nscript\n');
  assert.equal(JSON.parse(readFileSync(join(checkout, 'usr/share/rpm-ostree/treefile.json'), 'utf8')).ref, 'test/x86_64/os');
  assert.equal(readlinkSync(join(checkout, 'tmp')), 'sysroot/tmp');
  assert.ok(!existsSync(join(checkout, 'etc')));

  // systemd-tmpfiles recreates /var from the tree's tmpfiles.d.
  if (requireTool(t, 'systemd-tmpfiles')) {
    cpSync(join(checkout, 'usr/etc'), join(checkout, 'etc'), { recursive: true });
    appendFileSync(join(checkout, 'etc/passwd'), readFileSync(join(checkout, 'usr/lib/passwd'), 'utf8'));
    appendFileSync(join(checkout, 'etc/group'), readFileSync(join(checkout, 'usr/lib/group'), 'utf8'));
    const tmpfiles = run('systemd-tmpfiles', ['--create', `--root=${checkout}`]);
    assert.equal(tmpfiles.status, 0, tmpfiles.stderr);
    assert.equal(lstatSync(join(checkout, 'var/lib/app')).uid, appUid);
    assert.equal(readlinkSync(join(checkout, 'var/lib/rpm')), '../../usr/share/rpm');
  }

  // An external file changes the input hash.
  writeFileSync(join(f.dir, 'post.sh'), '#!/bin/sh\necho changed >> /usr/share/postprocess-ran\n', { mode: 0o755 });
  assert.notEqual((await composeTree(opts(f, { dryRun: true }))).inputHash, composeJson['rpm-ostree-inputhash']);
  writeExternals(f.dir);

  // Unchanged inputs: no new commit.
  const rec = new RecordingReporter();
  const again = await composeTree(opts(f, { reporter: rec, cacheOnly: true }));
  assert.equal(again.outcome, 'unchanged');
  assert.equal(await readRef(repo, 'test/x86_64/os'), commit1);
  assert.ok(rec.messages().some((m) => m.startsWith('No apparent changes since previous commit')));

  // --force-nocache commits anyway, with the version bumped.
  const forced = await composeTree(opts(f, { forceNocache: true }));
  assert.equal(forced.outcome, 'committed');
  assert.equal(forced.version, `${version}.1`);
  assert.equal((await loadCommit(repo, forced.commit!)).parent, commit1);
  const forcedDiff = await diffCommits(repo, commit1, forced.commit!);
  assert.deepEqual([...forcedDiff.modified, ...forcedDiff.added, ...forcedDiff.removed], ['/usr/lib/os-release'], 'same inputs: only the mutated os-release differs');

  // One package changes: a new commit whose diff is only that package's files.
  const changed = packages().map((d) => (d.name === 'shared-b' ? { ...d, release: '2', files: [{ path: '/usr/share/common/readme', content: 'same bytes\n', mode: 0o644 }, { path: '/usr/share/b', content: 'b changed\n' }, { path: '/usr/share/b2', content: 'new\n' }] } : d));
  const { dir: rpmDir2 } = await buildPackages(t, changed);
  await createRepo(rpmDir2, { revision: '1700000001' });
  writeFileSync(join(f.dir, 'test.repo'), `[test]\nbaseurl=file://${rpmDir2}\ngpgcheck=0\n`);
  // Same version prefix and a pinned version so only the package's files differ.
  const next = await composeTree(opts(f, { addMetadata: [['version', version]] }));
  assert.equal(next.outcome, 'committed');
  const diff = await diffCommits(repo, commit1, next.commit!);
  const changedPaths = [...diff.modified, ...diff.added, ...diff.removed].map((e) => (typeof e === 'string' ? e : (e as { path: string }).path));
  const outsideRpmdb = changedPaths.filter((p) => !p.startsWith('/usr/share/rpm/') && !p.startsWith('/usr/lib/sysimage/rpm-ostree-base-db/') && p !== '/usr/share/rpm-ostree/treefile.json');
  assert.deepEqual(outsideRpmdb.sort(), ['/usr/share/b', '/usr/share/b2'], JSON.stringify(diff));
  const cli = runOk(process.execPath, [join(process.cwd(), 'bin/atoll'), '--progress=none', 'repo', 'diff', '--repo', f.repoPath, commit1, next.commit!]);
  assert.match(cli, /\/usr\/share\/b2/);
});

test('compose tree: two composes of the same inputs on different days give the same root tree', async (t) => {
  if (!canRun(t)) return;
  const tf = 'ref: test/os\nrepos: [test]\npackages: [app, kernel, nss-altfiles]\nautomatic-version-prefix: "1"\n';
  const a = await fixture(t, packages(), tf, 'day1');
  const b = await fixture(t, packages(), tf, 'day2');
  const r1 = await composeTree(opts(a, { now: () => new Date(Date.UTC(2026, 0, 1, 12)) }));
  const r2 = await composeTree(opts(b, { now: () => new Date(Date.UTC(2026, 5, 30, 23)) }));
  const c1 = await loadCommit(await Repo.open(a.repoPath), r1.commit!);
  const c2 = await loadCommit(await Repo.open(b.repoPath), r2.commit!);
  assert.notEqual(c1.timestamp, c2.timestamp);
  assert.equal(c1.rootTree, c2.rootTree);
  assert.equal(c1.rootMeta, c2.rootMeta);
  assert.equal(r1.inputHash, r2.inputHash);

  // A warm compose into a fresh repository: the package files' archive objects are hardlinked
  // from the cache (cachedir/archive-objects) instead of compressed again; same tree, and real
  // ostree finds every object sound.
  const freshPath = join(b.dir, 'fresh-repo');
  await Repo.init(freshPath, 'archive');
  const r3 = await composeTree({ ...opts(b, { now: () => new Date(Date.UTC(2026, 6, 1, 0)) }), repo: freshPath });
  const c4 = await loadCommit(await Repo.open(freshPath), r3.commit!);
  assert.equal(c4.rootTree, c2.rootTree);
  assert.equal(c4.rootMeta, c2.rootMeta);
  assert.ok((r3.composeJson?.['ostree-n-cache-hits'] as number) > 0, JSON.stringify(r3.composeJson));
  const linked = readdirSync(join(freshPath, 'objects')).flatMap((d) =>
    readdirSync(join(freshPath, 'objects', d)).filter((n) => n.endsWith('.filez') && lstatSync(join(freshPath, 'objects', d, n)).nlink > 1),
  );
  assert.ok(linked.length > 0, 'package objects are hardlinks of the cache');
  // The cache's usage record: the same packages twice, so the second compose did not list it.
  assert.match(readFileSync(join(b.cachedir, 'archive-objects', 'usage'), 'utf8'), /^atoll archive-objects usage 1\ncompose 2 \d+\nused \d+ [0-9a-f]{32}\n$/);
  assert.equal(run('ostree', ['fsck', '--repo', freshPath]).status, 0);

  // --write-commitid-to leaves the ref alone; --no-parent; --touch-if-changed.
  const idFile = join(a.dir, 'commitid');
  const touched = join(a.dir, 'changed');
  const cli = atoll(['compose', 'tree', '--repo', a.repoPath, '--cachedir', a.cachedir, '--force-nocache', '--no-parent', '--write-commitid-to', idFile, '--touch-if-changed', touched, a.treefile], { env: { ...process.env, SOURCE_DATE_EPOCH: '1800000000' } });
  assert.equal(cli.status, 0, cli.stderr);
  const id = readFileSync(idFile, 'utf8');
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.ok(existsSync(touched));
  assert.equal(await readRef(await Repo.open(a.repoPath), 'test/os'), r1.commit);
  const c3 = await loadCommit(await Repo.open(a.repoPath), id);
  assert.equal(c3.parent, null);
  assert.equal(c3.timestamp, 1800000000n, 'SOURCE_DATE_EPOCH is the commit timestamp');
  // SOURCE_DATE_EPOCH is also the rpmdb's install time: only the rpmdb differs.
  const d = await diffCommits(await Repo.open(a.repoPath), r1.commit!, id);
  assert.deepEqual([...d.modified, ...d.added, ...d.removed].sort(), ['/usr/lib/sysimage/rpm-ostree-base-db/rpmdb.sqlite', '/usr/share/rpm/rpmdb.sqlite']);
});

test('compose tree: bad treefiles and package sets fail with coded errors, refs untouched', async (t) => {
  if (!canRun(t)) return;
  const good = 'ref: test/os\nrepos: [test]\npackages: [app, kernel]\n';
  const extra: PackageDescription[] = [
    { name: 'conflict-a', version: '1', release: '1', files: [{ path: '/usr/share/clash', content: 'a\n' }] },
    { name: 'conflict-b', version: '1', release: '1', files: [{ path: '/usr/share/clash', content: 'b\n' }] },
    { name: 'fails', version: '1', release: '1', requires: ['bbshell'], scripts: { post: 'echo failing on purpose; exit 3\n' }, files: [{ path: '/usr/share/fails', content: 'x\n' }] },
  ];
  const f = await fixture(t, packages(extra), good, 'errors');
  // An ostree-layers commit made by real ostree; a second layer that does not resolve only warns.
  const layerDir = join(f.dir, 'layer');
  mkdirSync(join(layerDir, 'usr/share/layered'), { recursive: true });
  writeFileSync(join(layerDir, 'usr/share/layered/file'), 'from a layer\n');
  runOk('ostree', ['commit', '--repo', f.repoPath, '-b', 'layers/extra', `--tree=dir=${layerDir}`, '--owner-uid=0', '--owner-gid=0']);
  writeFileSync(f.treefile, `${good}ostree-layers: [layers/extra, layers/missing]\n`);
  const rec = new RecordingReporter();
  const first = await composeTree(opts(f, { reporter: rec }));
  assert.equal(first.outcome, 'committed');
  assert.ok(rec.messages('warn').some((m) => m.includes("'layers/missing' does not resolve")), rec.messages('warn').join('\n'));
  const repo = await Repo.open(f.repoPath);
  const layered = runOk('ostree', ['cat', '--repo', f.repoPath, first.commit!, '/usr/share/layered/file']);
  assert.equal(layered, 'from a layer\n');
  assert.equal(run('ostree', ['fsck', '--repo', f.repoPath]).status, 0);
  const cases: Array<[string, string, (dir: string) => void]> = [
    ['unknown key', `${good}frobnicate: true\n`, () => {}],
    ['missing include', `${good}include: nowhere.yaml\n`, () => {}],
    ['include cycle', `${good}include: a.yaml\n`, (dir) => writeFileSync(join(dir, 'a.yaml'), 'include: treefile.yaml\n')],
    ['missing package', 'ref: test/os\nrepos: [test]\npackages: [app, no-such-package]\n', () => {}],
    ['unsatisfiable', 'ref: test/os\nrepos: [test]\npackages: [app]\nexclude-packages: [bbshell]\n', () => {}],
    ['conflicting files', 'ref: test/os\nrepos: [test]\npackages: [app, conflict-a, conflict-b]\n', () => {}],
    ['failing scriptlet', 'ref: test/os\nrepos: [test]\npackages: [app, fails]\n', () => {}],
    ['failing postprocess', `${good}postprocess: ["#!/bin/sh\\nexit 4\\n"]\n`, () => {}],
    ['unknown repo', 'ref: test/os\nrepos: [nope]\npackages: [app]\n', () => {}],
    ['uid changed', `${good}check-passwd: {type: data, entries: {appuser: 12345}}\n`, () => {}],
    ['group removed', `${good}check-groups: {type: data, entries: {gone: 5}}\n`, () => {}],
    ['add-files outside usr', `${good}add-files: [[motd, /srv/motd]]\n`, (dir) => writeFileSync(join(dir, 'motd'), 'x\n')],
  ];
  const expected: Record<string, string> = {
    'unknown key': 'TREEFILE_UNKNOWN_KEY',
    'missing include': 'TREEFILE_INCLUDE_MISSING',
    'include cycle': 'TREEFILE_INCLUDE_CYCLE',
    'missing package': 'COMPOSE_PACKAGE_NOT_FOUND',
    unsatisfiable: 'COMPOSE_DEPSOLVE_FAILED',
    'conflicting files': 'ASSEMBLE_FILE_CONFLICT',
    'failing scriptlet': 'ASSEMBLE_SCRIPT_FAILED',
    'failing postprocess': 'COMPOSE_POSTPROCESS_FAILED',
    'unknown repo': 'COMPOSE_REPO_NOT_FOUND',
    'uid changed': 'COMPOSE_PASSWD_CHANGED',
    'group removed': 'COMPOSE_PASSWD_REMOVED',
    'add-files outside usr': 'COMPOSE_BAD_PATH',
  };
  for (const [name, text, prepare] of cases) {
    writeFileSync(f.treefile, text);
    prepare(f.dir);
    await assert.rejects(
      composeTree(opts(f, { forceNocache: true })),
      (error: unknown) => {
        assert.ok(isAtollError(error), `${name}: ${String(error)}`);
        assert.equal(error.code, expected[name], `${name}: ${error.message}`);
        return true;
      },
      name,
    );
    assert.equal(await readRef(repo, 'test/os'), first.commit, `${name}: ref untouched`);
  }
  // Lockfiles: a written lockfile reproduces the set strictly; a wrong digest or a lock on a
  // build the repository lacks fails.
  writeFileSync(f.treefile, good);
  const lockPath = join(f.dir, 'lock.json');
  const locked = await composeTree(opts(f, { dryRun: true, writeLockfileTo: lockPath }));
  const lockDoc = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, { evra: string; digest: string }> };
  assert.equal(lockDoc.packages.app!.evra, '2:1.0-3.x86_64');
  assert.match(lockDoc.packages.app!.digest, /^sha256:[0-9a-f]{64}$/);
  const strict = await composeTree(opts(f, { dryRun: true, lockfiles: [lockPath], lockfileStrict: true }));
  assert.deepEqual(strict.transaction, locked.transaction);
  const badDigest = join(f.dir, 'bad-digest.json');
  writeFileSync(badDigest, JSON.stringify({ packages: { app: { evra: '2:1.0-3.x86_64', digest: `sha256:${'0'.repeat(64)}` } } }));
  await assert.rejects(composeTree(opts(f, { dryRun: true, lockfiles: [badDigest] })), (e: unknown) => isAtollError(e) && e.code === 'COMPOSE_LOCKFILE');
  const otherBuild = join(f.dir, 'other-build.json');
  writeFileSync(otherBuild, JSON.stringify({ packages: { app: { evra: '2:9.9-1.x86_64' } } }));
  await assert.rejects(composeTree(opts(f, { dryRun: true, lockfiles: [otherBuild] })), (e: unknown) => isAtollError(e) && e.code === 'COMPOSE_PACKAGE_NOT_FOUND');

  // Removed groups pass when ignored.
  writeFileSync(f.treefile, `${good}check-groups: {type: data, entries: {gone: 5}}\nignore-removed-groups: [gone]\n`);
  assert.equal((await composeTree(opts(f, { forceNocache: true }))).outcome, 'committed');
  // The CLI maps a coded error to a non-zero exit with the code on stderr.
  writeFileSync(f.treefile, 'ref: test/os\nrepos: [test]\npackages: [no-such-package]\n');
  const cli = atoll(['compose', 'tree', '--repo', f.repoPath, '--cachedir', f.cachedir, f.treefile]);
  assert.notEqual(cli.status, 0);
  assert.match(cli.stderr, /COMPOSE_PACKAGE_NOT_FOUND|no package matches/);
});

/** Every entry below `dir`: relative path → description (type, mode, owner, content digest or link target). */
function describeTree(dir: string, skip: (rel: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (skip(path)) continue;
      const st = lstatSync(join(dir, path));
      const owner = `${st.uid}:${st.gid}`;
      if (st.isSymbolicLink()) out.set(path, `link ${owner} -> ${readlinkSync(join(dir, path))}`);
      else if (st.isDirectory()) {
        out.set(path, `dir ${(st.mode & 0o7777).toString(8)} ${owner}`);
        walk(path);
      } else out.set(path, `file ${(st.mode & 0o7777).toString(8)} ${owner} ${createHash('sha256').update(readFileSync(join(dir, path))).digest('hex')}`);
    }
  };
  walk('');
  return out;
}

test('compose tree: the checkout equals dnf --installroot of the same repository, apart from the documented moves', async (t) => {
  if (!canRun(t) || !requireTool(t, 'dnf', 'systemd-tmpfiles')) return;
  const f = await fixture(t, packages(), 'ref: test/os\nrepos: [test]\ntmp-is-dir: true\npackages: [app, kernel, nss-altfiles, shared-a, shared-b]\n', 'dnf');
  const result = await composeTree(opts(f));
  const dnfRoot = join(f.dir, 'dnfroot');
  const dnf = run('dnf', ['--installroot', dnfRoot, `--setopt=reposdir=${f.dir}`, '--disablerepo=*', '--enablerepo=test', '--nogpgcheck', '--setopt=install_weak_deps=False', `--setopt=cachedir=${join(f.dir, 'dnfcache')}`, '-y', '--releasever=42', 'install', 'app', 'kernel', 'nss-altfiles', 'shared-a', 'shared-b']);
  assert.equal(dnf.status, 0, dnf.stderr + dnf.stdout);
  // Same package set as the solver picked.
  const dnfSet = runOk('rpm', ['--root', dnfRoot, '-qa', '--qf', '%{NAME}-%{EPOCH}:%{VERSION}-%{RELEASE}.%{ARCH}\\n']).trim().split('\n').map((l) => l.replace('-(none):', '-').replace(/-0:/, '-')).sort();
  assert.deepEqual(dnfSet, result.transaction.map((x) => x.nevra).sort());

  const co = join(f.dir, 'co');
  runOk('ostree', ['checkout', '--repo', f.repoPath, result.commit!, co]);
  cpSync(join(co, 'usr/etc'), join(co, 'etc'), { recursive: true });
  appendFileSync(join(co, 'etc/passwd'), readFileSync(join(co, 'usr/lib/passwd'), 'utf8'));
  appendFileSync(join(co, 'etc/group'), readFileSync(join(co, 'usr/lib/group'), 'utf8'));
  runOk('systemd-tmpfiles', ['--create', `--root=${co}`]);

  const classicOnly = (p: string): boolean => /^(var\/lib\/(rpm|dnf)|var\/cache|var\/log\/(dnf|hawkey)[^/]*|var\/lib\/rpm-state|var\/tmp|tmp|root|dev|proc|sys|usr\/lib\/sysimage|etc\/(dnf|machine-id))($|\/)/.test(p);
  const classic = describeTree(dnfRoot, classicOnly);
  const ours = describeTree(co, (p) => /^(tmp|dev|proc|sys|sysroot|home|root|ostree|mnt|media|srv|opt|run\/media|var\/(home|srv|roothome|mnt|usrlocal|opt|lib\/rpm|tmp))($|\/)/.test(p));
  const moved = (p: string): string => {
    if (p === 'boot/initramfs-6.1.0.img') return 'usr/lib/modules/6.1.0/initramfs.img';
    if (p.startsWith('boot/')) return `usr/lib/ostree-boot/${p.slice(5)}`;
    if (p.startsWith('opt/')) return `usr/lib/opt/${p.slice(4)}`;
    if (p.startsWith('var/lib/alternatives/')) return `usr/lib/alternatives/${p.slice(21)}`;
    return p;
  };
  const differences: string[] = [];
  for (const [path, what] of classic) {
    if (path === 'boot' || path === 'opt' || path === 'var/lib/alternatives' || path === 'etc/passwd' || path === 'etc/group') continue;
    if (path === 'etc/nsswitch.conf') {
      assert.equal(readFileSync(join(co, path), 'utf8'), readFileSync(join(dnfRoot, path), 'utf8').replace(/^(passwd|group): files$/gm, '$1: files altfiles'));
      continue;
    }
    const mine = ours.get(moved(path));
    if (mine !== what) differences.push(`${path}: dnf ${what} / atoll ${mine ?? 'missing'}`);
  }
  assert.deepEqual(differences, []);
  const expectedExtra = /^(usr\/share\/rpm|usr\/share\/rpm-ostree\/treefile\.json|usr\/share\/rpm-ostree|usr\/lib\/sysimage|usr\/lib\/rpm|usr\/lib\/tmpfiles\.d|usr\/lib\/passwd|usr\/lib\/group|usr\/etc|usr\/lib\/ostree-boot|usr\/lib\/opt|usr\/lib\/alternatives|usr\/lib\/modules\/6\.1\.0\/initramfs\.img|usr\/local|etc|var|run|boot|bin|sbin|lib|lib64)($|\/)/;
  assert.deepEqual([...ours.keys()].filter((p) => !classic.has(p) && !expectedExtra.test(p)), []);
  // The users the %pre created have the same ids in both.
  const uid = (file: string) => readFileSync(file, 'utf8').match(/^appuser:x:(\d+):/m)?.[1];
  assert.equal(uid(join(co, 'usr/lib/passwd')), uid(join(dnfRoot, 'etc/passwd')));
});

test('compose tree --dry-run: repo-packages, exclude-packages and recommends steer the depsolve', async (t) => {
  if (!requireTool(t, 'rpm')) return;
  const dir = tempDir(t, 'atoll-compose-resolve-');
  const mk = async (descs: PackageDescription[], revision: string) => {
    const { dir: rpmDir } = await buildPackages(t, descs);
    await createRepo(rpmDir, { revision });
    return rpmDir;
  };
  const main = await mk(
    [
      { name: 'tool', version: '1', release: '1', recommends: ['extra'] },
      { name: 'extra', version: '1', release: '1' },
      { name: 'lib', version: '1', release: '1' },
    ],
    '1',
  );
  const updates = await mk([{ name: 'lib', version: '2', release: '1' }, { name: 'tool', version: '2', release: '1', recommends: ['extra'] }], '2');
  writeFileSync(join(dir, 'r.repo'), `[base]\nbaseurl=file://${main}\n[updates]\nbaseurl=file://${updates}\n`);
  const tf = join(dir, 'tf.yaml');
  const solve = async (text: string) => {
    writeFileSync(tf, text);
    return (await composeTree({ treefile: tf, dryRun: true, cachedir: join(dir, 'cache'), basearch: 'x86_64', env: {} })).transaction.map((x) => `${x.nevra}@${x.repo}`).sort();
  };
  assert.deepEqual(await solve('repos: [base, updates]\npackages: [tool, lib]\n'), ['extra-1-1.noarch@base', 'lib-2-1.noarch@updates', 'tool-2-1.noarch@updates']);
  assert.deepEqual(await solve('repos: [base, updates]\npackages: [tool]\nrepo-packages: [{repo: base, packages: [lib]}]\nrecommends: false\n'), ['lib-1-1.noarch@base', 'tool-2-1.noarch@updates']);
  assert.deepEqual(await solve('repos: [base, updates]\npackages: [tool]\nexclude-packages: [extra]\n'), ['tool-2-1.noarch@updates']);
  // Without `repos`, every enabled repository.
  assert.deepEqual(await solve('packages: [lib]\n'), ['lib-2-1.noarch@updates']);
});
