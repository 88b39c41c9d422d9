import { CommanderError } from 'commander';
import { AtollError } from '../errors/index.js';
import { loadProgram } from './load-program.js';
import { debugRequested } from './code-cache.js';

/** Exit codes, as rpm-ostree and OSTree use them: 0 ok, 1 failure, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Run the CLI and return the exit code. Usage errors print one line; user errors print
 * `atoll: error: <message>` and the hint, never a stack trace unless --debug or ATOLL_DEBUG=1.
 */
export async function main(argv: string[], options: { errorPrefix?: string } = {}): Promise<number> {
  // The ostree front end (src/cli/ostree-compat) prints errors as OSTree does: "error: ...".
  const prefix = options.errorPrefix ?? 'atoll: error: ';
  const { program, context } = await loadProgram(argv);
  program.exitOverride();
  program.configureOutput({
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    outputError: (text, write) => {
      const message = text.trim().replace(/^error: /, '');
      write(`${prefix}${message}\n`);
    },
  });
  for (const command of allCommands(program)) {
    command.exitOverride();
    command.configureOutput(program.configureOutput());
  }
  const debug = debugRequested(argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command may ask for a specific status (upgrade --check: 77 when unchanged).
    const requested = process.exitCode;
    return typeof requested === 'number' && requested !== 0 ? requested : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return EXIT_OK;
      }
      if (error.code === 'commander.executeSubCommandAsync') return error.exitCode;
      return EXIT_USAGE;
    }
    context.close();
    if (error instanceof AtollError) {
      if (error.code === 'CLI_USAGE') {
        process.stderr.write(`${prefix}${error.message}\n`);
        if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
        return EXIT_USAGE;
      }
      process.stderr.write(`${prefix}${formatChain(error)}\n`);
      if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
      if (debug) process.stderr.write(`[${error.code}] ${error.stack ?? ''}\n`);
      return EXIT_FAILURE;
    }
    // Anything else is a bug in atoll: show it in full.
    process.stderr.write(`atoll: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  } finally {
    context.close();
  }
}

/** The message, then the messages of wrapped AtollErrors, joined by ": " (OSTree's style). */
function formatChain(error: AtollError): string {
  const parts = [error.message];
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    if (!parts.some((part) => part.includes(cause instanceof Error ? cause.message : ''))) parts.push(cause.message);
    cause = cause.cause;
  }
  return parts.join(': ');
}

function* allCommands(command: import('commander').Command): Generator<import('commander').Command> {
  for (const sub of command.commands) {
    yield sub;
    yield* allCommands(sub);
  }
}
