import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyFile } from './key-file.js';
import { isAtollError } from '../errors/index.js';

test('ostree init config round-trips byte for byte', () => {
  const text = '[core]\nrepo_version=1\nmode=archive-z2\n';
  const kf = KeyFile.parse(text);
  assert.equal(kf.serialize(), text);
  assert.equal(kf.getString('core', 'mode'), 'archive-z2');
  assert.equal(kf.getInteger('core', 'repo_version'), 1);
});

test('comments, blank lines and remote groups survive a round trip', () => {
  const text = '# top\n\n[core]\nrepo_version=1\n# about remotes\n\n[remote "origin"]\nurl=http://x/\ngpg-verify=false\n';
  const kf = KeyFile.parse(text);
  assert.equal(kf.serialize(), text);
  // GLib separates groups by a blank line when serializing (checked against GLib in interop).
  assert.equal(KeyFile.parse('# c\n[a]\nx=1\n[b]\n').serialize(), '# c\n\n[a]\nx=1\n\n[b]\n');
  assert.deepEqual(kf.groupNames(), ['core', 'remote "origin"']);
  assert.equal(kf.getBoolean('remote "origin"', 'gpg-verify'), false);
});

test('a new group is separated by a blank line, new keys are appended', () => {
  const kf = KeyFile.parse('[core]\nrepo_version=1\nmode=bare\n');
  kf.setString('remote "a"', 'url', 'file:///r');
  kf.setBoolean('core', 'indexed-deltas', true);
  assert.equal(kf.serialize(), '[core]\nrepo_version=1\nmode=bare\nindexed-deltas=true\n\n[remote "a"]\nurl=file:///r\n');
});

test('escapes and lists follow GLib', () => {
  const kf = new KeyFile();
  kf.setString('g', 'k', '  lead\ttab\nnl\\');
  assert.equal(kf.rawValue('g', 'k'), '\\s\\slead\ttab\\nnl\\\\');
  assert.equal(kf.getString('g', 'k'), '  lead\ttab\nnl\\');
  kf.setStringList('g', 'l', ['a;b', 'c', '']);
  assert.equal(kf.rawValue('g', 'l'), 'a\\;b;c;;');
  assert.deepEqual(kf.getStringList('g', 'l'), ['a;b', 'c', '']);
  assert.deepEqual(KeyFile.parse('[g]\nl=x;y\n').getStringList('g', 'l'), ['x', 'y']);
});

test('malformed input is a coded error', () => {
  assert.throws(() => KeyFile.parse('[core\n'), (e) => isAtollError(e, 'KEYFILE_SYNTAX'));
  assert.throws(() => KeyFile.parse('k=v\n'), (e) => isAtollError(e, 'KEYFILE_SYNTAX'));
  assert.throws(() => KeyFile.parse('[g]\njunk\n'), (e) => isAtollError(e, 'KEYFILE_SYNTAX'));
  assert.throws(() => KeyFile.parse('[g]\nk=a\\q\n').getString('g', 'k'), (e) => isAtollError(e, 'KEYFILE_BAD_VALUE'));
  assert.throws(() => new KeyFile().getString('g', 'k'), (e) => isAtollError(e, 'KEYFILE_NO_GROUP'));
  assert.throws(() => KeyFile.parse('[g]\n').getString('g', 'k'), (e) => isAtollError(e, 'KEYFILE_NO_KEY'));
  assert.throws(() => KeyFile.parse('[g]\nk=maybe\n').getBoolean('g', 'k'), (e) => isAtollError(e, 'KEYFILE_BAD_VALUE'));
  assert.throws(() => new KeyFile().setString('a]', 'k', 'v'), (e) => isAtollError(e, 'KEYFILE_BAD_NAME'));
});
