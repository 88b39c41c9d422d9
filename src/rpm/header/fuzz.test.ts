// Seeded mutation fuzzing: 12,000 mutated package headers and 2,000 mutated cpio payloads must
// each either parse or fail with a coded AtollError: no other exception, no hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isAtollError } from '../../errors/index.js';
import { craftRpm } from '../../../test/helpers/craft-rpm.js';
import { sharedDir } from '../../../test/helpers/env.js';
import { packageToJson } from './package-json.js';
import { readRpmHeaders, readRpmPackage } from './read-package.js';
import { readPayloadFiles } from '../payload/payload-files.js';
import { mulberry32 as rng } from '../../util/index.js';


const INTERESTING = [0, 1, 7, 15, 16, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0xfffff, 0x100000, 0x0fffffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

function mutate(input: Uint8Array, random: () => number, hot: [number, number]): Uint8Array {
  let b = Uint8Array.from(input);
  const rounds = 1 + Math.floor(random() * 4);
  for (let r = 0; r < rounds; r++) {
    // Most mutations hit the structural part (intro + index) where parsers break.
    const inHot = random() < 0.7;
    const pos = inHot ? hot[0] + Math.floor(random() * (hot[1] - hot[0])) : Math.floor(random() * b.length);
    switch (Math.floor(random() * 6)) {
      case 0:
        b[pos] = b[pos]! ^ (1 << Math.floor(random() * 8));
        break;
      case 1:
        b[pos] = Math.floor(random() * 256);
        break;
      case 2: {
        const v = INTERESTING[Math.floor(random() * INTERESTING.length)]!;
        const at = pos - (pos % 4);
        if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, v >>> 0);
        break;
      }
      case 3:
        b = b.subarray(0, Math.floor(random() * b.length));
        break;
      case 4: {
        const n = 1 + Math.floor(random() * 16);
        const at = Math.min(pos, b.length);
        const c = new Uint8Array(b.length + n);
        c.set(b.subarray(0, at), 0);
        c.set(b.subarray(at), at + n);
        b = c;
        break;
      }
      default: {
        const n = 1 + Math.floor(random() * 16);
        const head = b.subarray(0, Math.min(pos, b.length));
        const tail = b.subarray(Math.min(b.length, pos + n));
        const c = new Uint8Array(head.length + tail.length);
        c.set(head, 0);
        c.set(tail, head.length);
        b = c;
        break;
      }
    }
  }
  return b;
}

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [craftRpm({ files: [{ path: '/a', mode: 0o100644, content: 'a' }, { path: '/b', mode: 0o120777, linkto: 'a' }] })];
  const dir = join(sharedDir, 'fixtures', 'rpm-golden');
  if (existsSync(dir)) for (const f of readdirSync(dir).filter((n) => n.endsWith('.rpm'))) out.push(readFileSync(join(dir, f)));
  return out.map((b) => b.subarray(0, readRpmHeaders(b).payloadStart));
}

test('fuzz: 12,000 mutated headers parse or fail with a coded error', () => {
  const random = rng(0xa7011);
  const inputs = seeds();
  let ok = 0;
  let coded = 0;
  for (let i = 0; i < 12000; i++) {
    const seed = inputs[i % inputs.length]!;
    const h = readRpmHeaders(seed);
    // Alternate between the signature and the main header's structure as the hot zone.
    const hot: [number, number] = i % 2 === 0 ? [96, Math.min(seed.length, 96 + 16 + 16 * 8)] : [h.headerStart, Math.min(seed.length, h.headerStart + 16 + 16 * 40)];
    const mutated = mutate(seed, random, hot);
    try {
      const { pkg } = readRpmPackage(mutated, { verifyHeaderDigest: i % 4 === 0 });
      packageToJson(pkg);
      ok++;
    } catch (error) {
      if (!isAtollError(error)) {
        assert.fail(`mutation ${i} threw a non-coded ${(error as Error).name}: ${(error as Error).message}`);
      }
      coded++;
    }
  }
  assert.equal(ok + coded, 12000);
  if (process.env.ATOLL_TIMING) console.error(`fuzz: ${ok} parsed, ${coded} rejected`);
  assert.ok(coded > 1000, `only ${coded} mutations were rejected: the mutator is too gentle`);
});

test('fuzz: 2,000 mutated cpio payloads parse or fail with a coded error', async () => {
  const random = rng(0xc910);
  const files = [
    { path: '/d', mode: 0o40755 },
    { path: '/d/a', mode: 0o100644, content: 'hello world' },
    { path: '/d/h1', mode: 0o100644, content: 'same', inode: 9 },
    { path: '/d/h2', mode: 0o100644, content: 'same', inode: 9 },
    { path: '/d/l', mode: 0o120777, linkto: 'a' },
  ];
  const rpm = craftRpm({
    files,
    cpio: (items) => {
      const h1 = items.find((i) => i.name.endsWith('/h1'))!;
      h1.data = new Uint8Array(0);
      return [...items.filter((i) => i !== h1 && !i.name.endsWith('/h2')), h1, items.find((i) => i.name.endsWith('/h2'))!];
    },
  });
  const { pkg, headers } = readRpmPackage(rpm);
  const cpio = gunzipSync(rpm.subarray(headers.payloadStart));
  for (let i = 0; i < 2000; i++) {
    const mutated = mutate(cpio, random, [0, Math.min(cpio.length, 400)]);
    const chunk = 1 + Math.floor(random() * 64);
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let o = 0; o < mutated.length; o += chunk) yield mutated.subarray(o, o + chunk);
    }
    try {
      for await (const f of readPayloadFiles(pkg, source())) for await (const _ of f.body) void _;
    } catch (error) {
      if (!isAtollError(error)) assert.fail(`cpio mutation ${i} threw a non-coded ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
});
