import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sharedDir, systemPython } from './env.js';
import { runOk } from './run.js';

/** Every .rpm/.drpm under a shared directory, sorted. */
export function findRpms(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findRpms(path));
    else if (entry.endsWith('.rpm') || entry.endsWith('.drpm')) out.push(path);
  }
  return out.sort();
}

export const goldenDir = join(sharedDir, 'fixtures', 'rpm-golden');
export const corpusDir = join(sharedDir, 'corpus', 'rpms');

/** What python3-rpm (rpm 4.18) reads from each package: one object per path (or {error}). */
export function rpmOracle(paths: readonly string[]): Map<string, Record<string, unknown>> {
  const script = join(repoRoot, 'test', 'helpers', 'rpm-oracle.py');
  const out = runOk(systemPython, [script, ...paths], { cwd: '/' });
  const result = new Map<string, Record<string, unknown>>();
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const obj = JSON.parse(line) as Record<string, unknown>;
    result.set(obj.path as string, obj);
  }
  return result;
}
