// Cross-check of the GVariant codec against GLib itself (Debian's python3-gi): thousands of
// seeded random values must serialize byte for byte as GLib does, decode back to themselves,
// and random corruptions must be accepted or refused exactly as g_variant_is_normal_form does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { byteswapGVariant, decodeGVariant, encodeGVariant, isNormalForm, parseGVariantText, printGVariant, type GVariantValue } from '../../src/gvariant/index.js';
import { repoRoot, requirePythonModule, systemPython } from '../helpers/env.js';
import { RandomGVariant, toOracleJson } from '../helpers/gvariant-random.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** One python process answers all requests (start-up dominates otherwise). */
function oracle(requests: object[]): string[] {
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const result = spawnSync(systemPython, [join(repoRoot, 'test', 'interop', 'gvariant-glib-oracle.py')], {
    input, encoding: 'utf8', maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`oracle failed: ${result.stderr}`);
  const lines = result.stdout.split('\n');
  lines.pop();
  assert.equal(lines.length, requests.length, 'oracle answered every request');
  return lines;
}

interface Sample { type: string; value: GVariantValue }

function randomSamples(seed: number, count: number): Sample[] {
  const gen = new RandomGVariant(seed);
  const out: Sample[] = [];
  for (let k = 0; k < count; k++) {
    const type = gen.typeString(4);
    out.push({ type, value: gen.value(type) });
  }
  // The types ostree itself uses, with realistic shapes.
  for (const type of ['(uuua(ayay))', '(a(say)a(sayay))', '(a{sv}aya(say)sstayay)', '(tuuuusa(ayay))', '(uuuusa(ayay))', '(a(s(taya{sv}))a{sv})', 'a{sv}']) {
    for (let k = 0; k < 100; k++) out.push({ type, value: gen.value(type) });
  }
  return out;
}

/** Values whose serialized size lands on the offset-width boundaries (255/256, 65535/65536). */
function boundarySamples(): Sample[] {
  const out: Sample[] = [];
  const sizes = [...Array.from({ length: 12 }, (_, k) => 248 + k), ...Array.from({ length: 12 }, (_, k) => 65528 + k)];
  for (const n of sizes) {
    out.push({ type: 'as', value: ['a'.repeat(n)] });
    out.push({ type: 'as', value: ['a'.repeat(n >> 1), 'b'.repeat(n - (n >> 1))] });
    out.push({ type: 'aay', value: [new Uint8Array(n), new Uint8Array(0)] });
    out.push({ type: '(ayay)', value: [new Uint8Array(n), new Uint8Array(3)] });
    out.push({ type: '(say)', value: ['x'.repeat(n), new Uint8Array(32)] });
    out.push({ type: '(sayay)', value: ['x'.repeat(n), new Uint8Array(32), new Uint8Array(32)] });
    out.push({ type: 'a{sv}', value: [['k', { type: 'ay', value: new Uint8Array(n) }]] });
    out.push({ type: 'ms', value: 'm'.repeat(n) });
    out.push({ type: 'v', value: { type: 'ay', value: new Uint8Array(n) } });
    out.push({ type: '(uuua(ayay))', value: [1, 2, 3, [[new Uint8Array([0x61, 0]), new Uint8Array(n)]]] });
  }
  return out;
}

test('random values and offset boundaries serialize exactly as GLib does and decode back', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  const samples = [...randomSamples(20261127, 3000), ...boundarySamples()];
  const answers = oracle(samples.map((s) => ({ build: s.type, value: toOracleJson(s.type, s.value) })));
  let checked = 0;
  for (let k = 0; k < samples.length; k++) {
    const { type, value } = samples[k] as Sample;
    const mine = encodeGVariant(type, value);
    assert.equal(hex(mine), answers[k], `${type} #${k}`);
    assert.deepEqual(decodeGVariant(type, mine), value, `decode ${type} #${k}`);
    checked++;
  }
  assert.ok(checked > 3700);
});

test('corrupted serializations are accepted or refused exactly as GLib normal form', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  const gen = new RandomGVariant(77);
  const cases: Array<{ type: string; bytes: Uint8Array }> = [];
  for (const { type, value } of randomSamples(4242, 2500)) {
    const good = encodeGVariant(type, value);
    const bad = new Uint8Array(good);
    const r = gen.next();
    if (bad.length === 0 || r < 0.1) {
      cases.push({ type, bytes: new Uint8Array([...good, gen.int(256)]) });
    } else if (r < 0.2) {
      cases.push({ type, bytes: good.subarray(0, good.length - 1) });
    } else {
      // Framing offsets live at the end: bias corruption towards the tail.
      const at = gen.next() < 0.5 ? bad.length - 1 - gen.int(Math.min(bad.length, 4)) : gen.int(bad.length);
      bad[at] = gen.next() < 0.5 ? (bad[at] as number) ^ (1 << gen.int(8)) : gen.int(256);
      cases.push({ type, bytes: bad });
    }
  }
  const answers = oracle(cases.map((c) => ({ check: c.type, hex: hex(c.bytes) })));
  let normal = 0;
  const disagreements: string[] = [];
  for (let k = 0; k < cases.length; k++) {
    const { type, bytes } = cases[k] as { type: string; bytes: Uint8Array };
    const glib = answers[k] === '1';
    const mine = isNormalForm(type, bytes);
    if (glib !== mine) disagreements.push(`${type} ${hex(bytes).slice(0, 200)}: glib ${glib}, atoll ${mine}`);
    if (glib && mine) {
      normal++;
      // Normal form is canonical: decoding then encoding must give the same bytes. NaN payloads
      // Just-Nothing inside nested maybes are not representable in JS values, and GLib calls an
      // empty tuple of emptyable members normal although it serializes it with offsets.
      const again = encodeGVariant(type, decodeGVariant(type, bytes));
      if (hex(again) !== hex(bytes) && !/d|mm/.test(type) && bytes.length > 0) disagreements.push(`${type} ${hex(bytes)}: re-encodes as ${hex(again)}`);
    }
  }
  assert.deepEqual(disagreements.slice(0, 20), []);
  assert.ok(normal > 100, `some corruptions stay normal (${normal})`);
});

test('printGVariant writes the text format exactly as g_variant_print', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  const samples = randomSamples(31337, 2000);
  const extra: Sample[] = [
    { type: 'd', value: 0.1 }, { type: 'd', value: 1e21 }, { type: 'd', value: 1e-5 }, { type: 'd', value: 123456789012345680000 },
    { type: 'd', value: -0 }, { type: 'd', value: Infinity }, { type: 'd', value: 5e-324 }, { type: 'd', value: 3 },
    { type: 's', value: "it's" }, { type: 's', value: 'q"\\\u0001\u007f\u00ad\u{e0001}\t' }, { type: 'ay', value: new TextEncoder().encode("a'b\"\\\n\u00e9\u0000") },
    { type: 'ay', value: new Uint8Array([0]) }, { type: 'ay', value: new Uint8Array([1, 0, 0]) }, { type: 'a{sv}', value: [] },
    { type: 'mv', value: { type: 'ms', value: null } }, { type: 'v', value: { type: 'mu', value: 7 } },
    { type: '(s)', value: ['one'] }, { type: '()', value: [] }, { type: '{sv}', value: ['k', { type: 'b', value: true }] },
  ];
  const all = [...samples, ...extra];
  const answers = oracle(all.map((s) => ({ print: s.type, value: toOracleJson(s.type, s.value) })));
  const diffs: string[] = [];
  for (let k = 0; k < all.length; k++) {
    const { type, value } = all[k] as Sample;
    const glib = JSON.parse(answers[k] as string) as string;
    const mine = printGVariant(type, value);
    if (mine !== glib) diffs.push(`${type}: glib ${glib} | atoll ${mine}`);
  }
  assert.deepEqual(diffs.slice(0, 15), []);
});

test('nesting limits agree with GLib (G_VARIANT_MAX_RECURSION_DEPTH)', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  const cases: Array<{ type: string; bytes: Uint8Array }> = [];
  const enc = (s: string): number[] => [...new TextEncoder().encode(s)];
  for (const [inner, innerBytes] of [['u', [1, 0, 0, 0]], ['au', [1, 0, 0, 0]], ['aaau', []], ['(((u)))', [1, 0, 0, 0]]] as const) {
    for (let n = 120; n <= 130; n++) {
      let bytes = [...innerBytes] as number[];
      let type: string = inner;
      for (let k = 0; k < n; k++) {
        bytes = [...bytes, 0, ...enc(type)];
        type = 'v';
      }
      cases.push({ type: 'v', bytes: new Uint8Array([...bytes, 0, ...enc(type)]) });
    }
  }
  for (let n = 124; n <= 128; n++) {
    cases.push({ type: `${'('.repeat(n)}u${')'.repeat(n)}`, bytes: new Uint8Array([1, 0, 0, 0]) });
    cases.push({ type: `v`, bytes: new Uint8Array([1, 0, 0, 0, 0, ...enc(`${'('.repeat(n)}u${')'.repeat(n)}`)]) });
  }
  const answers = oracle(cases.map((c) => ({ check: c.type, hex: hex(c.bytes) })));
  const diffs = cases.flatMap((c, k) => (isNormalForm(c.type, c.bytes) === (answers[k] === '1') ? [] : [`${c.type.slice(0, 20)} ${c.bytes.length} bytes: glib ${answers[k]}`]));
  assert.deepEqual(diffs, []);
});

test('byteswapGVariant swaps exactly what g_variant_byteswap swaps', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  // Doubles are left out: a swapped double is often a NaN, whose payload JS does not keep.
  const samples = randomSamples(777, 1500).filter((s) => !/d/.test(s.type) && !/d/.test(JSON.stringify(toOracleJson(s.type, s.value), (_k, v: unknown) => (typeof v === 'object' && v !== null && 't' in v ? (v as { t: string }).t : v))));
  samples.push({ type: '(dd)', value: [1.5, -2] });
  const answers = oracle(samples.map((s) => ({ byteswap: s.type, value: toOracleJson(s.type, s.value) })));
  const diffs: string[] = [];
  samples.forEach((s, k) => {
    const mine = hex(encodeGVariant(s.type, byteswapGVariant(s.type, s.value)));
    if (mine !== answers[k]) diffs.push(`${s.type}: glib ${answers[k]} atoll ${mine}`);
  });
  assert.deepEqual(diffs.slice(0, 10), []);
  assert.ok(samples.length > 500);
});

test('parseGVariantText infers types and values exactly as g_variant_parse', (t) => {
  if (!requirePythonModule(t, 'gi')) return;
  const texts = randomSamples(4711, 1500).map((s) => printGVariant(s.type, s.value));
  texts.push(
    '(1,)', '010', '0x10', '-0x10', '1e5', '[1, 2.5]', '[nothing, just 5]', '[[], [1]]', "{'a': <1>}", "{1, 'x'}", '[@mi 5, nothing]',
    '[5, nothing]', 'inf', '-inf', '+5', "b'a\\101'", "'\\101'", "'\\x41'", '[byte 1, 2]', 'int64 -0x8000000000000000', "objectpath '/a'",
    '  [ 1 ,2 ]  ', 'boolean true', "string 'x'", "(true, 'a', 0.5)", "{'k': <uint64 5>, 'l': <['a']>}", "'\\u00e9\\U0001f600'", '[{1: 2}, {}]', "[<1>, <'a'>]", "[(1, nothing), (nothing, 'a')]", '[just [], just [1]]',
    '{1: [], 2: [3]}', "[{}, {'a': 1}]", '[@as [], []]', '[[1], [2.5]]', '[nothing, nothing]', '[just 1, 2, nothing]', '(<(1,)>, [0x10, 010])',
    "{objectpath '/a': 1}", "[@o '/a', '/b']", "[@g 'i', 'x']", '[1, 0x7fffffff, -2147483648]', '[2147483648]', '[int64 1, 2]', '[1.5, nan]',
    "[b'x', [byte 1]]", '{<1>: 2}', '[(), ()]', '(((1,),),)',
    // errors
    '(1)', '(1, 2,)', '[1, 2,]', '1E5', '[]', 'uint32 4294967296', '[true, 1]', "{'k': 1, 'j': 2.5}", "'a' 'b'", '[1 2]', 'nothing', 'foo', '@z 1',
  );
  const answers = oracle(texts.map((text) => ({ parse: text })));
  const diffs: string[] = [];
  texts.forEach((text, k) => {
    const [glibType, glibHex] = JSON.parse(answers[k] as string) as [string, string];
    let mine: [string, string];
    try {
      const v = parseGVariantText(text);
      mine = [v.type, hex(encodeGVariant(v.type, v.value))];
    } catch (error) {
      mine = ['ERR', String(error)];
    }
    const same = glibType === 'ERR' ? mine[0] === 'ERR' : mine[0] === glibType && mine[1] === glibHex;
    if (!same) diffs.push(`${text.slice(0, 200)}: glib ${glibType} ${glibHex.slice(0, 80)} | atoll ${mine[0]} ${mine[1].slice(0, 80)}`);
  });
  assert.deepEqual(diffs.slice(0, 10), []);
});
