import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { craftRpm, type CpioItem } from '../../../test/helpers/craft-rpm.js';
import { requireTool } from '../../../test/helpers/env.js';
import { unpackRpm } from './unpack.js';
import { RPM_TYPE, TAG } from '../header/index.js';
import { fileCapsXattr, parseCapText } from './file-caps.js';

function workdir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-unpack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(dir: string, bytes: Uint8Array): string {
  const path = join(dir, 'p.rpm');
  writeFileSync(path, bytes);
  return path;
}

function code(expected: string): (e: unknown) => boolean {
  return (e) => {
    assert.equal((e as { code?: string }).code, expected, (e as Error).message);
    return true;
  };
}

/** rpm's payload order for the hardlink pair h1/h2: at the end, the content on the last member only. */
function hardlinkPairLast(items: CpioItem[]): CpioItem[] {
  const h1 = items.find((i) => i.name.endsWith('/h1'))!;
  const h2 = items.find((i) => i.name.endsWith('/h2'))!;
  h1.data = new Uint8Array(0);
  h1.nlink = h2.nlink = 2;
  return [...items.filter((i) => i !== h1 && i !== h2), h1, h2];
}

test('unpacks files, symlinks, hardlinks and directories with header metadata', async (t) => {
  const dir = workdir(t);
  const rpm = write(
    dir,
    craftRpm({
      files: [
        { path: '/opt/a', mode: 0o40750, mtime: 1600000000 },
        { path: '/opt/a/file', mode: 0o104755, content: 'setuid!', mtime: 1600000001 },
        { path: '/opt/a/link', mode: 0o120777, linkto: '/absolute/target', mtime: 1600000002 },
        { path: '/opt/a/h1', mode: 0o100644, content: 'same', inode: 9 },
        { path: '/opt/a/h2', mode: 0o100644, content: 'same', inode: 9 },
      ],
      cpio: hardlinkPairLast,
    }),
  );
  const out = join(dir, 'out');
  const result = await unpackRpm(rpm, out);
  assert.equal(readFileSync(join(out, 'opt/a/file'), 'utf8'), 'setuid!');
  assert.equal(lstatSync(join(out, 'opt/a/file')).mode & 0o7777, 0o4755);
  assert.equal(lstatSync(join(out, 'opt/a/file')).mtimeMs, 1600000001000);
  assert.equal(readlinkSync(join(out, 'opt/a/link')), '/absolute/target');
  assert.equal(lstatSync(join(out, 'opt/a')).mode & 0o7777, 0o750);
  assert.equal(lstatSync(join(out, 'opt/a')).mtimeMs, 1600000000000);
  assert.equal(lstatSync(join(out, 'opt/a/h1')).ino, lstatSync(join(out, 'opt/a/h2')).ino);
  assert.equal(readFileSync(join(out, 'opt/a/h1'), 'utf8'), 'same');
  assert.ok(result.integrity.checked.includes('payload-digest'));
  assert.deepEqual(readdirSync(dir).sort(), ['out', 'p.rpm']);
});

test('unpacks rpm\'s stripped 07070X payload (LONGFILESIZES) from the header metadata alone', async (t) => {
  const dir = workdir(t);
  const rpm = write(
    dir,
    craftRpm({
      stripped: true,
      files: [
        { path: '/big', mode: 0o40755 },
        { path: '/big/data', mode: 0o100640, content: 'large file stand-in', mtime: 1500000000 },
        { path: '/big/link', mode: 0o120777, linkto: 'data' },
      ],
    }),
  );
  const out = join(dir, 'out');
  await unpackRpm(rpm, out);
  assert.equal(readFileSync(join(out, 'big/data'), 'utf8'), 'large file stand-in');
  assert.equal(lstatSync(join(out, 'big/data')).mode & 0o7777, 0o640);
  assert.equal(lstatSync(join(out, 'big/data')).mtimeMs, 1500000000000);
  assert.equal(readlinkSync(join(out, 'big/link')), 'data');
});

test('a file under a packaged symlink is refused and nothing is written outside', async (t) => {
  const dir = workdir(t);
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  const rpm = write(
    dir,
    craftRpm({
      files: [
        { path: '/escape', mode: 0o120777, linkto: outside },
        { path: '/escape/evil', mode: 0o100644, content: 'pwned' },
      ],
    }),
  );
  await assert.rejects(unpackRpm(rpm, join(dir, 'out')), code('RPM_UNPACK_UNSAFE'));
  assert.deepEqual(readdirSync(outside), []);
  assert.deepEqual(readdirSync(dir).sort(), ['outside', 'p.rpm']);
});

test('a relative symlink escape (../..) is refused the same way', async (t) => {
  const dir = workdir(t);
  const rpm = write(
    dir,
    craftRpm({
      files: [
        { path: '/a/up', mode: 0o120777, linkto: '../../..' },
        { path: '/a/up/evil', mode: 0o100644, content: 'pwned' },
      ],
    }),
  );
  await assert.rejects(unpackRpm(rpm, join(dir, 'out')), code('RPM_UNPACK_UNSAFE'));
  assert.ok(!existsSync(join(dir, 'evil')));
  assert.deepEqual(readdirSync(dir).sort(), ['p.rpm']);
});

test('cpio names with ../ are not in the header: refused', async (t) => {
  const dir = workdir(t);
  const rpm = write(
    dir,
    craftRpm({
      files: [{ path: '/x', mode: 0o100644, content: 'x' }],
      cpio: (items) => items.map((i) => ({ ...i, name: './../../x' })),
    }),
  );
  await assert.rejects(unpackRpm(rpm, join(dir, 'out')), code('RPM_PAYLOAD_BAD'));
  assert.deepEqual(readdirSync(dir), ['p.rpm']);
});

test('header paths with .. are refused when the header is read', async (t) => {
  const dir = workdir(t);
  const rpm = write(dir, craftRpm({ files: [{ path: '/usr/../../etc/passwd', mode: 0o100644, content: 'x' }] }));
  await assert.rejects(unpackRpm(rpm, join(dir, 'out')), code('RPM_FILELIST_BAD'));
});

test('payload entry sizes, duplicates, missing files and trailing data are refused', async (t) => {
  const dir = workdir(t);
  const files = [
    { path: '/a', mode: 0o100644, content: 'aaaa' },
    { path: '/b', mode: 0o100644, content: 'bb' },
  ];
  const cases: [string, Parameters<typeof craftRpm>[0], string][] = [
    ['size differs', { files, cpio: (items) => items.map((i) => (i.name === './a' ? { ...i, data: new TextEncoder().encode('aaaaaa') } : i)) }, 'RPM_PAYLOAD_BAD'],
    ['duplicate', { files, cpio: (items) => [items[0]!, items[0]!, items[1]!] }, 'RPM_PAYLOAD_BAD'],
    ['missing', { files, cpio: (items) => [items[0]!] }, 'RPM_PAYLOAD_BAD'],
    ['content differs', { files, cpio: (items) => items.map((i) => (i.name === './b' ? { ...i, data: new TextEncoder().encode('XX') } : i)) }, 'RPM_DIGEST_MISMATCH'],
    ['not cpio', { files, rawCpio: new TextEncoder().encode('this is not a cpio archive at all') }, 'RPM_PAYLOAD_BAD'],
  ];
  for (const [name, options, expected] of cases) {
    const rpm = write(dir, craftRpm(options));
    await assert.rejects(unpackRpm(rpm, join(dir, `out-${name}`), { fileDigests: 'always' }), code(expected), name);
    assert.ok(!existsSync(join(dir, `out-${name}`)), name);
  }
  assert.deepEqual(readdirSync(dir), ['p.rpm']);
});

// xz and zstd payloads take the other path (the decoder process on a FIFO read with blocking
// reads, the compressed digest on the worker): the same refusals, the same codes, nothing left.
for (const compressor of ['xz', 'zstd'] as const) {
  test(`the decoder-process path (${compressor}) unpacks and refuses exactly like the streaming one`, async (t) => {
    if (!requireTool(t, compressor)) return;
    const dir = workdir(t);
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const files = [
      { path: '/opt/a', mode: 0o40750, mtime: 1600000000 },
      { path: '/opt/a/file', mode: 0o104755, content: 'setuid!', mtime: 1600000001 },
      { path: '/opt/a/link', mode: 0o120777, linkto: '/absolute/target', mtime: 1600000002 },
      { path: '/opt/a/h1', mode: 0o100644, content: 'same', inode: 900 },
      { path: '/opt/a/h2', mode: 0o100644, content: 'same', inode: 900 },
      ...Array.from({ length: 300 }, (_, i) => ({ path: `/opt/d${i % 7}/f${i}`, mode: 0o100640, content: `file ${i} `.repeat(i), mtime: 1600000000 + i })),
    ];
    const good = write(
      dir,
      craftRpm({
        compressor,
        files,
        cpio: hardlinkPairLast,
      }),
    );
    const out = join(dir, 'out');
    const result = await unpackRpm(good, out, { fileDigests: 'always' });
    assert.deepEqual(result.integrity.checked, ['size', 'payload-digest', 'archive-size']);
    assert.equal(result.entries, files.length);
    assert.equal(readFileSync(join(out, 'opt/a/file'), 'utf8'), 'setuid!');
    assert.equal(lstatSync(join(out, 'opt/a/file')).mode & 0o7777, 0o4755);
    assert.equal(lstatSync(join(out, 'opt/a')).mode & 0o7777, 0o750);
    assert.equal(readlinkSync(join(out, 'opt/a/link')), '/absolute/target');
    assert.equal(lstatSync(join(out, 'opt/a/h1')).ino, lstatSync(join(out, 'opt/a/h2')).ino);
    for (let i = 0; i < 300; i += 37) {
      assert.equal(readFileSync(join(out, `opt/d${i % 7}/f${i}`), 'utf8'), `file ${i} `.repeat(i));
      assert.equal(lstatSync(join(out, `opt/d${i % 7}/f${i}`)).mtimeMs, (1600000000 + i) * 1000);
    }
    rmSync(out, { recursive: true });
    rmSync(good);

    const two = [
      { path: '/a', mode: 0o100644, content: 'aaaa' },
      { path: '/b', mode: 0o100644, content: 'bb' },
    ];
    const cases: [string, Parameters<typeof craftRpm>[0], string][] = [
      ['symlink escape', { files: [{ path: '/escape', mode: 0o120777, linkto: outside }, ...Array.from({ length: 50 }, (_, i) => ({ path: `/escape/evil${i}`, mode: 0o100644, content: 'pwned' }))] }, 'RPM_UNPACK_UNSAFE'],
      ['relative escape', { files: [{ path: '/a/up', mode: 0o120777, linkto: '../../..' }, { path: '/a/up/evil', mode: 0o100644, content: 'pwned' }] }, 'RPM_UNPACK_UNSAFE'],
      ['cpio ../', { files: [{ path: '/x', mode: 0o100644, content: 'x' }], cpio: (items) => items.map((i) => ({ ...i, name: './../../x' })) }, 'RPM_PAYLOAD_BAD'],
      ['size differs', { files: two, cpio: (items) => items.map((i) => (i.name === './a' ? { ...i, data: new TextEncoder().encode('aaaaaa') } : i)) }, 'RPM_PAYLOAD_BAD'],
      ['duplicate', { files: two, cpio: (items) => [items[0]!, items[0]!, items[1]!] }, 'RPM_PAYLOAD_BAD'],
      ['missing', { files: two, cpio: (items) => [items[0]!] }, 'RPM_PAYLOAD_BAD'],
      ['content differs', { files: two, cpio: (items) => items.map((i) => (i.name === './b' ? { ...i, data: new TextEncoder().encode('XX') } : i)) }, 'RPM_DIGEST_MISMATCH'],
      ['not cpio', { files: two, rawCpio: new TextEncoder().encode('this is not a cpio archive at all') }, 'RPM_PAYLOAD_BAD'],
      ['truncated cpio', { files: two, rawCpio: new TextEncoder().encode('070701000000') }, 'RPM_PAYLOAD_BAD'],
    ];
    for (const [name, options, expected] of cases) {
      const rpm = write(dir, craftRpm({ ...options, compressor }));
      await assert.rejects(unpackRpm(rpm, join(dir, `out-${name}`), { fileDigests: 'always' }), code(expected), name);
      assert.ok(!existsSync(join(dir, `out-${name}`)), name);
      assert.deepEqual(readdirSync(outside), [], name);
    }
    // A flipped byte in the compressed payload: the payload digest says so (whatever the decoder
    // or the cpio reader made of it), and nothing is left.
    const bytes = craftRpm({ compressor, files: two });
    bytes[bytes.length - 20] ^= 0x55;
    const rpm = write(dir, bytes);
    await assert.rejects(unpackRpm(rpm, join(dir, 'out-flipped')), code('RPM_DIGEST_MISMATCH'));
    assert.deepEqual(readdirSync(dir).sort(), ['outside', 'p.rpm']);
  });
}

test('an unknown payload compressor is refused', async (t) => {
  const dir = workdir(t);
  const rpm = write(
    dir,
    craftRpm({
      files: [{ path: '/a', mode: 0o100644, content: 'a' }],
      mainExtra: [{ tag: TAG.PAYLOADCOMPRESSOR, type: RPM_TYPE.STRING, value: 'lz4' }],
    }),
  );
  await assert.rejects(unpackRpm(rpm, join(dir, 'out')), code('RPM_COMPRESSOR_UNKNOWN'));
  assert.deepEqual(readdirSync(dir), ['p.rpm']);
});

test('a non-empty target is refused', async (t) => {
  const dir = workdir(t);
  const rpm = write(dir, craftRpm({ files: [{ path: '/a', mode: 0o100644, content: 'a' }] }));
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'out', 'keep'), 'x');
  await assert.rejects(unpackRpm(rpm, join(dir, 'out')), code('RPM_UNPACK_TARGET'));
  assert.deepEqual(readdirSync(join(dir, 'out')), ['keep']);
});

test('capability text parses like libcap', () => {
  assert.equal(Buffer.from(fileCapsXattr('cap_net_raw=ep')!).toString('hex'), '0100000200200000000000000000000000000000');
  assert.equal(fileCapsXattr(''), null);
  const all = parseCapText('=ep cap_sys_admin-e');
  assert.equal(all.permitted, (1n << 41n) - 1n);
  assert.equal(all.effective, ((1n << 41n) - 1n) & ~(1n << 21n));
  assert.throws(() => parseCapText('cap_bogus=ep'), code('RPM_FILECAPS_BAD'));
});
