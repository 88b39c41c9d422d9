// Every real treefile in ../shared/corpus/treefiles whose includes resolve flattens; those whose
// includes point at files missing from the snapshot fail with TREEFILE_INCLUDE_MISSING naming
// the missing file. Includes are read from the corpus MANIFEST, not from atoll.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, lstatSync, statSync, existsSync, unlinkSync, symlinkSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { requireShared, tempDir } from '../helpers/env.js';
import { loadTreefile } from '../../src/compose/index.js';
import { isAtollError, type AtollError } from '../../src/errors/index.js';

interface Row {
  file: string;
  kind: string;
  includes: string[];
  missing: string[];
}

function manifestRows(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 6 || !cells[1]?.startsWith('`')) continue;
    const file = (cells[1] as string).replace(/`/g, '');
    const includeCell = cells[4] as string;
    const includes = [...includeCell.matchAll(/include: ([^<(]+?)(?: \(MISSING\))?(?:<br>|$)/g)].map((m) => (m[1] as string).trim());
    const missing = [...includeCell.matchAll(/include: ([^<]+?) \(MISSING\)/g)].map((m) => (m[1] as string).trim());
    rows.push({ file, kind: cells[2] as string, includes, missing });
  }
  return rows;
}

/**
 * The shared corpus stores git symlinks as small text files holding the target path (the blob
 * git keeps for a symlink). Upstream they are symlinks, so restore them in a private copy.
 */
function restoreGitSymlinks(dir: string): number {
  let restored = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const info = lstatSync(path);
    if (info.isDirectory()) {
      restored += restoreGitSymlinks(path);
    } else if (info.isFile() && info.size < 256) {
      const text = readFileSync(path, 'utf8');
      if (!text.includes('\n') && /^(\.\.\/|[\w.-]+\/)[\w./-]+$/.test(text) && existsSync(join(dirname(path), text))) {
        unlinkSync(path);
        symlinkSync(text, path);
        restored++;
      }
    }
  }
  return restored;
}

test('real treefiles flatten, or fail naming the include missing from the snapshot', async (t) => {
  const corpus = requireShared(t, 'corpus/treefiles');
  if (!corpus) return;
  const work = tempDir(t);
  cpSync(corpus, work, { recursive: true, verbatimSymlinks: true });
  const restored = restoreGitSymlinks(work);
  t.diagnostic(`restored ${restored} git symlinks`);
  const rows = manifestRows(readFileSync(join(corpus, 'MANIFEST.md'), 'utf8')).filter((r) => r.kind === 'treefile');
  assert.ok(rows.length > 50, `MANIFEST lists ${rows.length} treefiles`);
  const included = new Set(rows.flatMap((r) => r.includes.map((inc) => join(dirname(r.file), inc))));
  const missingEverywhere = new Set(rows.flatMap((r) => r.missing.map((inc) => join(dirname(r.file), inc))));
  const roots = rows.filter((r) => !included.has(r.file));
  let flattened = 0;
  let missingFailures = 0;
  for (const root of roots) {
    const path = join(work, root.file);
    if (!statSync(path).isFile()) continue;
    try {
      const { config } = await loadTreefile(path, { basearch: 'x86_64' });
      assert.equal(root.missing.length, 0, `${root.file} includes missing files yet flattened`);
      assert.ok(Array.isArray(config.packages ?? []), `${root.file}: packages is a list`);
      flattened++;
    } catch (error) {
      assert.ok(isAtollError(error, 'TREEFILE_INCLUDE_MISSING'), `${root.file}: ${String(error)}`);
      const missingFile = relative(work, String((error as AtollError).data?.file));
      assert.ok(missingEverywhere.has(missingFile), `${root.file}: ${missingFile} is not marked MISSING in the MANIFEST`);
      missingFailures++;
    }
  }
  t.diagnostic(`${roots.length} root treefiles: ${flattened} flattened, ${missingFailures} failed on includes missing from the snapshot`);
  assert.ok(flattened >= 20);
});

test('Fedora CoreOS flattens with its variables, conditionals and arch packages', async (t) => {
  const corpus = requireShared(t, 'corpus/treefiles/fedora-coreos-config');
  if (!corpus) return;
  const { config, files } = await loadTreefile(join(corpus, 'manifest.yaml'), { basearch: 'x86_64' });
  assert.equal(config.ref, 'fedora/x86_64/coreos/testing-devel');
  assert.equal(config.releasever, 40);
  const packages = config.packages as string[];
  assert.ok(packages.includes('bootupd') && packages.includes('grub2') && packages.includes('microcode_ctl'));
  assert.ok(!packages.includes('grub2-efi-aa64'), 'aarch64 packages stay out of an x86_64 compose');
  assert.deepEqual(config.repos, ['fedora', 'fedora-updates']);
  assert.equal(config['automatic-version-prefix'], '40.<date:%Y%m%d>.dev');
  assert.ok(files.some((f) => f.endsWith('disable-zincati.yaml')), 'prod == false pulls in disable-zincati.yaml');
  assert.ok(files.some((f) => f.endsWith('wifi-firmwares.yaml')), 'releasever < 41 pulls in wifi-firmwares.yaml');
  assert.ok(!files.some((f) => f.endsWith('composefs.yaml')), 'releasever >= 41 stays out');
  const aarch64 = await loadTreefile(join(corpus, 'manifest.yaml'), { basearch: 'aarch64' });
  assert.ok((aarch64.config.packages as string[]).includes('grub2-efi-aa64'));
});
