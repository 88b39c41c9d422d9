import { Command, Option } from 'commander';
import { CliContext } from './context.js';
import { registerRepoCommands, loadRepoCommands } from './commands/repo.js';
import { registerComposeCommands } from './commands/compose.js';
import { registerAdminCommands, loadAdminCommands } from './commands/admin.js';
import { registerDbCommands } from './commands/db.js';
import { registerHostCommands, loadHostCommands } from './commands/host.js';
import { registerRpmCommands, loadRpmCommands } from './commands/rpm.js';
import { registerRpmRepoCommands, loadRpmRepoCommands } from './commands/rpm-repo.js';
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

  // Registering only names and options keeps start-up cheap (`atoll --version`, `--help`, and
  // every verb's own start): the code behind a group is imported by a preAction hook, i.e. only
  // when one of its verbs actually runs. Groups without a loader import inside their actions.
  lazily(program, () => registerHostCommands(program, context), loadHostCommands);
  registerComposeCommands(program, context);
  registerDbCommands(program, context);
  lazily(program, () => registerRepoCommands(program, context), loadRepoCommands);
  lazily(program, () => registerAdminCommands(program, context), loadAdminCommands);
  lazily(program, () => registerRpmCommands(program, context), loadRpmCommands);
  lazily(program, () => registerRpmRepoCommands(program, context), loadRpmRepoCommands);
  registerTestsolvCommand(program, context);
  registerDemoCommand(program, context);
  return { program, context };
}

/**
 * Run `register`, then make every top-level command it added call `load` before its action
 * (commander runs a command's and its ancestors' preAction hooks, awaited by parseAsync).
 */
function lazily(program: Command, register: () => void, load: () => Promise<void>): void {
  const before = new Set(program.commands);
  register();
  for (const command of program.commands) if (!before.has(command)) command.hook('preAction', load);
}
