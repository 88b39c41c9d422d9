import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { createProgram, withLoader } from './program-base.js';
import { registerRepoCommands, loadRepoCommands } from './commands/repo.js';
import { registerComposeCommands } from './commands/compose.js';
import { registerAdminCommands, loadAdminCommands } from './commands/admin.js';
import { registerDbCommands } from './commands/db.js';
import { registerHostCommands, loadHostCommands } from './commands/host.js';
import { registerRpmCommands, loadRpmCommands } from './commands/rpm.js';
import { registerRpmRepoCommands, loadRpmRepoCommands } from './commands/rpm-repo.js';
import { registerTestsolvCommand } from './commands/testsolv.js';
import { registerDemoCommand } from './commands/demo.js';

/**
 * The whole command tree. Each group lives in its own file under commands/ and registers its
 * verbs here; actions receive the CliContext for output.
 */
export function buildProgram(): { program: Command; context: CliContext } {
  const { program, context } = createProgram();
  // Group files register names and options only; their implementations load when a verb
  // runs (withLoader's preAction hook, or an import inside the action for the smaller groups).
  withLoader(registerHostCommands, loadHostCommands)(program, context);
  registerComposeCommands(program, context);
  registerDbCommands(program, context);
  withLoader(registerRepoCommands, loadRepoCommands)(program, context);
  withLoader(registerAdminCommands, loadAdminCommands)(program, context);
  withLoader(registerRpmCommands, loadRpmCommands)(program, context);
  withLoader(registerRpmRepoCommands, loadRpmRepoCommands)(program, context);
  registerTestsolvCommand(program, context);
  registerDemoCommand(program, context);
  return { program, context };
}
