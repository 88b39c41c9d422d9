import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';
import { SysrootLayout, systemRepoProvider } from '../../sysroot/index.js';
import { hostStatus, formatHostStatus, rollback } from '../../host/index.js';

/** rpm-ostree's client verbs at the top level. */
export function registerHostCommands(program: Command, context: CliContext): void {
  program
    .command('status')
    .description('show deployments (default, booted, rollback, pinned)')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('--json', 'print rpm-ostree status --json shaped output')
    .option('-v, --verbose', 'more fields (StateRoot)')
    .action(async (opts: { sysroot?: string; json?: boolean; verbose?: boolean }) => {
      const layout = new SysrootLayout(opts.sysroot ?? '/');
      let repo;
      try {
        repo = await systemRepoProvider().open(layout.repoDir);
      } catch {
        repo = undefined; // still list deployments when the repo cannot be opened
      }
      const { status } = await hostStatus(layout, repo);
      if (opts.json) context.printJson(status);
      else context.out(formatHostStatus(status, Boolean(opts.verbose)));
    });

  program
    .command('rollback')
    .description('make the previous deployment the default')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('-r, --reboot', 'reboot afterwards (recorded only: atoll never reboots the machine)')
    .action(async (opts: { sysroot?: string; reboot?: boolean }) => {
      const layout = new SysrootLayout(opts.sysroot ?? '/');
      const { from, to } = await rollback(layout, await systemRepoProvider().open(layout.repoDir), context.reporter);
      context.out(`Moving '${to.csum}.${to.deployserial}' to be first deployment`);
      context.out(`Previous default: ${from.osname} ${from.csum}.${from.deployserial}`);
      if (opts.reboot) context.notice('--reboot: not rebooting (atoll leaves reboots to you); run systemctl reboot');
      else context.out('Run "systemctl reboot" to start a reboot');
    });

  registerPlanned(program, [
    ['upgrade', 'pull the latest commit of the origin and deploy it'],
    ['deploy', 'deploy a specific commit or version'],
    ['rebase', 'switch to another refspec (or install the first deployment)'],
    ['cleanup', 'remove pending, rollback or cached data'],
    ['kargs', 'change kernel arguments in a new deployment'],
    ['install', 'layer packages onto the base tree'],
    ['uninstall', 'remove layered packages'],
    ['override', 'remove or replace base packages (remove, replace, reset)'],
  ]);
}
