import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGVariant, encodeGVariant, parseType, isNormalForm, variant, bswap32, bswap64, type GVariantValue } from './index.js';
import { isAtollError } from '../errors/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// §1.10 of the ostree format spec: bytes produced by GLib itself.
const vectors: Array<[string, GVariantValue, string]> = [
  ['b', true, '01'],
  ['u', 0x12345678, '78563412'],
  ['u', bswap32(0x12345678), '12345678'],
  ['t', 1n, '0100000000000000'],
  ['s', 'hi', '686900'],
  ['s', '', '00'],
  ['ay', new Uint8Array([1, 2, 3]), '010203'],
  ['au', [1, 2], '0100000002000000'],
  ['as', ['a', 'bc'], '61006263000205'],
  ['as', [], ''],
  ['aay', [new Uint8Array(), new Uint8Array()], '0000'],
  ['(su)', ['a', 1], '610000000100000002'],
  ['(us)', [1, 'a'], '010000006100'],
  ['(ss)', ['a', 'b'], '6100620002'],
  ['(yu)', [1, 2], '0100000002000000'],
  ['()', [], '00'],
  ['ms', null, ''],
  ['ms', 'hi', '68690000'],
  ['ms', '', '0000'],
  ['mu', 5, '05000000'],
  ['v', variant('u', 5), '050000000075'],
  ['v', variant('s', 'hi'), '6869000073'],
  ['{sv}', ['k', variant('b', true)], '6b0000000000000001006202'],
  ['a{sv}', [['version', variant('s', '1.0')]], '76657273696f6e00312e300000730 80f'],
  ['a{sv}', [['n', variant('t', bswap64(1n))]], '6e00000000000000000000000000000100740213'],
  ['a(ayay)', [[new TextEncoder().encode('user.a\0'), new TextEncoder().encode('v')]], '757365722e61007607 09'],
];

test('spec §1.10 vectors encode byte for byte and decode back', () => {
  for (const [type, value, bytes] of vectors) {
    const expected = bytes.replace(/\s+/g, '');
    assert.equal(hex(encodeGVariant(type, value)), expected, `encode ${type}`);
    assert.deepEqual(decodeGVariant(type, unhex(expected)), value, `decode ${type}`);
  }
});

test('a{sv} accepts a Map on encode', () => {
  const map = new Map([['version', variant('s', '1.0')]]);
  assert.equal(hex(encodeGVariant('a{sv}', map)), '76657273696f6e00312e30000073080f');
});

test('offset-size boundaries: 255 bytes uses 1-byte offsets, 256+ uses 2', () => {
  const a253 = ['a'.repeat(253)];
  const e1 = encodeGVariant('as', a253);
  assert.equal(e1.length, 255);
  assert.equal(e1[254], 0xfe);
  const a254 = ['a'.repeat(254)];
  const e2 = encodeGVariant('as', a254);
  assert.equal(e2.length, 257);
  assert.equal(hex(e2.subarray(-3)), '00ff00');
  assert.deepEqual(decodeGVariant('as', e2), a254);
  const big = encodeGVariant('(ayay)', [new Uint8Array(70000), new Uint8Array(1)]);
  assert.equal(big.length, 70001 + 4);
  assert.deepEqual((decodeGVariant('(ayay)', big) as Uint8Array[])[0]?.length, 70000);
});

test('type parser: layout facts and rejections', () => {
  assert.equal(parseType('(yu)').fixedSize, 8);
  assert.equal(parseType('(uy)').fixedSize, 8);
  assert.equal(parseType('()').fixedSize, 1);
  assert.equal(parseType('(ty)').alignment, 8);
  assert.equal(parseType('a{sv}').alignment, 8);
  assert.equal(parseType('(uuua(ayay))').fixedSize, 0);
  for (const bad of ['', 'z', 'a', '(s', '{ss', '{vs}', '{s}', 'ss', 'm', '{sss}', '*', 'r']) {
    assert.throws(() => parseType(bad), (e: unknown) => isAtollError(e, 'GVARIANT_INVALID_TYPE'), bad);
  }
});

test('decoder rejects non-normal input with coded errors', () => {
  const cases: Array<[string, string, string]> = [
    ['b', '02', 'GVARIANT_BAD_BOOLEAN'],
    ['u', '010000', 'GVARIANT_WRONG_SIZE'],
    ['s', '6869', 'GVARIANT_BAD_STRING'],
    ['s', '68006900', 'GVARIANT_BAD_STRING'],
    ['s', 'ff00', 'GVARIANT_BAD_STRING'],
    ['s', '', 'GVARIANT_BAD_STRING'],
    ['(yu)', '0101000002000000', 'GVARIANT_NOT_NORMAL'],
    ['as', '610062000402', 'GVARIANT_BAD_OFFSET'],
    ['as', '610062630005 02', 'GVARIANT_BAD_OFFSET'],
    ['v', 'ff75', 'GVARIANT_BAD_VARIANT'],
    ['v', '050000000078', 'GVARIANT_WRONG_SIZE'],
    ['v', '0500000000', 'GVARIANT_BAD_VARIANT'],
    ['v', '05000000007a', 'GVARIANT_BAD_VARIANT'],
    ['ms', '686901', 'GVARIANT_NOT_NORMAL'],
    ['o', '6100', 'GVARIANT_BAD_STRING'],
    ['g', '6d7300', 'GVARIANT_BAD_STRING'],
    ['()', '01', 'GVARIANT_NOT_NORMAL'],
    ['au', '01000000020000', 'GVARIANT_WRONG_SIZE'],
  ];
  for (const [type, bytes, code] of cases) {
    assert.throws(() => decodeGVariant(type, unhex(bytes)), (e: unknown) => isAtollError(e, code), `${type} ${bytes} -> ${code}`);
  }
  // A 256-byte array written with 2-byte offsets although 1-byte offsets fit: not normal.
  const body = new Uint8Array(256);
  body.fill(0x61, 0, 253);
  body[253] = 0;
  body[254] = 254;
  body[255] = 0;
  assert.equal(isNormalForm('as', body), false);
});

test('encoder rejects values that do not fit the type', () => {
  const bad: Array<[string, unknown]> = [['u', -1], ['y', 256], ['t', -1n], ['s', 'a\0b'], ['(su)', ['a']], ['ay', [1, 2]], ['b', 1], ['v', 'x']];
  for (const [type, value] of bad) {
    assert.throws(() => encodeGVariant(type, value as GVariantValue), (e: unknown) => isAtollError(e, 'GVARIANT_VALUE_MISMATCH'), type);
  }
});

test('deeply nested variants are refused without exhausting the stack', () => {
  let bytes = encodeGVariant('u', 1);
  let type = 'u';
  for (let k = 0; k < 200; k++) {
    bytes = new Uint8Array([...bytes, 0, ...new TextEncoder().encode(type)]);
    type = 'v';
  }
  assert.throws(() => decodeGVariant('v', bytes), (e: unknown) => isAtollError(e, 'GVARIANT_TOO_DEEP'));
});

test('round trip: 3,000 seeded random values decode to themselves and are normal form', async () => {
  const { RandomGVariant } = await import('../../test/helpers/gvariant-random.js');
  const gen = new RandomGVariant(1);
  for (let k = 0; k < 3000; k++) {
    const type = gen.typeString(4);
    const value = gen.value(type);
    const bytes = encodeGVariant(type, value);
    assert.deepEqual(decodeGVariant(type, bytes), value, `${type} #${k}`);
    assert.equal(hex(encodeGVariant(type, decodeGVariant(type, bytes))), hex(bytes));
  }
});

test('hostile input: corrupted bytes only ever fail with coded errors', async () => {
  const { RandomGVariant } = await import('../../test/helpers/gvariant-random.js');
  const gen = new RandomGVariant(99);
  for (let k = 0; k < 3000; k++) {
    const type = gen.typeString(4);
    const good = encodeGVariant(type, gen.value(type));
    const variants = [good.subarray(0, gen.int(good.length + 1)), new Uint8Array([...good, gen.int(256)])];
    if (good.length > 0) {
      const flipped = new Uint8Array(good);
      flipped[gen.int(good.length)] = gen.int(256);
      variants.push(flipped);
    }
    for (const bytes of variants) {
      try {
        decodeGVariant(type, bytes);
      } catch (error) {
        assert.ok(isAtollError(error) && error.code.startsWith('GVARIANT_'), `${type} ${hex(bytes)}: ${String(error)}`);
      }
    }
  }
});

test('printGVariant: the text ostree show --print-metadata-key prints', async () => {
  const { printGVariant } = await import('./index.js');
  assert.equal(printGVariant('s', '6.1.0-test'), "'6.1.0-test'");
  assert.equal(printGVariant('b', true), 'true');
  assert.equal(printGVariant('as', ['test']), "['test']");
  assert.equal(printGVariant('as', []), '@as []');
  assert.equal(printGVariant('t', 5n), 'uint64 5');
  assert.equal(printGVariant('a{sv}', [['k', variant('u', 1)], ['j', variant('s', "it's")]]), "{'k': <uint32 1>, 'j': <\"it's\">}");
  assert.equal(printGVariant('ay', new TextEncoder().encode('abc\0')), "b'abc'");
  assert.equal(printGVariant('ay', new Uint8Array([1, 2])), '[byte 0x01, 0x02]');
  assert.equal(printGVariant('(s)', ['x']), "('x',)");
  assert.equal(printGVariant('d', 0.1), '0.10000000000000001');
  assert.equal(printGVariant('d', 2), '2.0');
  assert.equal(printGVariant('ms', null), '@ms nothing');
});

test('parseGVariantText: inference, type hints, round trip with printGVariant, coded errors', async () => {
  const { parseGVariantText, printGVariant } = await import('./index.js');
  assert.deepEqual(parseGVariantText("'1.0'"), { type: 's', value: '1.0' });
  assert.deepEqual(parseGVariantText('uint64 5'), { type: 't', value: 5n });
  assert.deepEqual(parseGVariantText('[1, 2.5]'), { type: 'ad', value: [1, 2.5] });
  assert.deepEqual(parseGVariantText("{'k': <true>}"), { type: 'a{sv}', value: [['k', { type: 'b', value: true }]] });
  assert.deepEqual(parseGVariantText('[]', 'as'), { type: 'as', value: [] });
  assert.deepEqual(parseGVariantText('5', 'mt'), { type: 'mt', value: 5n });
  assert.deepEqual(parseGVariantText("b'ab'"), { type: 'ay', value: new Uint8Array([0x61, 0x62, 0]) });
  const { RandomGVariant } = await import('../../test/helpers/gvariant-random.js');
  const gen = new RandomGVariant(5);
  for (let k = 0; k < 1000; k++) {
    const type = gen.typeString(3);
    const value = gen.value(type);
    const text = printGVariant(type, value);
    if (text.includes('e-324')) continue; // GLib (and we) refuse subnormal double literals
    assert.deepEqual(parseGVariantText(text, type).value, value, text);
  }
  for (const bad of ['', '[', '(1)', '[]', "'unterminated", '[true, 1]', 'uint32 -1', 'foo', '@zz 1', '<>', '{1: 2', '1 2', "objectpath 'x'"]) {
    assert.throws(() => parseGVariantText(bad), (e: unknown) => isAtollError(e, 'GVARIANT_TEXT_INVALID'), JSON.stringify(bad));
  }
  const next = (await import('../../test/helpers/gvariant-random.js')).rng(3);
  const chars = "[](){}<>,:@'\"b0123456789.-+exjustnothingtruefalse a\\";
  for (let k = 0; k < 3000; k++) {
    let text = '';
    for (let i = 0; i < 1 + Math.floor(next() * 12); i++) text += chars[Math.floor(next() * chars.length)];
    try {
      parseGVariantText(text);
    } catch (error) {
      assert.ok(isAtollError(error) && error.code.startsWith('GVARIANT_'), `${JSON.stringify(text)}: ${String(error)}`);
    }
  }
});
