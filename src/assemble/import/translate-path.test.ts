import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translatePath, pkgcacheRef, quoteRefComponent } from './translate-path.js';
import { isAtollError } from '../../errors/index.js';

test('paths are translated as rpm-ostree imports them', () => {
  const t = (path: string, dir = false) => translatePath(path, dir, 'p');
  assert.deepEqual(t('/usr/bin/x'), { kind: 'store', path: 'usr/bin/x' });
  assert.deepEqual(t('/etc/x.conf'), { kind: 'store', path: 'usr/etc/x.conf' });
  assert.deepEqual(t('/boot/vmlinuz-1'), { kind: 'store', path: 'usr/lib/ostree-boot/vmlinuz-1' });
  assert.deepEqual(t('/bin/sh'), { kind: 'store', path: 'usr/bin/sh' });
  assert.deepEqual(t('/lib64/libc.so.6'), { kind: 'store', path: 'usr/lib64/libc.so.6' });
  assert.deepEqual(t('/sbin/init'), { kind: 'store', path: 'usr/sbin/init' });
  assert.deepEqual(t('/opt/app/bin/x'), { kind: 'store', path: 'usr/lib/opt/app/bin/x', optLink: 'app' });
  assert.deepEqual(t('/var/lib/x', true), { kind: 'tmpfiles', path: '/var/lib/x' });
  assert.deepEqual(t('/run/x', true), { kind: 'tmpfiles', path: '/run/x' });
  assert.deepEqual(t('/usr/local/bin', true), { kind: 'tmpfiles', path: '/var/usrlocal/bin' });
  assert.deepEqual(t('/var/lib/alternatives/x'), { kind: 'store', path: 'usr/lib/alternatives/x' });
  for (const top of ['/', '/bin', '/etc', '/var', '/boot', '/opt', '/home', '/srv', '/tmp']) assert.deepEqual(t(top, true), { kind: 'skip' });
  assert.deepEqual(t('/lib'), { kind: 'skip' }, 'filesystem ships /lib as a symlink');
  assert.deepEqual(t('/srv/www', true), { kind: 'skip' });
  for (const bad of ['/srv/www/index.html', '/nix/store/x', '/home/user/.bashrc', '/weird']) {
    assert.throws(() => t(bad), (e: unknown) => isAtollError(e, 'ASSEMBLE_UNSUPPORTED_PATH'));
  }
});

test('pkgcache refs use rpm-ostree escaping', () => {
  assert.equal(quoteRefComponent('gtk+_3'), 'gtk_2B__3');
  assert.equal(pkgcacheRef('foo', '0:1.0-1', 'x86_64'), 'rpmostree/pkg/foo/1.0-1.x86__64');
  assert.equal(pkgcacheRef('foo', '2:1.0~rc1^git-1.fc40', 'noarch'), 'rpmostree/pkg/foo/2_3A1.0_7Erc1_5Egit-1.fc40.noarch');
});
