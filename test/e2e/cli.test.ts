import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atoll } from '../helpers/run.js';

test('atoll --help lists every command group', () => {
  const result = atoll(['--help']);
  assert.equal(result.status, 0);
  for (const group of ['repo', 'compose', 'admin', 'db', 'status', 'upgrade', 'deploy', 'rebase', 'rollback', 'cleanup']) {
    assert.match(result.stdout, new RegExp(`^  ${group}\\b`, 'm'), `help lists ${group}`);
  }
});

test('a bad flag exits 2 with a one-line message', () => {
  const result = atoll(['--no-such-flag']);
  assert.equal(result.status, 2);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.match(result.stderr, /^atoll: error: unknown option '--no-such-flag'/);
});

test('an unknown command exits 2', () => {
  const result = atoll(['frobnicate']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /atoll: error: unknown command 'frobnicate'/);
});

test('atoll --version prints the package version', () => {
  const result = atoll(['--version']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
});
