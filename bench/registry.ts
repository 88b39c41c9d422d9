import type { Benchmark } from './harness.js';

/** Every benchmark, by the name `npm run bench -- NAME` takes. Loaded lazily. */
export const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  ostree: async () => (await import('./ostree.js')).default,
  pull: async () => (await import('./pull.js')).default,
  deploy: async () => (await import('./deploy.js')).default,
};
export const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {};
BENCHMARKS.rpm = async () => (await import('./rpm.js')).default;
  solver: async () => (await import('./solver.js')).default,
  deploy: async () => (await import('./deploy.js')).default,
};
