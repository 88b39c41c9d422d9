import type { Benchmark } from './harness.js';

/** Every benchmark, by the name `npm run bench -- NAME` takes. Loaded lazily. */
export const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  ostree: async () => (await import('./ostree.js')).default,
  deploy: async () => (await import('./deploy.js')).default,
};
