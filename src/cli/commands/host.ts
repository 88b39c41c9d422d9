import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** rpm-ostree's client verbs at the top level. */
export function registerHostCommands(program: Command, _context: CliContext): void {
  registerPlanned(program, [
    ['status', 'show deployments (default, booted, rollback, pinned)'],
    ['upgrade', 'pull the latest commit of the origin and deploy it'],
    ['deploy', 'deploy a specific commit or version'],
    ['rebase', 'switch to another refspec (or install the first deployment)'],
    ['rollback', 'make the previous deployment the default'],
    ['cleanup', 'remove pending, rollback or cached data'],
    ['kargs', 'change kernel arguments in a new deployment'],
    ['install', 'layer packages onto the base tree'],
    ['uninstall', 'remove layered packages'],
    ['override', 'remove or replace base packages (remove, replace, reset)'],
  ]);
}
