import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SysrootLayout, parseOstreeKarg, parseDeploymentDirName, parseBootfsDirName, isValidOsname } from './sysroot-layout.js';

const C = 'fb13acf66d021b3783543b13f262f424ca339a8546258f6319333a83c111dc09';

test('paths and the ostree= argument follow ostree 2022.7', () => {
  const l = new SysrootLayout('/sr');
  assert.equal(l.deploymentDir('os', C, 2), `/sr/ostree/deploy/os/deploy/${C}.2`);
  assert.equal(l.originFile('os', C, 0), `/sr/ostree/deploy/os/deploy/${C}.0.origin`);
  assert.equal(l.bootSerialLink(1, 1, 'os', C, 0), `/sr/ostree/boot.1.1/os/${C}/0`);
  assert.equal(l.relBootSerialTarget('os', `${C}.0`), `../../../deploy/os/deploy/${C}.0`);
  assert.equal(l.ostreeKarg(0, 'os', C, 3), `/ostree/boot.0/os/${C}/3`);
  assert.deepEqual(parseOstreeKarg(`/ostree/boot.1/os/${C}/3`), { bootversion: 1, osname: 'os', bootcsum: C, bootserial: 3 });
  assert.deepEqual(parseDeploymentDirName(`${C}.12`), { csum: C, deployserial: 12 });
  assert.deepEqual(parseBootfsDirName(`my-os-${C}`), { osname: 'my-os', bootcsum: C });
});

test('hostile names are refused before any path is built from them', () => {
  assert.equal(parseOstreeKarg(`/ostree/boot.1/../${C}/0`), undefined);
  assert.equal(parseOstreeKarg('/ostree/boot.1/os/notachecksum/0'), undefined);
  assert.equal(parseOstreeKarg(`/ostree/boot.2/os/${C}/0`), undefined);
  assert.equal(parseDeploymentDirName(`${C}.x`), undefined);
  for (const bad of ['', '.', '..', 'a/b', 'a\0b', '-x']) assert.equal(isValidOsname(bad), false, JSON.stringify(bad));
  assert.equal(isValidOsname('fedora-coreos'), true);
});
