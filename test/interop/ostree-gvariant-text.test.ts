// `show --print-metadata-key` and `ls -X` print GVariant text; atoll's printer against GLib's
// g_variant_print(value, TRUE) through python3-gi on the shapes ostree metadata uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requirePythonModule, systemPython } from '../helpers/env.js';
import { runOk } from '../helpers/run.js';
import { printGVariant } from '../../src/ostree/repo/index.js';
import { decodeGVariant, encodeGVariant, type GVariantValue } from '../../src/gvariant/index.js';

const CASES: Array<[string, GVariantValue]> = [
  ['s', "it's"], ['s', 'a"b'], ['s', 'tab\there\nnl \\ é'], ['as', []], ['as', ['x', 'y']], ['ay', new Uint8Array([0x61, 0x62, 0])],
  ['ay', new Uint8Array([1, 2])], ['ay', new Uint8Array([])], ['t', 5n], ['b', true], ['u', 7], ['i', -3], ['x', 9n], ['y', 65], ['n', -2], ['q', 3],
  ['a{sv}', [['k', { type: 's', value: 'v' }], ['n', { type: 't', value: 1n }]]], ['a{sv}', []], ['(su)', ['a', 1]], ['v', { type: 'as', value: ['r'] }],
  ['a(ayay)', [[new Uint8Array([0x75, 0x2e, 0x61, 0]), new Uint8Array([0x62, 0x61, 0x72])]]], ['a(ayay)', []], ['aay', [new Uint8Array([0x61, 0])]],
  ['ms', 'x'], ['mu', null], ['d', 1.5], ['au', [1, 2]], ['a{ss}', [['a', 'b']]], ['o', '/a/b'],
];

test('GVariant text form matches GLib', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  const input = CASES.map(([type, value]) => ({ type, hex: Buffer.from(encodeGVariant(type, value)).toString('hex') }));
  const script = `
import sys, json
from gi.repository import GLib
for c in json.loads(sys.stdin.read()):
    v = GLib.Variant.new_from_bytes(GLib.VariantType(c['type']), GLib.Bytes(bytes.fromhex(c['hex'])), False)
    print(json.dumps(v.print_(True)))
`;
  const glib = runOk(systemPython, ['-c', script], { input: JSON.stringify(input) }).trim().split('\n').map((l) => JSON.parse(l) as string);
  CASES.forEach(([type, value], i) => {
    const decoded = decodeGVariant(type, encodeGVariant(type, value));
    assert.equal(printGVariant(type, decoded), glib[i], `${type} ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  });
});
