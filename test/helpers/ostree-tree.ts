// Test trees for the OSTree interop suites: regular files, symlinks, a hardlink, empty dirs,
// setuid/0700 modes and (where the filesystem allows) user.* xattrs, set with the real
// `setfattr` so the fixture does not depend on atoll's own xattr code.
import { mkdirSync, writeFileSync, symlinkSync, linkSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasProgram } from './env.js';

export interface TestTree {
  root: string;
  xattrs: boolean;
}

export function trySetXattr(path: string, name: string, value: string): boolean {
  if (!hasProgram('setfattr')) return false;
  return spawnSync('setfattr', ['-n', name, '-v', value, path]).status === 0;
}

export function makeTestTree(root: string, variant = 0): TestTree {
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'usr/lib/empty'), { recursive: true });
  mkdirSync(join(root, 'etc/secret'), { recursive: true });
  mkdirSync(join(root, 'var/empty'), { recursive: true });
  writeFileSync(join(root, 'hello'), 'hello\n');
  writeFileSync(join(root, 'empty-file'), '');
  writeFileSync(join(root, 'usr/bin/tool'), `#!/bin/sh\necho tool ${variant}\n`);
  chmodSync(join(root, 'usr/bin/tool'), 0o4755);
  writeFileSync(join(root, 'usr/bin/sgid'), 'sgid');
  chmodSync(join(root, 'usr/bin/sgid'), 0o2711);
  linkSync(join(root, 'usr/bin/tool'), join(root, 'usr/bin/tool-hardlink'));
  symlinkSync('tool', join(root, 'usr/bin/tool-link'));
  symlinkSync('/etc/shadow', join(root, 'usr/lib/absolute-link'));
  symlinkSync('../../does/not/exist', join(root, 'usr/lib/dangling'));
  writeFileSync(join(root, 'etc/secret/key'), 'k'.repeat(1000));
  chmodSync(join(root, 'etc/secret/key'), 0o600);
  chmodSync(join(root, 'etc/secret'), 0o700);
  writeFileSync(join(root, 'etc/unicode-é-名前'), 'unicode');
  writeFileSync(join(root, 'etc/B-upper'), 'sorts before lowercase');
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + variant) % 251;
  writeFileSync(join(root, 'usr/lib/big.bin'), big);
  const xattrs = trySetXattr(join(root, 'hello'), 'user.alpha', 'abc') && trySetXattr(join(root, 'hello'), 'user.zeta', 'Z') && trySetXattr(join(root, 'etc'), 'user.dir', '1');
  return { root, xattrs };
}
