import { availableParallelism } from 'node:os';

/** A sensible default for CPU-bound fan-out on this machine. */
export function defaultParallelism(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Map over `items` with at most `limit` calls in flight; results keep the input order. The
 * first failure rejects the whole call (other in-flight calls are awaited, none started).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (failure === undefined) {
      const index = next++;
      if (index >= items.length) return;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  if (failure !== undefined) throw failure.error;
  return results;
}
