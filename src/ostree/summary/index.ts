// The summary file: `summary -u` and reading it back.
export { updateSummary, readSummary, describeSummary, printSummaryRaw } from './summary.js';
