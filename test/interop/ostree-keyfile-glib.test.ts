// The keyfile codec against GLib's own GKeyFile (python3-gi): same serialization after the
// same edits, same decoded values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyFile } from '../../src/keyfile/index.js';
import { requirePythonModule, systemPython } from '../helpers/env.js';
import { runOk } from '../helpers/run.js';

const script = `
import sys, json
from gi.repository import GLib
data = json.loads(sys.stdin.read())
kf = GLib.KeyFile()
kf.load_from_data(data['text'], len(data['text'].encode()), GLib.KeyFileFlags.KEEP_COMMENTS)
for g, k, v in data['strings']:
    kf.set_string(g, k, v)
for g, k, v in data['lists']:
    kf.set_string_list(g, k, v)
out = {'text': kf.to_data()[0], 'values': [kf.get_string(g, k) for g, k, _ in data['strings']],
       'lists': [kf.get_string_list(g, k) for g, k, _ in data['lists']]}
print(json.dumps(out))
`;

test('keyfile edits serialize exactly as GLib does', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  const cases = [
    { text: '[core]\nrepo_version=1\nmode=archive-z2\n', strings: [['remote "origin"', 'url', 'http://127.0.0.1:8/'], ['core', 'indexed-deltas', 'true']], lists: [['remote "origin"', 'branches', ['a;b', 'c']]] },
    { text: '# head\n\n[origin]\nrefspec=os:x\n# trailing\n', strings: [['origin', 'unlocked', '  lead\ttab\nnew\\line'], ['libostree-transient', 'pinned', 'true']], lists: [] },
    { text: '[a]\nk = spaced \n\n\n[b]\nx=1\n', strings: [['a', 'k2', 'v']], lists: [['b', 'l', ['', ' x']]] },
  ];
  for (const c of cases) {
    const glib = JSON.parse(runOk(systemPython, ['-c', script], { input: JSON.stringify(c) })) as { text: string; values: string[]; lists: string[][] };
    const kf = KeyFile.parse(c.text);
    for (const [g, k, v] of c.strings) kf.setString(g as string, k as string, v as string);
    for (const [g, k, v] of c.lists) kf.setStringList(g as string, k as string, v as string[]);
    assert.equal(kf.serialize(), glib.text);
    assert.deepEqual(c.strings.map(([g, k]) => kf.getString(g as string, k as string)), glib.values);
    assert.deepEqual(c.lists.map(([g, k]) => kf.getStringList(g as string, k as string)), glib.lists);
  }
});
