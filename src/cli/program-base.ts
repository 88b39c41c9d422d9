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
