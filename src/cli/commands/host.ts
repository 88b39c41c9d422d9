import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import type * as SysrootModule from '../../sysroot/index.js';
import type { HostTransactionResult, LayeringChange } from '../../host/index.js';
import type * as HostModule from '../../host/index.js';

// Implementations load in a preAction hook (see program.ts): start-up only registers names and options.
let sysroot: typeof SysrootModule;
let host: typeof HostModule;

/** Load what the actions of this file call (once; before the first action runs). */
export async function loadHostCommands(): Promise<void> {
  [sysroot, host] = await Promise.all([import('../../sysroot/index.js'), import('../../host/index.js')]);
}

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
      const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
      let repo;
      try {
        repo = await sysroot.systemRepoProvider().open(layout.repoDir);
      } catch {
        repo = undefined; // still list deployments when the repo cannot be opened
      }
      const { status } = await host.hostStatus(layout, repo);
      if (opts.json) context.printJson(status);
      else context.out(host.formatHostStatus(status, Boolean(opts.verbose)));
    });

  program
    .command('rollback')
    .description('make the previous deployment the default')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('-r, --reboot', 'reboot afterwards (recorded only: atoll never reboots the machine)')
    .action(async (opts: { sysroot?: string; reboot?: boolean }) => {
      const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
      const { from, to } = await host.rollback(layout, await sysroot.systemRepoProvider().open(layout.repoDir), context.reporter);
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
      const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
      if (!opts.pending && !opts.rollback && !opts.base && !opts.repomd) {
        throw new AtollError('CLI_USAGE', 'cleanup needs at least one of -p, -r, -b, -m');
      }
      const removed = await host.hostCleanup(layout, await sysroot.systemRepoProvider().open(layout.repoDir), { pending: Boolean(opts.pending), rollback: Boolean(opts.rollback) }, context.reporter);
      for (const d of removed) context.out(`Deployment ${d.osname} ${d.csum}.${d.deployserial} removed`);
      // Every cleanup also removes unreferenced deployments, boot files and repo objects (and
      // partial commits left by --check, --preview or an interrupted pull); -b asks for only that.
      if (opts.base) context.out('Unreferenced deployments, boot files and objects removed');
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
      const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
      const edit = { append: opts.append ?? [], appendIfMissing: opts.appendIfMissing ?? [], delete: opts.delete ?? [], deleteIfPresent: opts.deleteIfPresent ?? [], replace: opts.replace ?? [] };
      if (Object.values(edit).every((list) => list.length === 0)) {
        context.out(await host.currentKargs(layout, opts.os));
        return;
      }
      const { changed } = await host.editKargs(layout, await sysroot.systemRepoProvider().open(layout.repoDir), opts.os, edit, context.reporter);
      context.out(changed ? 'Kernel arguments updated.\nRun "systemctl reboot" to start a reboot' : 'Kernel arguments unchanged.');
    });

  const isoTime = (seconds: number | undefined): string => (seconds === undefined ? '' : ` (${new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')})`);
  /** What every deployment verb prints: the package diff, then the reboot and /etc notes. */
  const report = (result: HostTransactionResult, opts: { reboot?: boolean; check?: boolean; preview?: boolean; unchangedExit77?: boolean }, noChange: string): void => {
    if (result.outcome === 'no-change') {
      context.out(noChange);
      if (opts.check || opts.unchangedExit77) process.exitCode = 77;
      return;
    }
    if (result.outcome === 'available') {
      context.out('AvailableUpdate:');
      if (result.toVersion !== undefined) context.out(`${'Version'.padStart(15)}: ${result.toVersion}${isoTime(result.toTimestamp)}`);
      context.out(`${'Commit'.padStart(15)}: ${result.to}`);
      if (opts.preview && result.diff) for (const line of host.formatDiffBlock(result.diff)) context.out(`  ${line}`);
      else context.out(`${'Diff'.padStart(15)}: ${result.diff ? host.formatDiffSummary(result.diff) : 'unknown (no package list)'}`);
      return;
    }
    if (result.diff) {
      const lines = host.formatDiffBlock(result.diff);
      context.out(lines.length > 0 ? lines.join('\n') : 'No package changes.');
    } else if (result.from !== undefined) {
      context.out('No package list in the commits: package changes unknown.');
    }
    const d = result.deployment;
    if (d) context.out(`Deployed ${d.osname} ${d.csum}.${d.deployserial}${result.toVersion !== undefined ? ` (version ${result.toVersion})` : ''}`);
    // Not staged: the /etc merge happened just now, not at shutdown as on a booted rpm-ostree system.
    context.out('Note: /etc was merged into the new deployment now; /etc changes made after this are not carried over.');
    if (opts.reboot) context.notice('--reboot: not rebooting (atoll leaves reboots to you); run systemctl reboot');
    else context.out('Run "systemctl reboot" to start a reboot');
  };

  program
    .command('upgrade')
    .alias('update')
    .description('pull the latest commit of the origin and deploy it')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('--os <name>', 'the stateroot')
    .option('--check', 'only check whether an update is available (exit 77 when not)')
    .option('--preview', 'as --check, and show the package diff')
    .option('--allow-downgrade', 'permit an older commit')
    .option('--unchanged-exit-77', 'exit 77 when there is no update')
    .option('--bypass-driver', 'ignore a registered update driver (atoll has none)')
    .option('-r, --reboot', 'reboot afterwards (recorded only: atoll never reboots the machine)')
    .action(async (opts: { sysroot?: string; os?: string; check?: boolean; preview?: boolean; allowDowngrade?: boolean; unchangedExit77?: boolean; reboot?: boolean }) => {
      const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
      const result = await host.hostUpgrade(layout, { osname: opts.os, check: Boolean(opts.check), preview: Boolean(opts.preview), allowDowngrade: Boolean(opts.allowDowngrade) }, context.reporter);
      report(result, opts, 'No upgrade available.');
    });

  program
    .command('deploy <revision>')
    .description('deploy a specific commit (checksum, revision=CSUM) or version (version=V) of the origin\'s ref')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('--os <name>', 'the stateroot')
    .option('--preview', 'show the package diff without deploying')
    .option('--skip-branch-check', 'do not require the commit to be in the history of the tracked ref')
    .option('--unchanged-exit-77', 'exit 77 when the revision is already deployed')
    .option('--bypass-driver', 'ignore a registered update driver (atoll has none)')
    .option('-r, --reboot', 'reboot afterwards (recorded only)')
    .action(async (revision: string, opts: { sysroot?: string; os?: string; preview?: boolean; skipBranchCheck?: boolean; unchangedExit77?: boolean; reboot?: boolean }) => {
      const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
      const result = await host.hostDeploy(layout, revision, { osname: opts.os, preview: Boolean(opts.preview), skipBranchCheck: Boolean(opts.skipBranchCheck) }, context.reporter);
      report(result, { ...opts, preview: true }, `Revision ${result.to} is already deployed.`);
    });

  program
    .command('rebase <refspec>')
    .description('track another refspec (remote:ref, :localref, remote:, or ref on the current remote); installs the first deployment of a stateroot')
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('--os <name>', 'the stateroot (created when it does not exist yet)')
    .option('--skip-purge', 'keep the old ref in the repository')
    .option('--bypass-driver', 'ignore a registered update driver (atoll has none)')
    .option('-r, --reboot', 'reboot afterwards (recorded only)')
    .action(async (refspec: string, opts: { sysroot?: string; os?: string; skipPurge?: boolean; reboot?: boolean }) => {
      const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
      const result = await host.hostRebase(layout, refspec, { osname: opts.os, skipPurge: Boolean(opts.skipPurge) }, context.reporter);
      report(result, opts, `Already on ${result.refspec} at ${result.to}.`);
    });

  /** Shared by install/uninstall/override: run the layering change and print what happened. */
  const layering = async (change: LayeringChange, opts: LayeringCliOptions): Promise<void> => {
    const layout = new sysroot.SysrootLayout(opts.sysroot ?? '/');
    const repofrompath = (opts.repofrompath ?? []).map((v) => {
      const comma = v.indexOf(',');
      if (comma <= 0) throw new AtollError('CLI_USAGE', `--repofrompath wants ID,URL, got '${v}'`);
      return { id: v.slice(0, comma), url: v.slice(comma + 1) };
    });
    const result = await host.hostLayering(
      layout,
      change,
      { osname: opts.os, repofrompath, dryRun: Boolean(opts.dryRun), idempotent: Boolean(opts.idempotent), allowInactive: Boolean(opts.allowInactive), cacheOnly: Boolean(opts.cacheonly) },
      context.reporter,
    );
    if (result.outcome === 'no-change') {
      context.out('No change.');
      if (opts.unchangedExit77) process.exitCode = 77;
      return;
    }
    if (result.layered.length > 0) context.out(`Added:\n${result.layered.map((n) => `  ${n}`).join('\n')}`);
    if (result.removed.length > 0) context.out(`Removed (base):\n${result.removed.map((n) => `  ${n}`).join('\n')}`);
    if (result.replaced.length > 0) context.out(`Replaced (base):\n${result.replaced.map(([n, o]) => `  ${o} -> ${n}`).join('\n')}`);
    if (result.outcome === 'dry-run') {
      context.out('Exiting because of \'--dry-run\' option');
      return;
    }
    report({ osname: result.osname, from: undefined, to: result.commit ?? '', toVersion: undefined, toTimestamp: undefined, diff: result.diff, deployment: result.deployment, refspec: '', outcome: 'deployed' }, opts, '');
  };
  const layeringOptions = (cmd: Command): Command =>
    cmd
      .option('--sysroot <dir>', 'the system root (default /)')
      .option('--os <name>', 'the stateroot')
      .option('--repofrompath <id,url>', 'an extra rpm-md repository', collect)
      .option('-n, --dry-run', 'resolve and print the transaction; deploy nothing')
      .option('--idempotent', 'do nothing when the request is already satisfied')
      .option('--allow-inactive', 'record requests that the base does not need (yet)')
      .option('-C, --cacheonly', 'use only cached rpm-md metadata')
      .option('--unchanged-exit-77', 'exit 77 when nothing changes')
      .option('-r, --reboot', 'reboot afterwards (recorded only)');
  const isLocal = (arg: string): boolean => arg.endsWith('.rpm');

  layeringOptions(program.command('install <packages...>').description('layer packages (names, provides, or local .rpm files) onto the base tree')).action(
    async (packages: string[], opts: LayeringCliOptions) => {
      await layering({ install: packages.filter((p) => !isLocal(p)), installLocal: packages.filter(isLocal) }, opts);
    },
  );
  layeringOptions(program.command('uninstall <packages...>').description('remove layered packages')).action(async (packages: string[], opts: LayeringCliOptions) => {
    await layering({ uninstall: packages }, opts);
  });
  const override = program.command('override').description('remove or replace base packages (remove, replace, reset)');
  layeringOptions(override.command('remove <packages...>').description('remove base packages in a new deployment')).action(async (packages: string[], opts: LayeringCliOptions) => {
    await layering({ overrideRemove: packages }, opts);
  });
  layeringOptions(override.command('replace <files...>').description('replace base packages with local .rpm files')).action(async (files: string[], opts: LayeringCliOptions) => {
    await layering({ overrideReplace: files }, opts);
  });
  layeringOptions(override.command('reset [packages...]').description('undo overrides of base packages').option('-a, --all', 'undo every override')).action(
    async (packages: string[], opts: LayeringCliOptions & { all?: boolean }) => {
      if (!opts.all && packages.length === 0) throw new AtollError('CLI_USAGE', 'override reset needs package names or --all');
      await layering({ overrideReset: opts.all ? 'all' : packages }, opts);
    },
  );
}

interface LayeringCliOptions {
  sysroot?: string;
  os?: string;
  repofrompath?: string[];
  dryRun?: boolean;
  idempotent?: boolean;
  allowInactive?: boolean;
  cacheonly?: boolean;
  unchangedExit77?: boolean;
  reboot?: boolean;
}
