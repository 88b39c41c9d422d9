import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextVersion } from './next-version.js';

test('automatic-version-prefix increments like rpm-ostree', () => {
  const now = new Date(Date.UTC(2026, 10, 27, 3, 4, 5));
  assert.equal(nextVersion('42', null, now), '42');
  assert.equal(nextVersion('42', '42', now), '42.1');
  assert.equal(nextVersion('42', '42.1', now), '42.2');
  assert.equal(nextVersion('42', '41.7', now), '42');
  assert.equal(nextVersion('42.<date:%Y%m%d>', null, now), '42.20261127');
  assert.equal(nextVersion('42.<date:%Y%m%d>', '42.20261127.3', now), '42.20261127.4');
  assert.equal(nextVersion('42.<date:%Y%m%d>', '42.20261126.3', now), '42.20261127');
  assert.equal(nextVersion('42', '42.x', now), '42');
});
