/** Worker thread body of the hardlink union's second thread (union-checkout.ts, link-planned.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { linkPlanned } from './link-planned.js';

const { records, euid, egid } = workerData as { records: string[]; euid: number; egid: number };
parentPort?.postMessage(linkPlanned(records, euid, egid));
