// assembleTree end to end: generated packages (with a static busybox shell so scriptlets run)
// → tree → commit → real ostree fsck/checkout, real rpm reading the rpmdb, real
// systemd-tmpfiles recreating /var.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync, cpSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { run, runOk } from '../helpers/run.js';
import { buildPackages } from '../helpers/rpm-fixtures.js';
import { BUSYBOX, basePackages, shellPackage } from '../helpers/assemble-fixtures.js';
import type { PackageDescription } from '../../src/rpm/index.js';
import { Repo, readRef, loadCommit } from '../../src/ostree/repo/index.js';
import { commitToRepo } from '../../src/ostree/commit/index.js';
import { assembleTree, pkglistVariant, translatePath } from '../../src/assemble/index.js';
import { isAtollError } from '../../src/errors/index.js';

function canRun(t: import('node:test').TestContext): boolean {
  if (!requireTool(t, 'bwrap', 'ostree', 'rpm')) return false;
  if (!isRoot() || BUSYBOX === undefined) {
    t.skip('needs root and busybox-static');
    return false;
  }
  return true;
}

async function assemble(t: import('node:test').TestContext, descriptions: PackageDescription[]) {
  const { paths } = await buildPackages(t, descriptions);
  const work = tempDir(t, 'atoll-assemble-');
  const cache = await Repo.init(join(work, 'pkgcache'), 'bare-user');
  const rootDir = join(work, 'root');
  return { paths, work, cache, rootDir, assembleIt: () => assembleTree({ packages: paths.map((path) => ({ path })), repo: cache, rootDir, options: { env: {} } }) };
}

test('assembled tree commits cleanly and real rpm, ostree and systemd-tmpfiles accept it', async (t) => {
  if (!canRun(t)) return;
  const descriptions = basePackages({ altfiles: true });
  const { cache, work, rootDir, assembleIt, paths } = await assemble(t, descriptions);
  const result = await assembleIt();
  assert.equal(result.kernelVersion, '6.1.0');
  assert.equal(result.timestamp, 1700000000, 'newest build time is the rpmdb time source');
  assert.deepEqual(result.scripts.map((s) => `${s.package} ${s.script}`), ['app-2:1.0-3.x86_64 %pre', 'app-2:1.0-3.x86_64 %post', 'app-2:1.0-3.x86_64 %posttrans', 'app-2:1.0-3.x86_64 %transfiletriggerin']);
  assert.equal(readFileSync(join(rootDir, 'usr/share/app-trigger-seen'), 'utf8'), '/usr/share/common/readme\n/usr/share/common/readme\n', 'one line per owning package, as rpm (the dnf comparison checks the same file)');
  assert.equal((await readRef(cache, 'rpmostree/pkg/app/2_3A1.0-3.x86__64')) !== undefined, true, 'pkgcache ref with rpm-ostree escaping');

  const target = await Repo.init(join(work, 'repo'), 'bare');
  const commit = await commitToRepo(target, {
    trees: [rootDir],
    branch: 'test/x86_64/os',
    timestamp: result.timestamp,
    metadata: [['rpmostree.rpmdb.pkglist', pkglistVariant(result.pkglist)]],
  });
  const fsck = run('ostree', ['fsck', '--repo', target.path]);
  assert.equal(fsck.status, 0, fsck.stderr + fsck.stdout);
  const checkoutDir = join(work, 'checkout');
  runOk('ostree', ['checkout', '--repo', target.path, commit.checksum, checkoutDir]);
  const pkglist = runOk('ostree', ['show', '--repo', target.path, '--print-metadata-key=rpmostree.rpmdb.pkglist', commit.checksum]);
  assert.match(pkglist, /\('app', '2', '1.0', '3', 'x86_64'\)/);

  // rpmdb: exactly the packages, every index usable.
  const db = join(checkoutDir, 'usr/share/rpm');
  const qa = run('rpm', ['--dbpath', db, '-qa', '--qf', '%{NAME}\\n']);
  assert.equal(qa.status, 0, qa.stderr);
  assert.doesNotMatch(qa.stderr, /skipping/);
  assert.deepEqual(qa.stdout.trim().split('\n').sort(), descriptions.map((d) => d.name).sort());
  assert.match(runOk('rpm', ['--dbpath', db, '-qf', '/usr/bin/app']), /^app-1\.0-3\.x86_64/);
  assert.match(runOk('rpm', ['--dbpath', db, '-q', '--whatprovides', '/bin/sh']), /^bbshell-/);
  assert.match(runOk('rpm', ['--dbpath', db, '-q', '--whatrequires', 'setup']), /^app-/);
  assert.equal(run('rpmdb', ['--dbpath', db, '--verifydb']).status, 0);
  assert.equal(readlinkSync(join(checkoutDir, 'usr/lib/sysimage/rpm')), '../../share/rpm');
  assert.equal(readFileSync(join(checkoutDir, 'usr/lib/rpm/macros.d/macros.rpm-ostree'), 'utf8'), '%_dbpath /usr/share/rpm\n');

  // Scriptlets ran; the %pre user went to usr/lib/passwd (nss-altfiles present), root stayed.
  assert.equal(readFileSync(join(checkoutDir, 'usr/share/app-post-ran'), 'utf8'), 'post 1\n');
  assert.match(readFileSync(join(checkoutDir, 'usr/share/app-posttrans-ran'), 'utf8'), /appuser/);
  const libPasswd = readFileSync(join(checkoutDir, 'usr/lib/passwd'), 'utf8');
  assert.match(libPasswd, /^appuser:/m);
  assert.equal(readFileSync(join(checkoutDir, 'usr/etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  assert.match(readFileSync(join(checkoutDir, 'usr/lib/group'), 'utf8'), /^appgrp:/m);
  assert.match(readFileSync(join(checkoutDir, 'usr/etc/nsswitch.conf'), 'utf8'), /^passwd: files altfiles$/m);
  const uidOf = (name: string, file: string): number => Number(readFileSync(join(checkoutDir, file), 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))!.split(':')[2]);
  const ids = { user: new Map([['root', 0], ['appuser', uidOf('appuser', 'usr/lib/passwd')]]), group: new Map([['root', 0], ['appgrp', uidOf('appgrp', 'usr/lib/group')]]) };

  // Every stored file with the header's owner and mode (config files in usr/etc).
  const { readRpmFile } = await import('../../src/rpm/index.js');
  let checked = 0;
  for (const path of paths) {
    const { pkg } = await readRpmFile(path);
    for (const file of pkg.files) {
      if (file.flags & 0x40) continue;
      const tr = translatePath(file.path, (file.mode & 0o170000) === 0o040000, pkg.name);
      if (tr.kind !== 'store') continue;
      const where = tr.path;
      if (file.path.startsWith('/boot/')) continue; // kernel files move on; checked below
      const st = lstatSync(join(checkoutDir, where));
      assert.equal(st.mode & 0o170000, file.mode & 0o170000, `${file.path} type`);
      if (!st.isSymbolicLink()) assert.equal((st.mode & 0o7777).toString(8), (file.mode & 0o7777).toString(8), `${file.path} mode`);
      assert.equal(st.uid, ids.user.get(file.user), `${file.path} owner`);
      assert.equal(st.gid, ids.group.get(file.group), `${file.path} group`);
      if (file.flags & 0x1) assert.match(where, /^usr\/etc\//);
      checked++;
    }
  }
  assert.ok(checked > 20);
  const caps = run('getfattr', ['-n', 'security.capability', '-e', 'hex', join(checkoutDir, 'usr/bin/app-ping')]);
  if (caps.status === 0) assert.match(caps.stdout, /security.capability=0x/);

  // UsrMove, kernel, toplevel layout, empty /var.
  assert.ok(existsSync(join(checkoutDir, 'usr/bin/app-legacy')));
  assert.equal(readlinkSync(join(checkoutDir, 'bin')), 'usr/bin');
  assert.equal(readFileSync(join(checkoutDir, 'usr/lib/modules/6.1.0/vmlinuz'), 'utf8'), 'kernel image\n');
  assert.equal(readFileSync(join(checkoutDir, 'usr/lib/modules/6.1.0/initramfs.img'), 'utf8'), 'initramfs\n');
  assert.equal(readFileSync(join(checkoutDir, 'usr/lib/ostree-boot/config-6.1.0'), 'utf8'), 'CONFIG_X=y\n');
  assert.equal(readFileSync(join(checkoutDir, 'usr/etc/machine-id'), 'utf8'), '');
  for (const [link, to] of [['home', 'var/home'], ['root', 'var/roothome'], ['ostree', 'sysroot/ostree'], ['opt', 'var/opt']]) assert.equal(readlinkSync(join(checkoutDir, link!)), to);
  assert.equal(lstatSync(join(checkoutDir, 'tmp')).mode & 0o7777, 0o1777);
  assert.deepEqual(readdirSync(join(checkoutDir, 'var')), []);
  assert.ok(!existsSync(join(checkoutDir, 'etc')));

  // systemd-tmpfiles recreates /var (a deployment has /etc; NSS altfiles would resolve usr/lib/passwd).
  if (!requireTool(t, 'systemd-tmpfiles')) return;
  cpSync(join(checkoutDir, 'usr/etc'), join(checkoutDir, 'etc'), { recursive: true });
  appendFileSync(join(checkoutDir, 'etc/passwd'), libPasswd);
  appendFileSync(join(checkoutDir, 'etc/group'), readFileSync(join(checkoutDir, 'usr/lib/group'), 'utf8'));
  const tmpfiles = run('systemd-tmpfiles', ['--create', `--root=${checkoutDir}`]);
  assert.equal(tmpfiles.status, 0, tmpfiles.stderr);
  const appDir = lstatSync(join(checkoutDir, 'var/lib/app'));
  assert.equal(appDir.uid, ids.user.get('appuser'));
  assert.equal(appDir.mode & 0o7777, 0o750);
  assert.ok(lstatSync(join(checkoutDir, 'var/lib/app/state')).isFile());
  assert.equal(readlinkSync(join(checkoutDir, 'var/lib/rpm')), '../../usr/share/rpm');
  assert.equal(readlinkSync(join(checkoutDir, 'var/mail')), 'spool/mail');
  assert.equal(readlinkSync(join(checkoutDir, 'var/lib/alternatives/app')), '/usr/bin/app', 'alternatives live in usr/lib, reached through the compat link');
  assert.equal(readlinkSync(join(checkoutDir, 'var/lib/alternatives')), '../../usr/lib/alternatives');
  assert.equal(readlinkSync(join(checkoutDir, 'var/opt/setupapp')), '/usr/lib/opt/setupapp');
  assert.ok(lstatSync(join(checkoutDir, 'var/home')).isDirectory());
  assert.equal(lstatSync(join(checkoutDir, 'var/roothome')).mode & 0o7777, 0o700);
  // rpm -V of the deployed-like tree: only the files scriptlets and compose changed, and /boot.
  const verify = run('rpm', ['--root', checkoutDir, '--dbpath', '/usr/share/rpm', '-Va', '--nomtime']);
  assert.deepEqual(verify.stdout.trim().split('\n').sort(), [
    'S.5......  c /etc/group',
    'S.5......  c /etc/nsswitch.conf',
    'S.5......  c /etc/passwd',
    'missing     /boot/config-6.1.0',
    'missing     /boot/initramfs-6.1.0.img',
  ]);
  // rpm finds the db through the recreated /var/lib/rpm link.
  assert.match(runOk('rpm', ['--root', checkoutDir, '--dbpath', '/var/lib/rpm', '-q', 'kernel']), /^kernel-6\.1\.0-1/);
  void writeFileSync;
});

test('re-import of an unchanged package reuses the cached commit; without nss-altfiles users stay in usr/etc', async (t) => {
  if (!canRun(t)) return;
  const { cache, rootDir, paths } = await assemble(t, basePackages({ altfiles: false }));
  const first = await assembleTree({ packages: paths.map((path) => ({ path })), repo: cache, rootDir, options: { env: { SOURCE_DATE_EPOCH: '1800000000' } } });
  assert.equal(first.timestamp, 1800000000);
  assert.ok(first.packages.every((p) => !p.reusedImport));
  assert.match(readFileSync(join(rootDir, 'usr/etc/passwd'), 'utf8'), /^appuser:/m);
  assert.ok(!existsSync(join(rootDir, 'usr/lib/passwd')));
  const second = await assembleTree({ packages: paths.map((path) => ({ path })), repo: cache, rootDir: `${rootDir}2`, options: { env: { SOURCE_DATE_EPOCH: '1800000000' } } });
  assert.ok(second.packages.every((p) => p.reusedImport));
  assert.deepEqual(readFileSync(join(`${rootDir}2`, 'usr/share/rpm/rpmdb.sqlite')), readFileSync(join(rootDir, 'usr/share/rpm/rpmdb.sqlite')), 'the rpmdb is reproducible');
  // Same inputs, same root tree checksum.
  const target = await Repo.init(join(dirname(rootDir), 'repo'), 'bare');
  const a = await commitToRepo(target, { trees: [rootDir], branch: 'a', timestamp: 0 });
  const b = await commitToRepo(target, { trees: [`${rootDir}2`], branch: 'b', timestamp: 0 });
  const [ca, cb] = [await loadCommit(target, a.checksum), await loadCommit(target, b.checksum)];
  assert.equal(ca.rootTree, cb.rootTree);
  assert.equal(ca.rootMeta, cb.rootMeta);
});

test('a corrupt payload is refused at import and leaves the package cache without the ref', async (t) => {
  if (!canRun(t)) return;
  const { paths } = await buildPackages(t, [{ name: 'victim', version: '1', release: '1', files: [{ path: '/usr/share/victim', content: { size: 50000, fill: 'abc' } }] }]);
  const bytes = readFileSync(paths[0]!);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(paths[0]!, bytes);
  const work = tempDir(t, 'atoll-assemble-');
  const cache = await Repo.init(join(work, 'pkgcache'), 'bare-user');
  await assert.rejects(assembleTree({ packages: [{ path: paths[0]! }], repo: cache, rootDir: join(work, 'root') }), (error: unknown) => isAtollError(error) && /^RPM_/.test(error.code));
  assert.equal(await readRef(cache, 'rpmostree/pkg/victim/1-1.noarch'), undefined);
  assert.equal(run('ostree', ['fsck', '--repo', cache.path]).status, 0);
});

test('conflicting files, failing scriptlets, missing interpreters and Lua scripts give coded errors', async (t) => {
  if (!canRun(t)) return;
  const shell = shellPackage();
  const cases: Array<[string, PackageDescription[], string, RegExp]> = [
    ['conflict', [shell, { name: 'one', version: '1', release: '1', files: [{ path: '/usr/share/x', content: 'one\n' }] }, { name: 'two', version: '1', release: '1', files: [{ path: '/usr/share/x', content: 'two\n' }] }], 'ASSEMBLE_FILE_CONFLICT', /\/usr\/share\/x.*two-1-1\.noarch.*one-1-1\.noarch/],
    ['usrmove conflict', [shell, { name: 'one', version: '1', release: '1', files: [{ path: '/bin/tool', content: 'one\n' }] }, { name: 'two', version: '1', release: '1', files: [{ path: '/usr/bin/tool', content: 'two\n' }] }], 'ASSEMBLE_FILE_CONFLICT', /tool/],
    ['failing script', [shell, { name: 'bad', version: '1', release: '1', scripts: { post: 'echo oops >&2\nexit 3\n' } }], 'ASSEMBLE_SCRIPT_FAILED', /%post of bad-1-1\.noarch failed \(exit status 3\): oops/],
    ['no interpreter', [{ name: 'lonely', version: '1', release: '1', scripts: { pre: 'true\n' } }], 'ASSEMBLE_SCRIPT_INTERPRETER', /%pre of lonely-1-1\.noarch needs \/bin\/sh/],
    ['lua', [shell, { name: 'moon', version: '1', release: '1', scripts: { post: { prog: '<lua>', body: 'print("x")' } } }], 'ASSEMBLE_SCRIPT_LUA', /Lua/],
    ['below a symlink', [shell, { name: 'one', version: '1', release: '1', files: [{ path: '/usr/share/dir', target: '/etc' }] }, { name: 'two', version: '1', release: '1', files: [{ path: '/usr/share/dir/passwd', content: 'x' }] }], 'ASSEMBLE_FILE_CONFLICT', /\/usr\/share\/dir\/passwd/],
    ['script plants a symlink', [shell, { name: 'evil', version: '1', release: '1', scripts: { post: 'rm -rf /usr/share\nln -s / /usr/share\n' } }], 'ASSEMBLE_UNSAFE_TREE', /usr\/share/],
    ['unsupported path', [{ name: 'srv', version: '1', release: '1', files: [{ path: '/srv/www/index.html', content: 'x' }] }], 'ASSEMBLE_UNSUPPORTED_PATH', /\/srv\/www\/index\.html/],
  ];
  for (const [label, descriptions, code, message] of cases) {
    const { assembleIt } = await assemble(t, descriptions);
    await assert.rejects(assembleIt(), (error: unknown) => {
      assert.ok(isAtollError(error, code), `${label}: ${String(error)}`);
      assert.match((error as Error).message, message, label);
      return true;
    });
  }
  // A Lua script marked for skipping is fine.
  const { assembleIt } = await assemble(t, [shell, { name: 'moon', version: '1', release: '1', scripts: { post: { prog: '<lua>', body: '-- rpm-ostree-skip\nprint("x")' } } }]);
  const ok = await assembleIt();
  assert.equal(ok.scripts[0]?.skipped, 'lua rpm-ostree-skip');
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

test('the tree equals a dnf --installroot install of the same packages, apart from the documented moves', async (t) => {
  if (!canRun(t) || !requireTool(t, 'dnf', 'systemd-tmpfiles')) return;
  const { work, rootDir, assembleIt, paths } = await assemble(t, basePackages({ altfiles: true }));
  await assembleIt();
  const dnfRoot = join(work, 'dnfroot');
  const dnf = run('dnf', ['--installroot', dnfRoot, '--setopt=reposdir=/nonexistent', '--setopt=install_weak_deps=False', `--setopt=cachedir=${join(work, 'dnfcache')}`, '--disablerepo=*', '-y', '--releasever=40', 'install', ...paths]);
  assert.equal(dnf.status, 0, dnf.stderr + dnf.stdout);
  // Recreate /var and /run from tmpfiles.d as a booted deployment would, with /etc from usr/etc.
  const target = await Repo.init(join(work, 'repo'), 'bare');
  const commit = await commitToRepo(target, { trees: [rootDir], timestamp: 0 });
  const co = join(work, 'co');
  runOk('ostree', ['checkout', '--repo', target.path, commit.checksum, co]);
  cpSync(join(co, 'usr/etc'), join(co, 'etc'), { recursive: true });
  appendFileSync(join(co, 'etc/passwd'), readFileSync(join(co, 'usr/lib/passwd'), 'utf8'));
  appendFileSync(join(co, 'etc/group'), readFileSync(join(co, 'usr/lib/group'), 'utf8'));
  runOk('systemd-tmpfiles', ['--create', `--root=${co}`]);

  // What rpm/dnf keep for themselves, and what only a booted system has.
  const classicOnly = (p: string): boolean => /^(var\/lib\/(rpm|dnf)|var\/cache|var\/log\/(dnf|hawkey)[^/]*|var\/lib\/rpm-state|var\/tmp|tmp|root|dev|proc|sys|usr\/lib\/sysimage|etc\/(dnf|machine-id))($|\/)/.test(p);
  const classic = describeTree(dnfRoot, classicOnly);
  const ours = describeTree(co, (p) => /^(tmp|dev|proc|sys|sysroot|home|root|ostree|mnt|media|srv|opt|run\/media|var\/(home|srv|roothome|mnt|usrlocal|opt|lib\/rpm|tmp))($|\/)/.test(p));
  // The documented moves: /etc → usr/etc (etc recreated above), /boot → usr/lib/ostree-boot or
  // usr/lib/modules/$kver, /opt → usr/lib/opt; passwd/group split for nss-altfiles.
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
      // The nss-altfiles edit is the only change.
      assert.equal(readFileSync(join(co, path), 'utf8'), readFileSync(join(dnfRoot, path), 'utf8').replace(/^(passwd|group): files$/gm, '$1: files altfiles'));
      continue;
    }
    const mine = ours.get(moved(path));
    // mtimes are not compared (OSTree stores none); /var files come back empty from tmpfiles.d.
    if (mine !== what) differences.push(`${path}: dnf ${what} / atoll ${mine ?? 'missing'}`);
  }
  assert.deepEqual(differences, []);
  // Nothing else in /usr except what compose adds.
  const expectedExtra = /^(usr\/share\/rpm|usr\/lib\/sysimage|usr\/lib\/rpm|usr\/lib\/tmpfiles\.d|usr\/lib\/passwd|usr\/lib\/group|usr\/etc|usr\/lib\/ostree-boot|usr\/lib\/opt|usr\/lib\/alternatives|usr\/lib\/modules\/6\.1\.0\/initramfs\.img|usr\/local|etc|var|run|boot|bin|sbin|lib|lib64)($|\/)/;
  const extra = [...ours.keys()].filter((p) => !classic.has(p) && !expectedExtra.test(p));
  assert.deepEqual(extra, []);
});

test('an archive package cache assembles the same tree as a bare-user one', async (t) => {
  if (!canRun(t)) return;
  const descriptions = [shellPackage(), { name: 'data', version: '1', release: '1', files: [{ path: '/usr/share/data/blob', content: { size: 100000, fill: 'xyz' }, mode: 0o640 }, { path: '/usr/share/data/link', target: 'blob' }] }];
  const { paths } = await buildPackages(t, descriptions);
  const work = tempDir(t, 'atoll-assemble-');
  const trees: string[] = [];
  for (const mode of ['bare-user', 'archive'] as const) {
    const cache = await Repo.init(join(work, `cache-${mode}`), mode);
    const root = join(work, `root-${mode}`);
    await assembleTree({ packages: paths.map((path) => ({ path })), repo: cache, rootDir: root, options: { env: {} } });
    const target = await Repo.init(join(work, `repo-${mode}`), 'bare');
    trees.push((await loadCommit(target, (await commitToRepo(target, { trees: [root], timestamp: 0 })).checksum)).rootTree);
    assert.equal(readFileSync(join(root, 'usr/share/data/blob')).length, 100000);
  }
  assert.equal(trees[0], trees[1]);
});

test('a hardlinked union gives the same committed tree as a copied one, and a %post appending to a shipped file leaves the cache object intact', async (t) => {
  if (!canRun(t)) return;
  const descriptions: PackageDescription[] = [
    shellPackage(),
    {
      name: 'appender',
      version: '1',
      release: '1',
      requires: ['bbshell'],
      scripts: { post: 'echo "post $1" >> /usr/share/appender/data\nchmod 0600 /usr/share/appender/other\n' },
      files: [
        { path: '/usr/share/appender/data', content: 'shipped\n', mode: 0o644 },
        { path: '/usr/share/appender/other', content: 'other\n', mode: 0o644 },
        { path: '/usr/share/appender/untouched', content: 'untouched\n', mode: 0o644 },
      ],
    },
  ];
  const { paths } = await buildPackages(t, descriptions);
  const work = tempDir(t, 'atoll-assemble-');
  const cache = await Repo.init(join(work, 'pkgcache'), 'bare-user');
  const trees: string[] = [];
  for (const hardlink of [false, true]) {
    const root = join(work, `root-${hardlink}`);
    await assembleTree({ packages: paths.map((path) => ({ path })), repo: cache, rootDir: root, options: { env: {}, hardlink } });
    assert.equal(readFileSync(join(root, 'usr/share/appender/data'), 'utf8'), 'shipped\npost 1\n');
    assert.equal(lstatSync(join(root, 'usr/share/appender/other')).mode & 0o7777, 0o600);
    if (hardlink) assert.ok(lstatSync(join(root, 'usr/share/appender/untouched')).nlink > 1, 'files no one wrote stay hardlinks of the cache');
    const target = await Repo.init(join(work, `repo-${hardlink}`), 'bare');
    const committed = await commitToRepo(target, { trees: [root], timestamp: 0, skipXattrs: ['user.ostreemeta'] });
    trees.push((await loadCommit(target, committed.checksum)).rootTree);
    const fsckTarget = run('ostree', ['fsck', '--repo', target.path]);
    assert.equal(fsckTarget.status, 0, fsckTarget.stdout + fsckTarget.stderr);
  }
  assert.equal(trees[0], trees[1], 'hardlinking changes nothing in the committed tree');
  // What compose does: commit through the package cache's devino cache into an archive repo.
  const archive = await Repo.init(join(work, 'repo-archive'), 'archive');
  const viaDevino = await commitToRepo(archive, { trees: [join(work, 'root-true')], timestamp: 0, skipXattrs: ['user.ostreemeta'], devinoFrom: [cache] });
  assert.ok(viaDevino.stats.devinoHits > 0, 'linked files take their checksum from the cache');
  assert.equal((await loadCommit(archive, viaDevino.checksum)).rootTree, trees[0], 'the devino cache changes nothing in the committed tree');
  const fsckArchive = run('ostree', ['fsck', '--repo', archive.path]);
  assert.equal(fsckArchive.status, 0, fsckArchive.stdout + fsckArchive.stderr);
  // Real ostree re-hashes every cache object: the %post's append and chmod did not reach them.
  const fsck = run('ostree', ['fsck', '--repo', cache.path]);
  assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  const ref = runOk('ostree', ['refs', '--repo', cache.path]).split('\n').find((r) => r.startsWith('rpmostree/pkg/appender/'))!;
  assert.equal(runOk('ostree', ['cat', '--repo', cache.path, ref, '/usr/share/appender/data']), 'shipped\n');
});
