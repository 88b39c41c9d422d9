import { Command, Option } from 'commander';
import { CliContext } from './context.js';
import { ATOLL_VERSION } from './version.js';

type Register = (program: Command, context: CliContext) => void;

/**
 * Command groups in help order. Loaded on demand: a run whose first word names a group in
 * `words` loads only that group's module (and what it imports), so `atoll rpm unpack` does not
 * pay for compiling the host, ostree and network stacks at startup.
 */
const GROUPS: Array<{ words: readonly string[]; load: () => Promise<Register> }> = [
  { words: [], load: async () => (await import('./commands/host.js')).registerHostCommands },
  { words: ['compose'], load: async () => (await import('./commands/compose.js')).registerComposeCommands },
  { words: [], load: async () => (await import('./commands/db.js')).registerDbCommands },
  { words: [], load: async () => (await import('./commands/repo.js')).registerRepoCommands },
  { words: [], load: async () => (await import('./commands/admin.js')).registerAdminCommands },
  { words: ['rpm'], load: async () => (await import('./commands/rpm.js')).registerRpmCommands },
  { words: ['rpm-repo'], load: async () => (await import('./commands/rpm-repo.js')).registerRpmRepoCommands },
  { words: ['testsolv'], load: async () => (await import('./commands/testsolv.js')).registerTestsolvCommand },
  { words: [], load: async () => (await import('./commands/demo.js')).registerDemoCommand },
];

/** The first word that is not a global option (nor the value of `--progress MODE`). */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--progress') {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * The whole command tree (or, given the argv of a run, the part it needs). Each group lives in its own file under commands/ and registers its
 * verbs here; actions receive the CliContext for output.
 */
export async function buildProgram(argv?: readonly string[]): Promise<{ program: Command; context: CliContext }> {
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

  const word = argv !== undefined ? commandWord(argv) : undefined;
  const wanted = word !== undefined && !argv!.includes('--help') && !argv!.includes('-h') ? GROUPS.filter((g) => g.words.includes(word)) : [];
  for (const group of wanted.length > 0 ? wanted : GROUPS) (await group.load())(program, context);
  return { program, context };
}
