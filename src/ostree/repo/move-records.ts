/**
 * Transaction's parallel object moves (transaction.ts): move-worker.ts runs a share of a
 * commit's exports (links into an object cache) on a second thread while the main thread runs
 * the rest. Renames are supported too, for callers whose renames stay within directories. Records are flat strings, cheap to post:
 * `op, from, to` with op 'r' (rename; keep an existing target: drop the staged file instead),
 * 'R' (rename, replacing: archive objects) or 'l' (link; failures ignored: best effort).
 * Replies the failed renames as `from, to, message` triples.
 */
import { existsSync, linkSync, renameSync, unlinkSync } from 'node:fs';

export function runMoves(records: readonly string[]): string[] {
  const failed: string[] = [];
  for (let i = 0; i < records.length; i += 3) {
    const op = records[i] as string;
    const from = records[i + 1] as string;
    const to = records[i + 2] as string;
    try {
      if (op === 'l') linkSync(from, to);
      else if (op === 'r' && existsSync(to)) unlinkSync(from);
      else renameSync(from, to);
    } catch (error) {
      // Moved already (a rerun after a worker died): done.
      if (op !== 'l' && !(!existsSync(from) && existsSync(to))) failed.push(from, to, (error as Error).message);
    }
  }
  return failed;
}
