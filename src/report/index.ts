export { nullReporter, RecordingReporter, info, warn, debug, phase } from './reporter.js';
export type { Reporter, ReportEvent, MessageLevel, ProgressUnit } from './reporter.js';
