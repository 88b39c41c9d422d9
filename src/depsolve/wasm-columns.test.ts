import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmColumns } from './wasm-columns.js';

test('ensure keeps a column\'s contents: moved to the end, or grown in place when it is the last one', () => {
  const c = new WasmColumns(1024);
  const a = c.column(16);
  const b = c.column(16);
  c.view32(a).set([1, 2, 3, 4]);
  c.view32(b).set([5, 6, 7, 8]);
  // a is not the last column: it moves (to the end) with its contents
  const aBefore = c.offset(a);
  c.ensure(a, 64);
  assert.notEqual(c.offset(a), aBefore);
  assert.deepEqual([...c.view32(a).subarray(0, 4)], [1, 2, 3, 4]);
  assert.deepEqual([...c.view32(a).subarray(4)], new Array(12).fill(0));
  // now it is the last: it grows where it is (the memory too, past its first page)
  const at = c.offset(a);
  const version = c.version;
  c.ensure(a, 200_000);
  assert.equal(c.offset(a), at);
  assert.ok(c.roomOf(a) >= 200_000);
  assert.ok(c.version > version, 'views must be made again');
  assert.deepEqual([...c.view32(a).subarray(0, 4)], [1, 2, 3, 4]);
  assert.equal(c.view32(a).subarray(16).some((x) => x !== 0), false);
  // the other column is untouched, and a new column comes after the grown one
  assert.deepEqual([...c.view32(b)], [5, 6, 7, 8]);
  const d = c.column(8);
  assert.ok(c.offset(d) >= c.offset(a) + c.roomOf(a));
});

test('ensure with keep false copies nothing on a move (dead scratch) and still grows in place', () => {
  const c = new WasmColumns(1024);
  const s = c.column(16);
  const b = c.column(16);
  c.view32(s).set([1, 2, 3, 4]);
  c.view32(b).set([5, 6, 7, 8]);
  const before = c.offset(s);
  const version = c.version;
  c.ensure(s, 64, false);
  assert.notEqual(c.offset(s), before, 'not the last column: it moves');
  assert.ok(c.version > version);
  // the old contents were not copied: the new room is fresh memory
  assert.deepEqual([...c.view32(s)], new Array(16).fill(0));
  // the column it left and the other column are as they were
  assert.deepEqual([...new Int32Array(c.buffer, before, 4)], [1, 2, 3, 4]);
  assert.deepEqual([...c.view32(b)], [5, 6, 7, 8]);
  // now the last column: grown in place, its bytes left as they are
  c.view32(s).set([9, 10]);
  const at = c.offset(s);
  c.ensure(s, 200_000, false);
  assert.equal(c.offset(s), at);
  assert.ok(c.roomOf(s) >= 200_000);
  assert.deepEqual([...c.view32(s).subarray(0, 2)], [9, 10]);
});
