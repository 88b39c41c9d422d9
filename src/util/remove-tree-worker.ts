/** Worker thread body of removeTreeInWorker (remove-tree.ts). */
import { workerData } from 'node:worker_threads';
import { removeTreeSync } from './remove-tree.js';

removeTreeSync((workerData as { path: string }).path);
