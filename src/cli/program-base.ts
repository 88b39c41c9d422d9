import { Command, Option } from 'commander';
import { CliContext } from './context.js';
import { ATOLL_VERSION } from './version.js';

/**
 * The root command with the global options and nothing registered under it: program.ts adds
 * every command group, load-program.ts only the one group an invocation names.
 */
export function createProgram(): { program: Command; context: CliContext } {
  const program = new Command('atoll');
  const context = new CliContext(program);
  program
    .description('Image-like, atomic OS updates built from RPM packages (rpm-ostree and OSTree compatible)')
    .version(ATOLL_VERSION, '--version', 'print the version')
    .addOption(new Option('--debug', 'show stack traces and debug messages (also ATOLL_DEBUG=1)'))
    .addOption(
      new Option('--progress <mode>', 'how progress is shown on stderr')
        .choices(['auto', 'tty', 'plain', 'json', 'none'])
        .default('auto'),
    )
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false });
  return { program, context };
}

/** What a command group file exports to add its verbs. */
export type Register = (program: Command, context: CliContext) => void;

/**
 * `register`, made lazy: the group's files register names and options only, and every
 * top-level command it adds awaits `load` (the group's implementation modules) in a preAction
 * hook, which commander runs for the command and its ancestors and parseAsync awaits. So even
 * the whole tree (`--help`, `--version`) costs no module loading beyond the CLI itself.
 */
export function withLoader(register: Register, load: () => Promise<void>): Register {
  return (program, context) => {
    const before = new Set(program.commands);
    register(program, context);
    for (const command of program.commands) if (!before.has(command)) command.hook('preAction', load);
  };
}
