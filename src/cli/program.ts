import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { createProgram } from './program-base.js';
import { registerRepoCommands } from './commands/repo.js';
import { registerComposeCommands } from './commands/compose.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerDbCommands } from './commands/db.js';
import { registerHostCommands } from './commands/host.js';
import { registerRpmCommands } from './commands/rpm.js';
import { registerRpmRepoCommands } from './commands/rpm-repo.js';
import { registerTestsolvCommand } from './commands/testsolv.js';
import { registerDemoCommand } from './commands/demo.js';

/**
 * The whole command tree. Each group lives in its own file under commands/ and registers its
 * verbs here; actions receive the CliContext for output.
 */
export function buildProgram(): { program: Command; context: CliContext } {
  const { program, context } = createProgram();
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
