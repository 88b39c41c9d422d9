import type { Reporter, ReportEvent } from '../../report/index.js';

/**
 * Machine-readable progress (`--progress=json`): one JSON object per line on stderr, each
 * tagged with a schema version so consumers can rely on the shape (as bootc's progress-v0).
 */
export class JsonLinesReporter implements Reporter {
  constructor(private readonly write: (line: string) => void) {}
  emit(event: ReportEvent): void {
    this.write(JSON.stringify({ schema: 'atoll-progress-v0', time: new Date().toISOString(), ...event }));
  }
}
