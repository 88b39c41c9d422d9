// assembleTree end to end: generated packages (with a static busybox shell so scriptlets run)
// → tree → commit → real ostree fsck/checkout, real rpm reading the rpmdb, real
// systemd-tmpfiles recreating /var.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync, cpSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { run, runOk } from '../helpers/run.js';
import { buildPackages } from '../helpers/rpm-fixtures.js';
import type { PackageDescription } from '../../src/rpm/index.js';
import { Repo, readRef } from '../../src/ostree/repo/index.js';
import { commitToRepo } from '../../src/ostree/commit/index.js';
import { assembleTree, pkglistVariant, translatePath } from '../../src/assemble/index.js';
import { isAtollError } from '../../src/errors/index.js';

const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
const APPLETS = ['sh', 'echo', 'cat', 'touch', 'mkdir', 'grep', 'ls', 'test', 'id', 'true', 'false', 'chmod'];

function shellPackage(): PackageDescription {
  return {
    name: 'bbshell',
    version: '1.36',
    release: '1',
    arch: 'x86_64',
    provides: ['/bin/sh'],
    files: [
      { path: '/usr/bin/busybox', content: readFileSync(BUSYBOX!), mode: 0o755 },
      ...APPLETS.map((a) => ({ path: `/usr/bin/${a}`, target: 'busybox' })),
    ],
  };
}

function basePackages(options: { altfiles: boolean }): PackageDescription[] {
  return [
    shellPackage(),
    {
      name: 'setup',
      version: '2.14',
      release: '1',
      files: [
        { path: '/etc', type: 'dir', mode: 0o755 },
        { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n', config: true, noreplace: true, mode: 0o644 },
        { path: '/etc/group', content: 'root:x:0:\nwheel:x:10:\n', config: true, noreplace: true, mode: 0o644 },
        { path: '/etc/shadow', content: 'root:*:19000:0:99999:7:::\n', config: true, noreplace: true, mode: 0o000 },
        { path: '/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n', config: true, mode: 0o644 },
        { path: '/var', type: 'dir', mode: 0o755 },
        { path: '/var/log', type: 'dir', mode: 0o755 },
        { path: '/var/spool', type: 'dir', mode: 0o755 },
        { path: '/var/mail', target: 'spool/mail' },
        { path: '/run/setup', type: 'dir', mode: 0o750 },
        { path: '/opt/setupapp/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
      ],
    },
    ...(options.altfiles
      ? [{ name: 'nss-altfiles', version: '2.23', release: '1', arch: 'x86_64', files: [{ path: '/usr/lib64/libnss_altfiles.so.2', content: 'not really a library\n', mode: 0o755 }] }]
      : []),
    { name: 'shared-a', version: '1', release: '1', files: [{ path: '/usr/share/common/readme', content: 'same bytes\n', mode: 0o644 }, { path: '/usr/share/a', content: 'a\n' }] },
    { name: 'shared-b', version: '1', release: '1', files: [{ path: '/usr/share/common/readme', content: 'same bytes\n', mode: 0o644 }, { path: '/usr/share/b', content: 'b\n' }] },
    {
      name: 'app',
      epoch: 2,
      version: '1.0',
      release: '3',
      arch: 'x86_64',
      requires: ['setup', 'bbshell'],
      scripts: {
        // Debian's busybox-static has no adduser: a useradd-like append, as shadow-utils would write.
        pre: 'grep -q ^appgrp: /etc/group || echo appgrp:x:990: >> /etc/group\ngrep -q ^appuser: /etc/passwd || echo appuser:x:990:990::/var/lib/app:/bin/false >> /etc/passwd\n',
        post: 'test "$1" = 1 && echo "post $1" > /usr/share/app-post-ran\n',
        posttrans: 'id appuser > /usr/share/app-posttrans-ran\n',
      },
      files: [
        { path: '/usr/bin/app', content: '#!/bin/sh\necho app\n', mode: 0o755 },
        { path: '/bin/app-legacy', content: '#!/bin/sh\necho legacy\n', mode: 0o755 },
        { path: '/usr/libexec/app-helper', content: 'helper\n', mode: 0o4750, group: 'appgrp' },
        { path: '/usr/lib/app', type: 'dir', mode: 0o750, user: 'appuser', group: 'appgrp' },
        { path: '/usr/lib/app/data', content: 'secret\n', mode: 0o640, user: 'appuser', group: 'appgrp' },
        { path: '/usr/bin/app-ping', content: 'ping\n', mode: 0o755, caps: 'cap_net_raw=ep' },
        { path: '/etc/app.conf', content: 'key=value\n', config: true, noreplace: true, mode: 0o644 },
        { path: '/var/lib/app', type: 'dir', mode: 0o750, user: 'appuser', group: 'appgrp' },
        { path: '/var/lib/app/state', content: '', mode: 0o640, user: 'appuser', group: 'appgrp' },
        { path: '/var/log/app.log', content: '', mode: 0o600, ghost: true },
        { path: '/boot/config-6.1.0', content: 'CONFIG_X=y\n', mode: 0o644 },
      ],
    },
    {
      name: 'kernel',
      version: '6.1.0',
      release: '1',
      arch: 'x86_64',
      files: [
        { path: '/usr/lib/modules/6.1.0', type: 'dir', mode: 0o755 },
        { path: '/usr/lib/modules/6.1.0/vmlinuz', content: 'kernel image\n', mode: 0o755 },
        { path: '/boot/initramfs-6.1.0.img', content: 'initramfs\n', mode: 0o600 },
      ],
    },
  ];
}

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
  assert.deepEqual(result.scripts.map((s) => `${s.package} ${s.script}`), ['app-2:1.0-3.x86_64 %pre', 'app-2:1.0-3.x86_64 %post', 'app-2:1.0-3.x86_64 %posttrans']);
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
  assert.equal(readlinkSync(join(checkoutDir, 'var/opt/setupapp')), '/usr/lib/opt/setupapp');
  assert.ok(lstatSync(join(checkoutDir, 'var/home')).isDirectory());
  assert.equal(lstatSync(join(checkoutDir, 'var/roothome')).mode & 0o7777, 0o700);
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
