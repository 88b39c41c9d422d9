// The header byte range atoll reports equals createrepo_c's <rpm:header-range> for every
// corpus package createrepo_c indexes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readRpmPackage } from '../../src/rpm/index.js';
import { requireShared, requireTool, tempDir } from '../helpers/env.js';
import { run } from '../helpers/run.js';
import { corpusDir, findRpms } from '../helpers/rpm-corpus.js';

test('header-range equals createrepo_c for the corpus', (t) => {
  if (!requireTool(t, 'createrepo_c') || !requireShared(t, 'corpus/rpms')) return;
  const dir = tempDir(t);
  const byName = new Map<string, string>();
  findRpms(corpusDir)
    .filter((f) => !f.endsWith('.drpm'))
    .forEach((f, i) => {
      const name = `${i}-${basename(f)}`;
      copyFileSync(f, join(dir, name));
      byName.set(name, f);
    });
  run('createrepo_c', ['--quiet', '--no-database', dir]);
  const primaryName = readdirSync(join(dir, 'repodata')).find((n) => n.endsWith('primary.xml.gz'))!;
  const xml = gunzipSync(readFileSync(join(dir, 'repodata', primaryName))).toString('utf8');
  const packages = xml.split('<package ').slice(1);
  assert.ok(packages.length >= 200, `createrepo_c indexed only ${packages.length} packages`);
  for (const p of packages) {
    const href = /<location href="([^"]+)"/.exec(p)![1]!;
    const [, start, end] = /<rpm:header-range start="(\d+)" end="(\d+)"/.exec(p)!;
    const { pkg } = readRpmPackage(readFileSync(join(dir, href)));
    assert.deepEqual(pkg.headerRange, { start: Number(start), end: Number(end) }, byName.get(href));
  }
});
