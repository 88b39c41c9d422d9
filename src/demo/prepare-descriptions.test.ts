import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parsePackageDescriptions, buildRpm } from '../rpm/index.js';
import { prepareDescriptions, findBusybox } from './prepare-descriptions.js';

const EXAMPLE = resolve(process.cwd(), 'examples/demo-os/packages');

test('prepareDescriptions embeds the busybox given, leaves comments alone, and every example description builds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-demo-prep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fake = join(dir, 'busybox');
  writeFileSync(fake, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 255]));
  prepareDescriptions(EXAMPLE, join(dir, 'out'), fake);
  assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['extra', 'v1', 'v2']);
  const text = readFileSync(join(dir, 'out/v1/busybox.yaml'), 'utf8');
  assert.match(text, /^# .*content: \{ hostFile: \.\.\. \}/m, 'the explanatory comment is untouched');
  const [bb] = parsePackageDescriptions(text);
  const file = bb?.files?.find((f) => f.path === '/usr/bin/busybox');
  assert.deepEqual(file?.content, { base64: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 255]).toString('base64') });
  const names: string[] = [];
  for (const version of ['v1', 'v2', 'extra']) {
    for (const name of readdirSync(join(dir, 'out', version))) {
      for (const description of parsePackageDescriptions(readFileSync(join(dir, 'out', version, name), 'utf8'), name)) {
        const bytes = await buildRpm(description);
        assert.ok(bytes.length > 96, `${version}/${name} builds`);
        names.push(`${version}/${description.name}-${description.version}`);
      }
    }
  }
  assert.deepEqual(names.sort(), [
    'extra/hello-extra-1.0', 'extra/libextra-1.0',
    'v1/busybox-1.36.1', 'v1/demo-release-1', 'v1/filesystem-3.18', 'v1/greeter-1.0', 'v1/greeter-l10n-1.0', 'v1/kernel-6.6.1', 'v1/libgreet-1.0', 'v1/oldtool-0.9', 'v1/setup-2.14',
    'v2/demo-release-2', 'v2/greeter-1.1', 'v2/kernel-6.6.2', 'v2/libgreet-1.1', 'v2/newtool-1.0',
  ]);
});

test('findBusybox prefers ATOLL_DEMO_BUSYBOX when it exists', () => {
  assert.equal(findBusybox({ ATOLL_DEMO_BUSYBOX: process.execPath }), process.execPath);
  const fallback = findBusybox({ ATOLL_DEMO_BUSYBOX: '/nonexistent/busybox' });
  assert.ok(fallback === undefined || fallback.endsWith('/busybox'));
});
