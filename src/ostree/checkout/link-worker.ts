/**
 * Worker thread body for large hardlink checkouts: the main thread walks the tree (reads and
 * verifies dirtrees, creates directories) and hands this thread batches of links into
 * directories it has already created, and the finishing of directories (link-batch.ts), so
 * the two halves of the work run on two cores. Failures are sent back at the end and the main
 * thread retries them on its ordinary path (which classifies EMLINK, missing objects...), so
 * behaviour does not depend on which thread did the work.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runLinkBatch, type LinkBatch } from './link-batch.js';

export interface LinkWorkerData {
  /** `<repo>/objects/` with the trailing slash. */
  objectsDir: string;
  /** Int32Array view: [0] = batches run so far (read by the main thread to balance the work). */
  progress: SharedArrayBuffer;
}

/** What failed, as flat triples (see runLinkBatch). */
export interface LinkWorkerDone {
  failed: string[];
}

if (parentPort) {
  const port = parentPort;
  const { objectsDir, progress } = workerData as LinkWorkerData;
  const counter = new Int32Array(progress);
  const failed: string[] = [];
  port.on('message', (batch: LinkBatch | null) => {
    if (batch === null) {
      port.postMessage({ failed } satisfies LinkWorkerDone);
      port.close();
      return;
    }
    runLinkBatch(batch, objectsDir, failed);
    Atomics.add(counter, 0, 1);
  });
}
