import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRefName, parseRefspec, isValidChecksum } from './ref-name.js';
import { isAtollError } from '../../errors/index.js';

test('ref names follow ostree_validate_rev', () => {
  for (const ok of ['main', 'fedora/x86_64/coreos/stable', 'a_b', '_x', 'v1.2-3', 'A/B.c']) assert.ok(isValidRefName(ok), ok);
  for (const bad of ['', '-x', '.x', 'a//b', 'a/', '/a', 'a/../b', 'a b', 'a:b', 'ä', 'a/.hidden']) assert.ok(!isValidRefName(bad), bad);
});

test('refspecs split at the first colon', () => {
  assert.deepEqual(parseRefspec('origin:os/x'), { remote: 'origin', ref: 'os/x' });
  assert.deepEqual(parseRefspec('os/x'), { remote: undefined, ref: 'os/x' });
  assert.throws(() => parseRefspec('bad remote:x'), (e) => isAtollError(e, 'OSTREE_REF_INVALID'));
  assert.ok(isValidChecksum('a'.repeat(64)));
  assert.ok(!isValidChecksum('A'.repeat(64)));
});
