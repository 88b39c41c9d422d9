import type { Benchmark } from './harness.js';

/** Every benchmark, by the name `npm run bench -- NAME` takes. Loaded lazily. */
export const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {};
BENCHMARKS.rpm = async () => (await import('./rpm.js')).default;
BENCHMARKS.rpmmd = async () => (await import('./rpmmd.js')).default;
