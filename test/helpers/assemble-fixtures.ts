// Package sets for assembly tests (assemble, compose, layering): a static busybox shell so
// scriptlets can run, a setup package with passwd/group, optional nss-altfiles, packages that
// exercise every path translation, owners, modes, caps, %config, %ghost, /var, /run, /opt, /boot,
// UsrMove, and a kernel.
import { existsSync, readFileSync } from 'node:fs';
import type { PackageDescription } from '../../src/rpm/index.js';

export const BUSYBOX = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
const APPLETS = ['sh', 'echo', 'cat', 'touch', 'mkdir', 'grep', 'ls', 'test', 'id', 'true', 'false', 'chmod', 'ln', 'rm'];

export function shellPackage(): PackageDescription {
  return {
    name: 'bbshell',
    version: '1.36',
    release: '1',
    arch: 'x86_64',
    provides: ['/bin/sh'],
    requires: ['filesystem'],
    files: [
      { path: '/usr/bin/busybox', content: readFileSync(BUSYBOX!), mode: 0o755 },
      ...APPLETS.map((a) => ({ path: `/usr/bin/${a}`, target: 'busybox' })),
    ],
  };
}

/** Fedora's filesystem package in miniature: the UsrMove links a classic install needs. */
export function filesystemPackage(): PackageDescription {
  return {
    name: 'filesystem',
    version: '3.18',
    release: '1',
    arch: 'x86_64',
    files: [
      { path: '/usr', type: 'dir', mode: 0o755 },
      ...['bin', 'sbin', 'lib', 'lib64', 'share'].map((d) => ({ path: `/usr/${d}`, type: 'dir' as const, mode: 0o755 })),
      ...['bin', 'sbin', 'lib', 'lib64'].map((d) => ({ path: `/${d}`, target: `usr/${d}` })),
    ],
  };
}

/** setup: root in passwd and group (%config(noreplace)), and `files`. */
export function setupPackage(files: NonNullable<PackageDescription['files']> = []): PackageDescription {
  return {
    name: 'setup',
    version: '2.14',
    release: '1',
    requires: ['filesystem'],
    files: [
      { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n', config: true, noreplace: true, mode: 0o644 },
      { path: '/etc/group', content: 'root:x:0:\nwheel:x:10:\n', config: true, noreplace: true, mode: 0o644 },
      ...files,
    ],
  };
}

export function basePackages(options: { altfiles: boolean }): PackageDescription[] {
  return [
    filesystemPackage(),
    shellPackage(),
    setupPackage([
      { path: '/etc', type: 'dir', mode: 0o755 },
      { path: '/etc/shadow', content: 'root:*:19000:0:99999:7:::\n', config: true, noreplace: true, mode: 0o000 },
      { path: '/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n', config: true, mode: 0o644 },
      { path: '/var', type: 'dir', mode: 0o755 },
      { path: '/var/log', type: 'dir', mode: 0o755 },
      { path: '/var/spool', type: 'dir', mode: 0o755 },
      { path: '/var/mail', target: 'spool/mail' },
      { path: '/run/setup', type: 'dir', mode: 0o750 },
      { path: '/opt/setupapp/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    ]),
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
        posttrans: 'id appuser > /usr/share/app-posttrans-ran\necho "posttrans $#:$1" > /usr/share/app-posttrans-args\n',
      },
      fileTriggers: [{ type: 'in', scope: 'transaction', prefixes: ['/usr/share/common/'], body: 'echo "trigger $#:$1:$2" > /usr/share/app-trigger-args\ncat > /usr/share/app-trigger-seen\n' }],
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
        { path: '/var/lib/alternatives/app', target: '/usr/bin/app' },
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

