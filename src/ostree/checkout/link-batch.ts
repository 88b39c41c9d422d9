import { linkSync, lstatSync, chmodSync, utimesSync } from 'node:fs';

/**
 * Work for the hardlink checkout's second thread, as a flat list of strings (cheap to post):
 * records `dir, n, (name, checksum) × n` link n files from the repo into `dir`, and records
 * `dir, FINISH, mode` finish a directory (mode, mtime 0) once everything before it is done.
 * Both threads run batches in posting order, so a directory is finished after its contents.
 */
export type LinkBatch = string[];

export const FINISH = '-1';

/**
 * Run one batch. Failures go to `failed` as (dir, name, checksum) triples, (dir, '', '') for a
 * directory that could not be finished; the caller retries them on its ordinary path.
 */
export function runLinkBatch(batch: LinkBatch, objectsDir: string, failed: string[]): number {
  let i = 0;
  let entries = 0;
  while (i < batch.length) {
    const dir = batch[i] as string;
    const count = batch[i + 1] as string;
    if (count === FINISH) {
      try {
        chmodSync(dir, Number(batch[i + 2]));
        utimesSync(dir, 0, 0);
      } catch {
        failed.push(dir, '', '');
      }
      i += 3;
      continue;
    }
    const n = Number(count);
    i += 2;
    for (let k = 0; k < n; k++, i += 2) {
      const name = batch[i] as string;
      const checksum = batch[i + 1] as string;
      const object = `${objectsDir}${checksum.slice(0, 2)}/${checksum.slice(2)}.file`;
      try {
        // Empty (and unreadable) files are the main thread's: ostree never hardlinks empty
        // files, and user checkouts copy unreadable ones.
        const st = lstatSync(object);
        if (st.isFile() && (st.size === 0 || (st.mode & 0o400) === 0)) {
          failed.push(dir, name, checksum);
          continue;
        }
        linkSync(object, `${dir}/${name}`);
      } catch {
        failed.push(dir, name, checksum);
      }
    }
    entries += n;
  }
  return entries;
}
