// Architecture invariants that a grep can check (docs/ARCHITECTURE.md, "Invariants"):
// every import points down the layer stack, and other folders are entered through index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/env.js';

/** Longest matching prefix wins. Equal layers may import each other only inside one module. */
export const LAYERS: ReadonlyArray<readonly [string, number]> = [
  ['errors', 0], ['report', 0.1], ['util', 0.2],
  ['gvariant', 1], ['keyfile', 1], ['rpm', 1], ['solver', 1],
  ['ostree/objects', 2], ['ostree', 2.5], ['rpmmd', 2.5],
  ['ostree/pull', 3], ['ostree/serve', 3], ['depsolve', 3], ['sysroot', 3],
  ['assemble', 4],
  ['compose', 5], ['host', 5],
  ['demo', 5.5],
  ['cli', 6],
];

function layerOf(path: string): { module: string; layer: number } {
  let best: readonly [string, number] | undefined;
  for (const entry of LAYERS) {
    if ((path === entry[0] || path.startsWith(`${entry[0]}/`)) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  if (!best) throw new Error(`src/${path} is in no layer: add its folder to LAYERS and docs/ARCHITECTURE.md`);
  return { module: best[0], layer: best[1] };
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

test('every import in src/ points to the same or a lower layer', () => {
  const srcDir = join(repoRoot, 'src');
  const violations: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const from = relative(srcDir, file);
    const source = layerOf(dirname(from) === '.' ? from : dirname(from));
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      const target = relative(srcDir, resolve(dirname(file), match[1] as string)).replace(/\.js$/, '.ts');
      const to = layerOf(dirname(target));
      const sameModule = source.module === to.module || target.split('/')[0] === from.split('/')[0] && source.layer > to.layer;
      if (to.layer > source.layer || (to.layer === source.layer && !sameModule)) {
        violations.push(`${from} (layer ${source.layer}) imports ${target} (layer ${to.layer})`);
      }
      const crossesTopFolder = target.split('/')[0] !== from.split('/')[0];
      if (crossesTopFolder && !/(^|\/)index\.ts$/.test(target)) {
        violations.push(`${from} imports ${target}: enter another folder through its index.ts`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
