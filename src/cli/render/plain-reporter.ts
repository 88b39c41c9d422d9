import type { Reporter, ReportEvent } from '../../report/index.js';

/**
 * For pipes and CI: one line per finished phase and per message, on stderr. Progress ticks
 * are dropped (they would flood a log).
 */
export class PlainReporter implements Reporter {
  private readonly started = new Map<string, number>();
  private readonly last = new Map<string, ReportEvent & { type: 'progress' }>();
  constructor(
    private readonly write: (line: string) => void,
    private readonly showDebug: boolean,
  ) {}

  emit(event: ReportEvent): void {
    switch (event.type) {
      case 'phase-start':
        this.started.set(event.phase, Date.now());
        break;
      case 'progress':
        this.last.set(event.phase, event);
        break;
      case 'phase-end': {
        const begun = this.started.get(event.phase);
        const seconds = begun === undefined ? '' : ` in ${((Date.now() - begun) / 1000).toFixed(1)}s`;
        const progress = this.last.get(event.phase);
        const count = progress ? ` (${formatCount(progress.done, progress.unit)})` : '';
        const detail = event.detail ? `: ${event.detail}` : '';
        this.write(`${event.phase}${detail}${count}${seconds}`);
        this.started.delete(event.phase);
        this.last.delete(event.phase);
        break;
      }
      case 'message':
        if (event.level === 'debug' && !this.showDebug) return;
        this.write(event.level === 'info' ? event.text : `${event.level}: ${event.text}`);
        break;
    }
  }
}

export function formatCount(done: number, unit: string | undefined): string {
  return unit === 'bytes' ? formatBytes(done) : String(done);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let index = 0;
  while (value >= 1000 && index < units.length - 1) {
    value /= 1000;
    index++;
  }
  return index === 0 ? `${value} B` : `${value.toFixed(1)} ${units[index]}`;
}
