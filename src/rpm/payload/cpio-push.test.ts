import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCpio, encodeStrippedCpio, type CpioItem } from '../../../test/helpers/craft-rpm.js';
import { mulberry32 } from '../../util/index.js';
import { CpioPushParser } from './cpio-push.js';
import { readCpio, type CpioEntry } from './cpio-reader.js';

type Seen = { entry: Omit<CpioEntry, 'offset'> & { offset: number }; data: string }[];

async function viaReader(bytes: Uint8Array, sizes?: (i: number) => number): Promise<Seen | string> {
  const out: Seen = [];
  try {
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes;
    }
    for await (const { entry, body } of readCpio(source(), sizes)) {
      let data = '';
      for await (const chunk of body) data += Buffer.from(chunk).toString('latin1');
      out.push({ entry, data });
    }
    return out;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

function viaPush(bytes: Uint8Array, random: () => number, sizes?: (i: number) => number): Seen | string {
  const out: Seen = [];
  let current: Seen[number] | null = null;
  const parser = new CpioPushParser(
    {
      entry: (entry) => {
        current = { entry, data: '' };
        out.push(current);
      },
      data: (chunk) => {
        current!.data += Buffer.from(chunk).toString('latin1');
      },
      end: () => {
        current = null;
      },
    },
    sizes,
  );
  try {
    // Random chunk sizes, including 1-byte chunks that split every header field.
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(random() * (random() < 0.3 ? 4 : 700));
      parser.push(bytes.subarray(at, Math.min(bytes.length, at + n)));
      at += n;
    }
    parser.finish();
    return out;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

const enc = new TextEncoder();
const items = (n: number): CpioItem[] =>
  Array.from({ length: n }, (_, i) => ({ name: `./dir/file-${'x'.repeat(i % 9)}${i}`, mode: 0o100644, ino: i + 1, nlink: 1, mtime: 1700000000 + i, data: enc.encode('d'.repeat((i * 37) % 1000)) }));

test('the push parser reads what readCpio reads, whatever the chunking (newc, stripped, trailing zeros)', async () => {
  const random = mulberry32(7);
  const newc = encodeCpio(items(40));
  const padded = new Uint8Array(newc.length + 512);
  padded.set(newc);
  const strippedData = Array.from({ length: 12 }, (_, i) => ({ index: i, data: enc.encode('s'.repeat(i * 5)) }));
  const stripped = encodeStrippedCpio(strippedData);
  const sizes = (i: number): number => i * 5;
  for (const [bytes, sz] of [
    [newc, undefined],
    [padded, undefined],
    [stripped, sizes],
  ] as const) {
    const expected = await viaReader(bytes, sz);
    assert.equal(typeof expected, 'object');
    for (let round = 0; round < 20; round++) assert.deepEqual(viaPush(bytes, random, sz), expected);
  }
});

test('the push parser refuses what readCpio refuses, with the same code', async () => {
  const random = mulberry32(11);
  const good = encodeCpio(items(5));
  const cases: Uint8Array[] = [new Uint8Array(0), enc.encode('not a cpio archive at all, no')];
  for (let cut = 1; cut < good.length; cut += 7) cases.push(good.subarray(0, cut)); // every truncation
  const trailing = new Uint8Array(good.length + 8);
  trailing.set(good);
  trailing[good.length + 3] = 1;
  cases.push(trailing);
  for (let i = 0; i < 40; i++) {
    const flipped = Uint8Array.from(good);
    flipped[Math.floor(random() * 200)] = Math.floor(random() * 256);
    cases.push(flipped);
  }
  for (const bytes of cases) {
    const expected = await viaReader(bytes);
    const actual = viaPush(bytes, random);
    if (typeof expected === 'string') assert.equal(actual, expected);
    else assert.deepEqual(actual, expected);
  }
});
