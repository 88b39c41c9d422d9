import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { createProgram, withLoader } from './program-base.js';

type Register = (program: Command, context: CliContext) => void;

/**
 * Top-level command name → the group file that registers it. Loading every group costs a few
 * hundred milliseconds at each start (rpm-md pulls in undici and saxes, compose yaml...), which
 * is most of a short command's run time (`repo checkout -H` of 50,000 files takes ~0.5 s), so
 * a run loads only the group its argv names. load-program.test.ts checks this table against
 * the full tree of program.ts.
 */
export const COMMAND_GROUPS: Record<string, () => Promise<Register>> = {
  status: host,
  rollback: host,
  cleanup: host,
  kargs: host,
  upgrade: host,
  update: host,
  deploy: host,
  rebase: host,
  install: host,
  uninstall: host,
  override: host,
  compose: async () => (await import('./commands/compose.js')).registerComposeCommands,
  db: async () => (await import('./commands/db.js')).registerDbCommands,
  repo: async () => {
    const group = await import('./commands/repo.js');
    return withLoader(group.registerRepoCommands, group.loadRepoCommands);
  },
  admin: async () => {
    const group = await import('./commands/admin.js');
    return withLoader(group.registerAdminCommands, group.loadAdminCommands);
  },
  rpm: async () => {
    const group = await import('./commands/rpm.js');
    return withLoader(group.registerRpmCommands, group.loadRpmCommands);
  },
  'rpm-repo': async () => {
    const group = await import('./commands/rpm-repo.js');
    return withLoader(group.registerRpmRepoCommands, group.loadRpmRepoCommands);
  },
  testsolv: async () => (await import('./commands/testsolv.js')).registerTestsolvCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
};

async function host(): Promise<Register> {
  const group = await import('./commands/host.js');
  return withLoader(group.registerHostCommands, group.loadHostCommands);
}

/** The command name argv selects: the first word after the global options (or undefined). */
export function commandNameOf(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--progress') {
      i++;
      continue;
    }
    if (arg === '--debug' || arg.startsWith('--progress=')) continue;
    // --help, --version, `--`, anything unexpected: the caller builds the whole tree.
    if (arg.startsWith('-')) return undefined;
    return arg;
  }
  return undefined;
}

/**
 * The program for one run: the root plus the one group argv names, or the whole tree (top-level
 * help, unknown commands with their suggestions) when argv names none.
 */
export async function loadProgram(argv: string[]): Promise<{ program: Command; context: CliContext }> {
  const name = commandNameOf(argv);
  const load = name !== undefined && Object.hasOwn(COMMAND_GROUPS, name) ? COMMAND_GROUPS[name] : undefined;
  if (!load) return (await import('./program.js')).buildProgram();
  const built = createProgram();
  (await load())(built.program, built.context);
  return built;
}
