// verifyRpmFile (what `atoll rpm inspect --verify` and unpack enforce) accepts every real package
// that `rpm -K` accepts and rejects bit-flipped and truncated payloads of every compressor with a
// coded error, without hanging on a stuck decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRpmPackage, verifyRpmFile } from '../../src/rpm/index.js';
import { requireShared, requireTool, tempDir } from '../helpers/env.js';
import { run } from '../helpers/run.js';
import { corpusDir, findRpms, goldenDir } from '../helpers/rpm-corpus.js';

test('every golden and corpus package verifies exactly when rpm -K says its digests are OK', { timeout: 600_000 }, async (t) => {
  if (!requireShared(t, 'corpus/rpms') || !requireTool(t, 'rpm', 'xz', 'zstd', 'bzip2')) return;
  // golden-large decompresses to 4 GiB: covered by the header tests, too slow here.
  const files = [...findRpms(goldenDir), ...findRpms(corpusDir)].filter((f) => !f.includes('golden-large') && !f.endsWith('.drpm'));
  const mismatches: string[] = [];
  for (const file of files) {
    const report = await verifyRpmFile(file);
    const k = run('rpm', ['-K', '--nosignature', '--dbpath', '/nonexistent-atoll-test', file]);
    const rpmOk = k.status === 0;
    if (report.ok !== rpmOk) mismatches.push(`${file}: atoll ${report.ok ? 'ok' : report.error?.code} rpm -K ${rpmOk ? 'ok' : k.stdout.trim()}`);
  }
  assert.deepEqual(mismatches, []);
});

test('bit flips and truncation in every compressor give coded errors, never a hang', { timeout: 300_000 }, async (t) => {
  if (!requireShared(t, 'corpus/rpms') || !requireTool(t, 'xz', 'zstd', 'bzip2')) return;
  const picks = [
    join(goldenDir, 'golden-gz-1.2.3-4.x86_64.rpm'),
    join(goldenDir, 'golden-xz-2.0~rc1-1.fc99.noarch.rpm'),
    join(goldenDir, 'golden-zst-0.1-1.noarch.rpm'),
    join(goldenDir, 'golden-dev-1-0.noarch.rpm'),
    join(corpusDir, 'sassoftware__go-rpmutils', 'payload-test-0.1-w9.bzdio.x86_64.rpm'),
    join(corpusDir, 'sassoftware__go-rpmutils', 'payload-test-0.1-w6.lzdio.x86_64.rpm'),
  ];
  const work = tempDir(t);
  for (const file of picks) {
    const bytes = readFileSync(file);
    const { headers } = readRpmPackage(bytes);
    const payloadLength = bytes.length - headers.payloadStart;
    const variants: [string, Uint8Array][] = [];
    for (const frac of [0, 0.1, 0.5, 0.9, 0.999]) {
      const b = Uint8Array.from(bytes);
      b[headers.payloadStart + Math.floor(frac * (payloadLength - 1))]! ^= 0x10;
      variants.push([`flip@${frac}`, b]);
    }
    variants.push(['truncated', bytes.subarray(0, headers.payloadStart + Math.floor(payloadLength / 2))]);
    variants.push(['no payload', bytes.subarray(0, headers.payloadStart)]);
    variants.push(['trailing garbage', Buffer.concat([bytes, Buffer.from('garbage')])]);
    for (const [name, b] of variants) {
      const path = join(work, 'v.rpm');
      writeFileSync(path, b);
      const report = await verifyRpmFile(path);
      assert.equal(report.ok, false, `${file} ${name} verified`);
      assert.match(report.error!.code, /^RPM_[A-Z_]+$/, `${file} ${name}`);
    }
  }
});
