// The summary file: `summary -u` and reading it back.
export { updateSummary, readSummary, describeSummary, printSummaryRaw, describeSummaryBytes, printSummaryBytesRaw } from './summary.js';
