import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffEtcDirs } from './snapshot.js';

test('diffEtcDirs: equal-size files with different bytes are modified; identical ones are not', () => {
  const root = mkdtempSync(join(tmpdir(), 'atoll-etcdiff-'));
  try {
    const orig = join(root, 'usr-etc');
    const mod = join(root, 'etc');
    for (const dir of [orig, mod]) {
      mkdirSync(join(dir, 'd'), { recursive: true });
      writeFileSync(join(dir, 'same'), 'x'.repeat(100_000));
      writeFileSync(join(dir, 'd/big'), Buffer.alloc(200_000, 7));
    }
    writeFileSync(join(orig, 'flip'), 'abc');
    writeFileSync(join(mod, 'flip'), 'abd');
    writeFileSync(join(orig, 'grow'), 'a');
    writeFileSync(join(mod, 'grow'), 'ab');
    writeFileSync(join(orig, 'gone'), '');
    symlinkSync('same', join(mod, 'new-link'));
    writeFileSync(join(mod, 'd/big'), Buffer.concat([Buffer.alloc(199_999, 7), Buffer.from([8])]));
    assert.deepEqual(diffEtcDirs(orig, mod), { removed: ['gone'], modified: ['d/big', 'flip', 'grow'], added: ['new-link'] });
    assert.deepEqual(diffEtcDirs(join(root, 'missing'), join(root, 'missing')), { removed: [], modified: [], added: [] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
