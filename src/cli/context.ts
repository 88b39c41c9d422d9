import type { Command } from 'commander';
import type { Reporter } from '../report/index.js';
import { nullReporter } from '../report/index.js';
import { AtollError } from '../errors/index.js';
import { PlainReporter } from './render/plain-reporter.js';
import { JsonLinesReporter } from './render/json-lines-reporter.js';
import { TtyReporter } from './render/tty-reporter.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'none';

/**
 * What a command's action gets to talk to the outside: results go to stdout through `out`
 * or `printJson` (exactly one JSON document with --json), progress and messages go to stderr
 * through the reporter. Only src/cli/ holds one of these.
 */
export class CliContext {
  private made: Reporter | undefined;
  private tty: TtyReporter | undefined;

  constructor(
    readonly program: Command,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  get debug(): boolean {
    return Boolean(this.program.opts().debug) || process.env.ATOLL_DEBUG === '1';
  }

  /** Write result text to stdout (a newline is added when missing). */
  out(text: string): void {
    this.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  /** Write raw bytes to stdout as they are (file contents, preformatted text). */
  outBytes(data: Uint8Array): void {
    this.stdout.write(data);
  }

  printJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A line on stderr that is not progress (a notice the user should read). */
  notice(text: string): void {
    this.tty?.close();
    this.stderr.write(`${text}\n`);
  }

  get reporter(): Reporter {
    if (this.made) return this.made;
    const mode = (this.program.opts().progress ?? 'auto') as ProgressMode;
    const writeLine = (line: string): void => {
      this.stderr.write(`${line}\n`);
    };
    switch (mode) {
      case 'none':
        this.made = nullReporter;
        break;
      case 'json':
        this.made = new JsonLinesReporter(writeLine);
        break;
      case 'plain':
        this.made = new PlainReporter(writeLine, this.debug);
        break;
      case 'tty':
        this.made = this.tty = new TtyReporter(this.stderr, this.debug);
        break;
      case 'auto':
        this.made = this.stderr.isTTY
          ? (this.tty = new TtyReporter(this.stderr, this.debug))
          : new PlainReporter(writeLine, this.debug);
        break;
      default:
        throw new AtollError('CLI_USAGE', `unknown progress mode '${String(mode)}'`, {
          hint: 'use one of auto, tty, plain, json, none',
        });
    }
    return this.made;
  }

  close(): void {
    this.tty?.close();
  }
}
