import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';
import { SysrootLayout, systemRepoProvider } from '../../sysroot/index.js';
import { AtollError } from '../../errors/index.js';
import { hostStatus, formatHostStatus, rollback, hostCleanup, currentKargs, editKargs } from '../../host/index.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

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

  program
    .command('cleanup')
    .description('remove pending or rollback deployments, then unreferenced files and objects')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('-p, --pending', 'remove the pending deployment')
    .option('-r, --rollback', 'remove the rollback deployment')
    .option('-b, --base', 'remove temporary files of interrupted operations')
    .option('-m, --repomd', 'remove cached rpm-md data')
    .action(async (opts: { sysroot?: string; pending?: boolean; rollback?: boolean; base?: boolean; repomd?: boolean }) => {
      const layout = new SysrootLayout(opts.sysroot ?? '/');
      if (!opts.pending && !opts.rollback && !opts.base && !opts.repomd) {
        throw new AtollError('CLI_USAGE', 'cleanup needs at least one of -p, -r, -b, -m');
      }
      const removed = await hostCleanup(layout, await systemRepoProvider().open(layout.repoDir), { pending: Boolean(opts.pending), rollback: Boolean(opts.rollback) }, context.reporter);
      for (const d of removed) context.out(`Deployment ${d.osname} ${d.csum}.${d.deployserial} removed`);
      if (opts.repomd) context.out('No rpm-md cache to remove');
    });

  program
    .command('kargs')
    .description('show the kernel arguments, or change them in a new deployment')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('--os <name>', 'the stateroot')
    .option('--append <karg>', 'append KEY[=VALUE]', collect)
    .option('--append-if-missing <karg>', 'append unless KEY is present', collect)
    .option('--delete <karg>', 'delete KEY or KEY=VALUE', collect)
    .option('--delete-if-present <karg>', 'delete if present', collect)
    .option('--replace <karg>', 'KEY=VALUE or KEY=OLD=NEW', collect)
    .action(async (opts: { sysroot?: string; os?: string; append?: string[]; appendIfMissing?: string[]; delete?: string[]; deleteIfPresent?: string[]; replace?: string[] }) => {
      const layout = new SysrootLayout(opts.sysroot ?? '/');
      const edit = { append: opts.append ?? [], appendIfMissing: opts.appendIfMissing ?? [], delete: opts.delete ?? [], deleteIfPresent: opts.deleteIfPresent ?? [], replace: opts.replace ?? [] };
      if (Object.values(edit).every((list) => list.length === 0)) {
        context.out(await currentKargs(layout, opts.os));
        return;
      }
      const { changed } = await editKargs(layout, await systemRepoProvider().open(layout.repoDir), opts.os, edit, context.reporter);
      context.out(changed ? 'Kernel arguments updated.\nRun "systemctl reboot" to start a reboot' : 'Kernel arguments unchanged.');
    });

  registerPlanned(program, [
    ['upgrade', 'pull the latest commit of the origin and deploy it'],
    ['deploy', 'deploy a specific commit or version'],
    ['rebase', 'switch to another refspec (or install the first deployment)'],
    ['install', 'layer packages onto the base tree'],
    ['uninstall', 'remove layered packages'],
    ['override', 'remove or replace base packages (remove, replace, reset)'],
  ]);
}
