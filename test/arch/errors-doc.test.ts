// Every error code thrown in src/ is documented in docs/errors.md, and every documented code
// is still thrown somewhere (a code is never silently dropped or invented in the docs only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/env.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

function thrownCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of walk(join(repoRoot, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/new AtollError\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g)) codes.set(match[1] as string, file);
    // Modules that build errors through a small factory mark the codes with `code: 'X'` literals.
    for (const match of text.matchAll(/\berrorCode\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g)) codes.set(match[1] as string, file);
  }
  return codes;
}

function documentedCodes(): Set<string> {
  const text = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
  return new Set([...text.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1] as string));
}

test('every error code thrown in src/ is listed in docs/errors.md', () => {
  const documented = documentedCodes();
  const missing = [...thrownCodes()].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(missing, []);
});

test('every code listed in docs/errors.md is thrown somewhere in src/', () => {
  const thrown = thrownCodes();
  const stale = [...documentedCodes()].filter((code) => !thrown.has(code));
  assert.deepEqual(stale, []);
});
