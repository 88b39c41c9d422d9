import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAtollError } from '../../errors/index.js';
import { craftRpm } from '../../../test/helpers/craft-rpm.js';
import { sharedDir } from '../../../test/helpers/env.js';
import { encodeHeader, type HeaderEntryInput } from './header-encode.js';
import { Header, immutableRegionBytes, readHeaderBlob } from './header-blob.js';
import { readRpmHeaders, readRpmPackage } from './read-package.js';
import { RPM_TYPE, TAG } from './tags.js';

const goldenDir = join(sharedDir, 'fixtures', 'rpm-golden');

function code(expected: string): (e: unknown) => boolean {
  return (e) => {
    assert.equal((e as { code?: string }).code, expected, (e as Error).message);
    return true;
  };
}

function goldens(): string[] {
  if (!existsSync(goldenDir)) return [];
  return readdirSync(goldenDir).filter((f) => f.endsWith('.rpm')).map((f) => join(goldenDir, f));
}

test('re-encoding a golden main header from its entries reproduces rpm bytes exactly', (t) => {
  const files = goldens();
  if (files.length === 0) return t.skip('golden fixtures absent');
  for (const file of files) {
    const h = readRpmHeaders(readFileSync(file));
    const entries: HeaderEntryInput[] = h.main.blob.entries.slice(1).map((e) => {
      const raw = h.main.raw(e.tag)!;
      switch (e.type) {
        case RPM_TYPE.STRING:
          return { tag: e.tag, type: RPM_TYPE.STRING, value: h.main.string(e.tag)! };
        case RPM_TYPE.STRING_ARRAY:
        case RPM_TYPE.I18NSTRING:
          return { tag: e.tag, type: e.type, value: h.main.strings(e.tag)! };
        case RPM_TYPE.INT16:
        case RPM_TYPE.INT32:
          return { tag: e.tag, type: e.type, value: h.main.numbers(e.tag)! };
        case RPM_TYPE.INT64:
          return { tag: e.tag, type: RPM_TYPE.INT64, value: h.main.numbers(e.tag)! };
        default:
          return { tag: e.tag, type: e.type as typeof RPM_TYPE.BIN, value: raw };
      }
    });
    assert.deepEqual(Buffer.from(encodeHeader(entries, 63)), Buffer.from(h.main.blob.bytes), file);
  }
});

test('golden-gz: layout facts from the spec', (t) => {
  const file = join(goldenDir, 'golden-gz-1.2.3-4.x86_64.rpm');
  if (!existsSync(file)) return t.skip('golden fixtures absent');
  const { pkg } = readRpmPackage(readFileSync(file));
  assert.deepEqual(pkg.headerRange, { start: 4504, end: 9437 });
  assert.equal(pkg.files.length, 13);
  assert.equal(pkg.files.find((f) => f.path === '/usr/bin/golden-cap')!.caps, 'cap_net_raw=ep');
  assert.deepEqual(pkg.triggers.conditions.map((c) => [c.name, c.flags, c.index]), [
    ['bash', 0x1000c, 0],
    ['glibc', 0x20000, 1],
  ]);
  assert.equal(pkg.fileTriggers.scripts[0]!.priority, 1000000);
  assert.equal(pkg.transFileTriggers.scripts[0]!.priority, 1000);
  assert.equal(pkg.scripts.prein!.prog[0], '<lua>');
  assert.equal(pkg.changelog[0]!.time, 1699963200);
});

/** A valid main header to mutate. */
function sample(): Uint8Array {
  return encodeHeader(
    [
      { tag: TAG.NAME, type: RPM_TYPE.STRING, value: 'x' },
      { tag: TAG.VERSION, type: RPM_TYPE.STRING, value: '1' },
      { tag: TAG.RELEASE, type: RPM_TYPE.STRING, value: '1' },
      { tag: TAG.BUILDTIME, type: RPM_TYPE.INT32, value: [1] },
      { tag: TAG.BASENAMES, type: RPM_TYPE.STRING_ARRAY, value: ['a', 'b'] },
    ],
    63,
  );
}

function setU32(b: Uint8Array, off: number, v: number): Uint8Array {
  const c = Uint8Array.from(b);
  new DataView(c.buffer).setUint32(off, v >>> 0);
  return c;
}

test('hostile headers give coded errors', () => {
  const good = sample();
  assert.equal(new Header(readHeaderBlob(good, 0, 'main')).string(TAG.NAME), 'x');
  const il = new DataView(good.buffer).getUint32(8);
  const dl = new DataView(good.buffer).getUint32(12);
  const entry = (i: number): number => 16 + 16 * i;
  const cases: [string, Uint8Array, string][] = [
    ['bad magic', setU32(good, 0, 0x8eade802), 'RPM_HEADER_BAD'],
    ['truncated', good.subarray(0, good.length - 1), 'RPM_HEADER_BAD'],
    ['huge il', setU32(good, 8, 0x7fffffff), 'RPM_HEADER_BAD'],
    ['huge dl', setU32(good, 12, 0x7fffffff), 'RPM_HEADER_BAD'],
    ['index past data', setU32(good, entry(2) + 8, dl + 4), 'RPM_HEADER_BAD'],
    ['huge count', setU32(good, entry(5) + 12, 0xffffff), 'RPM_HEADER_BAD'],
    ['count zero', setU32(good, entry(4) + 12, 0), 'RPM_HEADER_BAD'],
    ['bad type', setU32(good, entry(4) + 4, 10), 'RPM_HEADER_BAD'],
    ['known tag, wrong type', setU32(good, entry(4) + 4, RPM_TYPE.INT8), 'RPM_TAG_TYPE'],
    ['tag below 100', setU32(good, entry(1), 99), 'RPM_HEADER_BAD'],
    ['overlap', setU32(good, entry(2) + 8, 0), 'RPM_HEADER_BAD'],
    ['region count', setU32(good, entry(0) + 12, 15), 'RPM_HEADER_BAD'],
    ['region offset past data', setU32(good, entry(0) + 8, dl), 'RPM_HEADER_BAD'],
    ['trailer offset', setU32(good, 16 + 16 * il + dl - 8, -(il + 1) * 16), 'RPM_HEADER_BAD'],
    ['trailer tag', setU32(good, 16 + 16 * il + dl - 16, 62), 'RPM_HEADER_BAD'],
    ['string without NUL', (() => { const c = Uint8Array.from(good); c.fill(0x41, 16 + 16 * il, 16 + 16 * il + dl - 16); return c; })(), 'RPM_HEADER_BAD'],
  ];
  for (const [name, bytes, expected] of cases) {
    assert.throws(() => readHeaderBlob(bytes, 0, 'main'), code(expected), name);
  }
});

test('hostile packages give coded errors', () => {
  const pkg = craftRpm({ files: [{ path: '/a', mode: 0o100644, content: 'a' }] });
  assert.equal(readRpmPackage(pkg).pkg.name, 'crafted');
  assert.throws(() => readRpmPackage(pkg.subarray(0, 50)), code('RPM_NOT_RPM'));
  const badLead = Uint8Array.from(pkg);
  badLead[0] = 0;
  assert.throws(() => readRpmPackage(badLead), code('RPM_NOT_RPM'));
  const h = readRpmHeaders(pkg);
  // A flipped bit in the main header's data: its SHA256 no longer matches.
  const flipped = Uint8Array.from(pkg);
  flipped[h.payloadStart - 20]! ^= 1;
  assert.throws(() => readRpmPackage(flipped), (e: unknown) => isAtollError(e));
  assert.throws(() => readRpmPackage(pkg.subarray(0, h.headerStart + 40)), code('RPM_HEADER_BAD'));
  assert.throws(() => readRpmPackage(pkg.subarray(0, 120)), code('RPM_SIG_HEADER_BAD'));
  // DIRINDEXES out of range.
  const badIndex = craftRpm({
    files: [{ path: '/a', mode: 0o100644, content: 'a' }],
    mainExtra: [{ tag: TAG.DIRINDEXES, type: RPM_TYPE.INT32, value: [7] }],
  });
  assert.throws(() => readRpmPackage(badIndex), code('RPM_FILELIST_BAD'));
  // Per-file arrays of different lengths.
  const badLength = craftRpm({
    files: [{ path: '/a', mode: 0o100644, content: 'a' }],
    mainExtra: [{ tag: TAG.FILEMODES, type: RPM_TYPE.INT16, value: [0o100644, 0o100644] }],
  });
  assert.throws(() => readRpmPackage(badLength), code('RPM_FILELIST_BAD'));
  const relative = craftRpm({ files: [{ path: '/a', mode: 0o100644, content: 'a' }], mainExtra: [{ tag: TAG.DIRNAMES, type: RPM_TYPE.STRING_ARRAY, value: ['etc/'] }] });
  assert.throws(() => readRpmPackage(relative), code('RPM_FILELIST_BAD'));
});

test('rpmdb-style blob: no magic, dribbles after the region; the region bytes are recovered for digests', () => {
  const sealed = sample();
  const view = new DataView(sealed.buffer, sealed.byteOffset);
  const il = view.getUint32(8);
  const dl = view.getUint32(12);
  // Append one dribble entry (INSTALLTIME, INT32) after the region, as rpm does at install.
  const blob = new Uint8Array(8 + 16 * (il + 1) + dl + 4);
  const b = new DataView(blob.buffer);
  b.setUint32(0, il + 1);
  b.setUint32(4, dl + 4);
  blob.set(sealed.subarray(16, 16 + 16 * il), 8);
  const dribble = 8 + 16 * il;
  b.setUint32(dribble, TAG.INSTALLTIME);
  b.setUint32(dribble + 4, RPM_TYPE.INT32);
  b.setInt32(dribble + 8, dl);
  b.setUint32(dribble + 12, 1);
  blob.set(sealed.subarray(16 + 16 * il), 8 + 16 * (il + 1));
  b.setUint32(8 + 16 * (il + 1) + dl, 1700000123);
  assert.throws(() => readHeaderBlob(blob, 0, 'main', { noMagic: true }), code('RPM_HEADER_BAD'));
  const parsed = readHeaderBlob(blob, 0, 'main', { noMagic: true, exactRegion: false });
  assert.equal(parsed.ril, il);
  assert.equal(parsed.il, il + 1);
  assert.equal(new Header(parsed).number(TAG.INSTALLTIME), 1700000123);
  assert.deepEqual(Buffer.from(immutableRegionBytes(parsed)), Buffer.from(sealed));
});
