import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOptionError, parseGOptions, type OptionSpec } from './goption.js';

const specs: OptionSpec[] = [
  { long: 'repo', arg: 'PATH', help: '' },
  { long: 'branch', short: 'b', arg: 'BRANCH', help: '' },
  { long: 'user-mode', short: 'U', help: '' },
  { long: 'require-hardlinks', short: 'H', help: '' },
  { long: 'tree', arg: 'dir=PATH', repeat: true, help: '' },
];

test('options after positionals, --opt=value and --opt value, last --repo wins', () => {
  const p = parseGOptions(['--repo=a', 'main', '--repo', 'b', 'dest', '-bx'], specs);
  assert.deepEqual(p.positionals, ['main', 'dest']);
  assert.deepEqual(p.options.get('repo'), ['b']);
  assert.deepEqual(p.options.get('branch'), ['x']);
});

test('clustered short flags, repeatable options and -- ending options', () => {
  const p = parseGOptions(['-UH', '--tree=dir=a', '--tree', 'dir=b', '--', 'set', '-1'], specs);
  assert.ok(p.options.has('user-mode') && p.options.has('require-hardlinks'));
  assert.deepEqual(p.options.get('tree'), ['dir=a', 'dir=b']);
  assert.deepEqual(p.positionals, ['set', '-1']);
});

test('unknown options and missing values are GOption errors', () => {
  assert.throws(() => parseGOptions(['--nope'], specs), GOptionError);
  assert.throws(() => parseGOptions(['-b'], specs), /Missing argument/);
  assert.equal(parseGOptions(['--help'], specs).help, true);
});

test('a flag with an optional argument takes --flag and --flag=VALUE, a plain flag refuses =VALUE', () => {
  const withOptional: OptionSpec[] = [...specs, { long: 'gpg-verify', optionalArg: true, help: '' }];
  assert.deepEqual(parseGOptions(['--gpg-verify=false', 'src'], withOptional).options.get('gpg-verify'), ['false']);
  const bare = parseGOptions(['--gpg-verify', 'src'], withOptional);
  assert.deepEqual(bare.options.get('gpg-verify'), ['']);
  assert.deepEqual(bare.positionals, ['src']);
  assert.throws(() => parseGOptions(['--user-mode=yes'], specs), /Unexpected argument to --user-mode/);
});
