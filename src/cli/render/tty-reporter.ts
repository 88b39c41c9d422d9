import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import type { Reporter, ReportEvent } from '../../report/index.js';
import { formatBytes } from './plain-reporter.js';

// Loaded on the first bar, not at every start (20 files; most runs never draw a bar).
let cliProgressLib: typeof CliProgress | undefined;
function loadCliProgress(): typeof CliProgress {
  cliProgressLib ??= createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  return cliProgressLib;
}

/**
 * Interactive terminals: one redrawn progress line on stderr (cli-progress, throttled to
 * about 10 Hz), shown only once a phase has run for 200 ms so quick phases do not flicker,
 * and cleared before any message line.
 */
export class TtyReporter implements Reporter {
  private bar: CliProgress.SingleBar | undefined;
  private barPhase: string | undefined;
  private readonly started = new Map<string, number>();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly showDebug: boolean,
  ) {}

  emit(event: ReportEvent): void {
    switch (event.type) {
      case 'phase-start':
        this.started.set(event.phase, Date.now());
        break;
      case 'progress': {
        const begun = this.started.get(event.phase) ?? Date.now();
        if (Date.now() - begun < 200 && this.barPhase !== event.phase) return;
        this.show(event.phase, event.done, event.total, event.unit);
        break;
      }
      case 'phase-end':
        if (this.barPhase === event.phase) this.stop();
        this.started.delete(event.phase);
        if (event.detail) this.line(`${event.phase}: ${event.detail}`);
        break;
      case 'message':
        if (event.level === 'debug' && !this.showDebug) return;
        this.line(event.level === 'info' ? event.text : `${event.level}: ${event.text}`);
        break;
    }
  }

  private show(phase: string, done: number, total: number | undefined, unit: string | undefined): void {
    const value = (n: number): string => (unit === 'bytes' ? formatBytes(n) : String(n));
    if (this.barPhase !== phase) {
      this.stop();
      const cliProgress = loadCliProgress();
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          fps: 10,
          clearOnComplete: true,
          hideCursor: true,
          format: total ? `${phase} [{bar}] {percentage}% {shown}` : `${phase} {shown}`,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total ?? 0, done, { shown: '' });
      this.barPhase = phase;
    }
    if (total !== undefined) this.bar?.setTotal(total);
    this.bar?.update(done, { shown: total ? `${value(done)}/${value(total)}` : value(done) });
  }

  private stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.barPhase = undefined;
  }

  private line(text: string): void {
    const phase = this.barPhase;
    this.stop();
    this.stream.write(`${text}\n`);
    if (phase !== undefined) this.barPhase = undefined;
  }

  close(): void {
    this.stop();
  }
}
