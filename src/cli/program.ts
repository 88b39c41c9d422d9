import { Command, Option } from 'commander';
import { CliContext } from './context.js';
import { registerRepoCommands } from './commands/repo.js';
import { registerComposeCommands } from './commands/compose.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerDbCommands } from './commands/db.js';
import { registerHostCommands } from './commands/host.js';
import { registerRpmCommands } from './commands/rpm.js';
import { registerRpmRepoCommands } from './commands/rpm-repo.js';
import { registerTestsolvCommand } from './commands/testsolv.js';
import { registerDemoCommand } from './commands/demo.js';
import { ATOLL_VERSION } from './version.js';

/**
 * The whole command tree. Each group lives in its own file under commands/ and registers its
 * verbs here; actions receive the CliContext for output.
 */
export function buildProgram(): { program: Command; context: CliContext } {
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

  registerHostCommands(program, context);
  registerComposeCommands(program, context);
  registerDbCommands(program, context);
  registerRepoCommands(program, context);
  registerAdminCommands(program, context);
  registerRpmCommands(program, context);
  registerRpmRepoCommands(program, context);
  registerTestsolvCommand(program, context);
  registerDemoCommand(program, context);
  return { program, context };
}
