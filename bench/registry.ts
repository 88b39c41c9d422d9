import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './harness.js';

/** Files in bench/ that are machinery or input generators, not benchmarks. */
const NOT_BENCHMARKS = new Set(['harness', 'run', 'registry', 'random', 'gen-tree', 'gen-primary']);

/**
 * Every benchmark, by the name `npm run bench -- NAME` takes: each `bench/NAME.ts` whose default
 * export is a Benchmark. Discovered from the directory, so adding one needs no edit here.
 * Loaded lazily.
 */
export const BENCHMARKS: Record<string, () => Promise<Benchmark>> = Object.fromEntries(
  readdirSync(fileURLToPath(new URL('.', import.meta.url)))
    .filter((file) => file.endsWith('.js') && !NOT_BENCHMARKS.has(file.slice(0, -3)))
    .sort()
    .map((file) => [file.slice(0, -3), async () => ((await import(`./${file}`)) as { default: Benchmark }).default]),
);
