import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootConfig } from '../bootloader/index.js';
import type { Deployment } from '../deployment/index.js';
import { newDeploymentKargs } from './deploy.js';

function deployment(options: string): Deployment {
  const bootconfig = new BootConfig();
  bootconfig.set('options', options);
  return { osname: 'os', csum: 'a'.repeat(64), deployserial: 0, bootcsum: 'b'.repeat(64), bootserial: 0, bootconfig, origin: undefined, index: 0 };
}

test('newDeploymentKargs: the merge deployment\'s arguments, or a given initial set (--karg-none, --karg-proc-cmdline), then edits', () => {
  const merge = deployment('root=LABEL=MOO quiet ostree=/ostree/boot.1/os/x/0');
  assert.equal(newDeploymentKargs(merge, {}).toString(), 'root=LABEL=MOO quiet ostree=/ostree/boot.1/os/x/0');
  assert.equal(newDeploymentKargs(merge, { replace: ['root=LABEL=rootfs'] }).toString(), 'root=LABEL=rootfs quiet ostree=/ostree/boot.1/os/x/0');
  assert.equal(newDeploymentKargs(merge, { initial: [], replace: ['root=LABEL=rootfs'] }).toString(), 'root=LABEL=rootfs');
  assert.equal(newDeploymentKargs(merge, { initial: [] }).toString(), '');
  assert.equal(newDeploymentKargs(merge, { initial: ['console=ttyS0', 'quiet'], append: ['A=1'], delete: ['quiet'] }).toString(), 'console=ttyS0 A=1');
});
