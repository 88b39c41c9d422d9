import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortPkglist, pkglistVariant, parsePkglist } from './pkglist.js';
import { isTransientRequire } from './index-rows.js';
import { rpmdbTimestamp } from './write-rpmdb.js';
import { isAtollError } from '../../errors/index.js';

test('pkglist is sorted by name bytewise, then EVR, then arch', () => {
  const p = (name: string, epoch: number | null, version: string, release: string, arch: string) => ({ name, epoch, version, release, arch });
  const sorted = sortPkglist([p('b', null, '1.10', '1', 'x86_64'), p('B', null, '1', '1', 'noarch'), p('b', null, '1.9', '1', 'x86_64'), p('b', 1, '0.1', '1', 'i686'), p('a', null, '1', '1', 'x86_64'), p('b', null, '1.9', '1', 'i686')]);
  assert.deepEqual(sorted.map((e) => `${e.name}-${e.epoch ?? 0}:${e.version}.${e.arch}`), ['B-0:1.noarch', 'a-0:1.x86_64', 'b-0:1.9.i686', 'b-0:1.9.x86_64', 'b-0:1.10.x86_64', 'b-1:0.1.i686']);
  const v = pkglistVariant(sorted);
  assert.equal(v.type, 'a(sssss)');
  assert.deepEqual((v.value as string[][])[5], ['b', '1', '0.1', '1', 'i686']);
  assert.deepEqual(parsePkglist(v.value), sorted);
});

test('transient requires are the install-only ones', () => {
  assert.equal(isTransientRequire(0), false);
  assert.equal(isTransientRequire(0x100), false);
  assert.equal(isTransientRequire(0x120), true);
  assert.equal(isTransientRequire(0x500), true);
  assert.equal(isTransientRequire(0x900), false);
  assert.equal(isTransientRequire(0x1100), false);
  assert.equal(isTransientRequire(0x1000000 | 0x8), true);
  assert.equal(isTransientRequire(0x200 | 0x20000000), false);
});

test('the rpmdb time source: SOURCE_DATE_EPOCH, else the newest build time', () => {
  assert.equal(rpmdbTimestamp([5, 9, 7], {}), 9);
  assert.equal(rpmdbTimestamp([5, 9, 7], { SOURCE_DATE_EPOCH: '1234' }), 1234);
  assert.throws(() => rpmdbTimestamp([1], { SOURCE_DATE_EPOCH: 'soon' }), (e: unknown) => isAtollError(e, 'ASSEMBLE_BAD_SOURCE_DATE_EPOCH'));
});
