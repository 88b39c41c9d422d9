import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCapability } from './capability.js';
import { encodePrimaryCache, decodePrimaryCache, openPrimaryCache, primaryCacheIdentities, primaryCachePackages, PrimaryCacheWriter, serializePrimaryCache } from './primary-cache-codec.js';
import { emptyRepoPackage } from './primary.js';
import { RPMSENSE, rangesOverlap } from '../rpm/index.js';

test('range overlap (rpmdsCompare) and capability parsing', () => {
  const dep = (text: string) => parseCapability(text);
  assert.deepEqual(dep('foo >= 1.0-2'), { name: 'foo', flags: RPMSENSE.GREATER | RPMSENSE.EQUAL, evr: '1.0-2' });
  assert.ok(rangesOverlap(dep('foo = 1.2-3'), dep('foo >= 1.0')));
  assert.ok(!rangesOverlap(dep('foo = 1.2-3'), dep('foo < 1.2')));
  assert.ok(rangesOverlap(dep('foo = 1.2-3'), dep('foo = 1.2')));
  assert.ok(rangesOverlap(dep('foo = 1:1.0'), dep('foo >= 2.0')));
  assert.ok(!rangesOverlap(dep('foo = 1.0'), dep('foo > 1.0')));
  assert.ok(rangesOverlap(dep('foo'), dep('foo > 99')));
});

test('primary cache codec round-trips every field, including numbers ≥ 2^32 and null epochs', () => {
  const a = { ...emptyRepoPackage(), name: 'a', epoch: 3, version: '1', release: '2', arch: 'x86_64', pkgid: 'ff', checksumType: 'sha256', locationHref: 'a.rpm', installedSize: 5 * 2 ** 32 + 7, sourcerpm: null };
  a.requires = [{ name: 'b', flags: RPMSENSE.GREATER | RPMSENSE.EQUAL | RPMSENSE.PREREQ, evr: '1.0' }];
  a.files = [{ path: '/etc/é', type: 'dir' }, { path: '/usr/bin/a', type: 'ghost' }];
  const b = { ...emptyRepoPackage(), name: 'b', version: '1', release: '1', arch: 'noarch', pkgid: 'ee', checksumType: 'sha256', locationHref: 'b.rpm', locationBase: 'http://x/', sourcerpm: 'b.src.rpm', description: 'multi\nline ✓' };
  const encoded = encodePrimaryCache({ primaryChecksum: 'k', count: 2 }, [a, b]);
  assert.deepEqual(decodePrimaryCache(encoded), { meta: { primaryChecksum: 'k', count: 2 }, packages: [a, b] });
  assert.throws(() => decodePrimaryCache(encoded.subarray(0, encoded.length - 9)));
  // The listing reads the same identities without decoding packages.
  const view = openPrimaryCache(encoded);
  assert.deepEqual(primaryCacheIdentities(view), [a, b].map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch })));
  // The incremental writer (what a cold open uses) makes the same file.
  const writer = new PrimaryCacheWriter();
  writer.add(a);
  writer.add(b);
  const streamed = writer.finish('k');
  assert.deepEqual(Buffer.concat(serializePrimaryCache(streamed)), encoded);
  assert.deepEqual(primaryCachePackages(streamed), [a, b]);
  // A cache from an older format is not trusted.
  const old = Buffer.from(encoded);
  old[7] = 1;
  assert.throws(() => openPrimaryCache(old));
});
