// The push parser (the unpack's cpio reader) against GNU cpio: an archive `cpio -o -H newc`
// wrote from a real tree, pushed in random chunks, gives every entry with the name, type,
// mode, size, link count, mtime and data the tree has (GNU cpio's hardlink order: the content
// on the last member of a set, the others empty). Refereed by the filesystem cpio read, not by
// atoll's own cpio writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpioPushParser, type CpioEntry } from '../../src/rpm/index.js';
import { mulberry32 } from '../../src/util/index.js';
import { requireTool, tempDir } from '../helpers/env.js';

test('the push parser reads what GNU cpio -o -H newc writes, whatever the chunking', (t) => {
  if (!requireTool(t, 'cpio')) return;
  const root = join(tempDir(t), 'tree');
  mkdirSync(join(root, 'dir/sub'), { recursive: true });
  for (const size of [0, 1, 2, 3, 4, 5, 511, 4096, 70001]) {
    writeFileSync(join(root, `dir/f${size}${'n'.repeat(size % 4)}`), Buffer.alloc(size, size % 251));
  }
  writeFileSync(join(root, 'dir/sub/h1'), 'hardlinked content');
  linkSync(join(root, 'dir/sub/h1'), join(root, 'dir/sub/h2'));
  symlinkSync('../f5n/../../nowhere', join(root, 'dir/link'));
  utimesSync(join(root, 'dir/f3nnn'), 1234567890, 1234567890);

  const list = spawnSync('find', ['.', '-mindepth', '1', '-printf', '%P\n'], { cwd: root, encoding: 'utf8' });
  const names = list.stdout.trim().split('\n').sort();
  const archive = spawnSync('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: root, input: `${names.join('\n')}\n`, maxBuffer: 1 << 24 });
  assert.equal(archive.status, 0, archive.stderr.toString());
  const bytes = new Uint8Array(archive.stdout);

  for (const seed of [1, 2, 3]) {
    const random = mulberry32(seed);
    const seen: { entry: CpioEntry; data: Buffer[] }[] = [];
    const parser = new CpioPushParser({
      entry: (entry) => void seen.push({ entry, data: [] }),
      data: (chunk) => void seen.at(-1)!.data.push(Buffer.from(chunk)),
      end: () => undefined,
    });
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(random() * (random() < 0.3 ? 4 : 3000));
      parser.push(bytes.subarray(at, Math.min(bytes.length, at + n)));
      at += n;
    }
    parser.finish();

    assert.deepEqual(seen.map((s) => s.entry.name), names, `seed ${seed}: names in archive order`);
    const lastOfSet = new Map<number, string>();
    for (const { entry } of seen) if (entry.nlink > 1 && (entry.mode & 0o170000) === 0o100000) lastOfSet.set(entry.ino, entry.name);
    for (const { entry, data } of seen) {
      const path = join(root, entry.name);
      const st = lstatSync(path);
      const what = `seed ${seed}: ${entry.name}`;
      assert.equal(entry.mode, st.mode, what);
      assert.equal(entry.nlink, st.nlink, what);
      assert.equal(entry.mtime, Math.floor(st.mtimeMs / 1000), what);
      const body = Buffer.concat(data);
      let expected: Buffer;
      if (st.isSymbolicLink()) expected = Buffer.from(readlinkSync(path));
      else if (st.isDirectory()) expected = Buffer.alloc(0);
      else expected = st.nlink > 1 && lastOfSet.get(entry.ino) !== entry.name ? Buffer.alloc(0) : readFileSync(path);
      assert.equal(entry.size, expected.length, what);
      assert.ok(body.equals(expected), `${what}: data`);
    }
  }
});
