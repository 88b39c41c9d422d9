/**
 * Core code never prints. It reports typed events through a Reporter that the caller injects;
 * the CLI turns them into a TTY progress bar, plain lines or JSON lines (src/cli/render/).
 * Tests pass a RecordingReporter and assert on the events.
 *
 * Events may arrive from concurrent work in any order; a phase is identified by its name.
 */
export type ProgressUnit = 'items' | 'bytes';

export type ReportEvent =
  | { type: 'phase-start'; phase: string; total?: number; unit?: ProgressUnit }
  | { type: 'progress'; phase: string; done: number; total?: number; unit?: ProgressUnit; bytes?: number }
  | { type: 'phase-end'; phase: string; detail?: string }
  | { type: 'message'; level: MessageLevel; text: string; code?: string };

export type MessageLevel = 'debug' | 'info' | 'warn';

export interface Reporter {
  emit(event: ReportEvent): void;
}

/** The default: drops everything. */
export const nullReporter: Reporter = { emit() {} };

/** Keeps every event, for tests. */
export class RecordingReporter implements Reporter {
  readonly events: ReportEvent[] = [];
  emit(event: ReportEvent): void {
    this.events.push(event);
  }
  messages(level?: MessageLevel): string[] {
    return this.events
      .filter((e): e is Extract<ReportEvent, { type: 'message' }> => e.type === 'message')
      .filter((e) => level === undefined || e.level === level)
      .map((e) => e.text);
  }
  phases(): string[] {
    return this.events.filter((e) => e.type === 'phase-start').map((e) => e.phase);
  }
}

/** Small conveniences so call sites read as sentences. */
export function info(reporter: Reporter, text: string): void {
  reporter.emit({ type: 'message', level: 'info', text });
}
export function warn(reporter: Reporter, text: string, code?: string): void {
  reporter.emit(code === undefined ? { type: 'message', level: 'warn', text } : { type: 'message', level: 'warn', text, code });
}
export function debug(reporter: Reporter, text: string): void {
  reporter.emit({ type: 'message', level: 'debug', text });
}

/**
 * Run `work` as a named phase: emits phase-start, then phase-end even when work throws (with
 * detail "failed"), so renderers never leave a bar hanging.
 */
export async function phase<T>(
  reporter: Reporter,
  name: string,
  work: (tick: (done: number, total?: number, bytes?: number) => void) => Promise<T>,
  options: { total?: number; unit?: ProgressUnit } = {},
): Promise<T> {
  reporter.emit({ type: 'phase-start', phase: name, ...options });
  let failed = true;
  try {
    const result = await work((done, total, bytes) =>
      reporter.emit({
        type: 'progress',
        phase: name,
        done,
        ...(total ?? options.total) !== undefined ? { total: total ?? options.total } : {},
        ...(options.unit ? { unit: options.unit } : {}),
        ...(bytes !== undefined ? { bytes } : {}),
      }),
    );
    failed = false;
    return result;
  } finally {
    reporter.emit(failed ? { type: 'phase-end', phase: name, detail: 'failed' } : { type: 'phase-end', phase: name });
  }
}
