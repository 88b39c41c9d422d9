import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePackageDescriptions } from './parse-description.js';

test('JSON descriptions (fast path) read as the YAML parser reads them; YAML flow mappings still parse', () => {
  const value = { name: 'k', version: '1', release: '1', files: [{ path: '/a', content: { base64: 'AAE=' }, mode: 420 }] };
  const json = JSON.stringify(value);
  assert.deepEqual(parsePackageDescriptions(json), [value]);
  assert.deepEqual(parsePackageDescriptions(`  [${json}]\n`), [value]);
  assert.deepEqual(parsePackageDescriptions('{ name: k, version: "1", release: "1" }'), [{ name: 'k', version: '1', release: '1' }]);
  assert.throws(() => parsePackageDescriptions('{ name: [', 'bad.yaml'), { code: 'RPM_BUILD_DESCRIPTION_SYNTAX' });
});
