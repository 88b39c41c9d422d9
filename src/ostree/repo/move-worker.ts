/**
 * Worker thread body of Transaction's parallel object moves (move-records.ts). Imported by
 * nothing: it acts on its workerData as soon as it loads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runMoves } from './move-records.js';

parentPort?.postMessage(runMoves((workerData as { records: string[] }).records));
