import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommonTimestamp, parseTimestamp } from './parse-timestamp.js';

test('common timestamp shapes', () => {
  assert.equal(parseCommonTimestamp('2020-01-01T00:00:00Z'), 1577836800);
  assert.equal(parseCommonTimestamp('2026-01-01 00:00:00 +0000'), 1767225600);
  assert.equal(parseCommonTimestamp('2026-01-01 01:00:00 +01:00'), 1767225600);
  assert.equal(parseCommonTimestamp('2025-12-31 19:00 -0500'), 1767225600);
  assert.equal(parseCommonTimestamp('@1767225600'), 1767225600);
  assert.equal(parseCommonTimestamp('next tuesday'), undefined);
});

test('other forms go to GNU date (same parser as ostree)', async () => {
  assert.equal(await parseTimestamp('1 Jan 2026 00:00:00 UTC'), 1767225600);
  await assert.rejects(parseTimestamp('not a date at all'), { code: 'OSTREE_COMMIT_BAD_TIMESTAMP' });
});
