import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SysrootLayout } from '../../sysroot/index.js';
import type * as SysrootModule from '../../sysroot/index.js';
import type * as KeyfileModule from '../../keyfile/index.js';
import type * as HostModule from '../../host/index.js';

// Implementations load in a preAction hook (see program.ts): start-up only registers names and options.
let sysroot: typeof SysrootModule;
let keyfile: typeof KeyfileModule;
let host: typeof HostModule;

/** Load what the actions of this file call (once; before the first action runs). */
export async function loadAdminCommands(): Promise<void> {
  [sysroot, keyfile, host] = await Promise.all([import('../../sysroot/index.js'), import('../../keyfile/index.js'), import('../../host/index.js')]);
}

interface AdminGlobals {
  sysroot?: string;
  os?: string;
  printCurrentDir?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseIndex(text: string): number {
  if (!/^\d+$/.test(text)) throw new AtollError('CLI_USAGE', `invalid deployment index '${text}'`, { hint: 'indexes are the numbers in atoll admin status order, 0 first' });
  return Number(text);
}

/** `atoll admin ...`: OSTree's sysroot verbs (`ostree admin ...`). */
export function registerAdminCommands(program: Command, context: CliContext): void {
  const admin = program
    .command('admin')
    .description("sysroot verbs as 'ostree admin' has them (init-fs, os-init, deploy, ...)")
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('--os <name>', 'the stateroot (default: the booted one, or the only one)')
    .option('--print-current-dir', 'print the directory of the first (default) deployment and exit')
    .action(async () => {
      const g = admin.opts<AdminGlobals>();
      if (!g.printCurrentDir) {
        admin.help();
        return;
      }
      const layout = new sysroot.SysrootLayout(g.sysroot ?? '/');
      // As ostree 2022.7 (ot-main.c): the first deployment of the list, booted or not.
      const first = (await sysroot.loadSysroot(layout)).deployments[0];
      if (!first) throw new AtollError('SYSROOT_NO_DEPLOYMENT', 'Unable to find a deployment in sysroot');
      context.out(resolve(layout.deploymentDir(first.osname, first.csum, first.deployserial)));
    });
  // Options like --sysroot are accepted both before and after the verb, as ostree does.
  const globals = (cmd: Command): AdminGlobals => ({ ...admin.opts<AdminGlobals>(), ...cmd.opts<AdminGlobals>() });
  const layoutOf = (cmd: Command): SysrootLayout => new sysroot.SysrootLayout(globals(cmd).sysroot ?? '/');
  const withSysrootOptions = (cmd: Command): Command => cmd.option('--sysroot <dir>', 'the system root (default /)').option('--os <name>', 'the stateroot');
  const repoOf = async (layout: SysrootLayout) => await sysroot.systemRepoProvider().open(layout.repoDir);
  // `ostree admin` waits for a busy sysroot lock (ot_admin_sysroot_lock), saying so once.
  const adminLock = async <T>(layout: SysrootLayout, what: string, work: () => Promise<T>): Promise<T> =>
    await sysroot.withSysrootLock(layout.lockFile, what, work, { wait: true, onWait: () => context.notice('Waiting for sysroot lock...') });

  withSysrootOptions(admin.command('init-fs <dir>').description('create the OSTree layout in a (possibly populated) root'))
    .option('--modern', 'only create /boot and /ostree')
    .action(async (dir: string, opts: { modern?: boolean }) => {
    await sysroot.initFs(dir, sysroot.systemRepoProvider(), { modern: opts.modern === true });
  });

  withSysrootOptions(admin.command('os-init <name>').description('create a stateroot')).action(async (name: string, _o: unknown, cmd: Command) => {
    const layout = layoutOf(cmd);
    await adminLock(layout, 'admin os-init', () => sysroot.osInit(layout, name));
    context.out(`ostree/deploy/${name} initialized as OSTree root`);
  });

  withSysrootOptions(admin.command('deploy <refspec>').description('check out a commit as a new deployment and make it the default'))
    .option('--karg <arg>', 'set a kernel argument (replaces one with the same key)', collect)
    .option('--karg-append <arg>', 'append a kernel argument', collect)
    .option('--karg-delete <arg>', 'delete a kernel argument (KEY or KEY=VALUE)', collect)
    .option('--retain', 'keep every existing deployment')
    .option('--retain-pending', 'keep pending deployments')
    .option('--retain-rollback', 'keep rollback deployments')
    .option('--not-as-default', 'put the new deployment after the current one')
    .option('--no-merge', 'do not merge /etc from the current deployment')
    .option('--no-prune', 'do not prune the repository afterwards')
    .option('--origin-file <path>', 'use this origin keyfile instead of one made from the refspec')
    .option('--stage', 'stage the deployment for finalization at shutdown (needs a booted system)')
    .action(async (refspec: string, opts: Record<string, unknown>, cmd: Command) => {
      const layout = layoutOf(cmd);
      const g = globals(cmd);
      if (opts.stage) {
        const booted = (await sysroot.loadSysroot(layout)).booted;
        throw new AtollError('SYSROOT_NOT_BOOTED', booted ? 'staged deployments are not supported yet' : 'cannot stage deployment: not currently booted into an OSTree system', {
          hint: 'deploy without --stage: the /etc merge then happens now instead of at shutdown',
        });
      }
      const origin = typeof opts.originFile === 'string' ? keyfile.KeyFile.parse(await readFile(opts.originFile, 'utf8')) : undefined;
      const result = await adminLock(layout, 'admin deploy', async () =>
        sysroot.adminDeploy(
          layout,
          await repoOf(layout),
          {
            refspec,
            ...(g.os !== undefined ? { osname: g.os } : {}),
            kargs: { replace: (opts.karg as string[]) ?? [], append: (opts.kargAppend as string[]) ?? [], delete: (opts.kargDelete as string[]) ?? [] },
            retain: Boolean(opts.retain),
            retainPending: Boolean(opts.retainPending),
            retainRollback: Boolean(opts.retainRollback),
            notAsDefault: Boolean(opts.notAsDefault),
            noMerge: opts.merge === false,
            noPrune: opts.prune === false,
            ...(origin ? { origin } : {}),
          },
          context.reporter,
        ),
      );
      context.out(`${result.deployment.osname} ${result.deployment.csum}.${result.deployment.deployserial}`);
    });

  withSysrootOptions(admin.command('status').description('list deployments'))
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const layout = layoutOf(cmd);
      const state = await sysroot.loadSysroot(layout);
      let repo;
      try {
        repo = await repoOf(layout);
      } catch {
        repo = undefined; // status still lists deployments without the repo (versions unknown)
      }
      const rows = await sysroot.deploymentStatus(repo, state);
      if (opts.json) context.printJson({ deployments: rows, bootversion: state.bootversion, subbootversion: state.subbootversion });
      else context.out(sysroot.formatAdminStatus(state, rows));
    });

  withSysrootOptions(admin.command('undeploy <index>').description('remove a deployment by index')).action(async (index: string, _o: unknown, cmd: Command) => {
    const layout = layoutOf(cmd);
    const i = parseIndex(index);
    await adminLock(layout, 'admin undeploy', async () => sysroot.undeploy(layout, await repoOf(layout), i, context.reporter));
  });

  withSysrootOptions(admin.command('cleanup').description('delete deployments, boot files and objects no longer needed')).action(async (_o: unknown, cmd: Command) => {
    const layout = layoutOf(cmd);
    await adminLock(layout, 'admin cleanup', async () => sysroot.cleanup(layout, await repoOf(layout), context.reporter));
  });

  const pin = async (index: string, cmd: Command, pinned: boolean): Promise<void> => {
    const layout = layoutOf(cmd);
    const i = parseIndex(index);
    const { changed } = await adminLock(layout, 'admin pin', () => sysroot.setDeploymentPinned(layout, i, pinned));
    context.out(changed ? `Deployment ${i} is now ${pinned ? 'pinned' : 'unpinned'}` : `Deployment ${i} is already ${pinned ? 'pinned' : 'unpinned'}`);
  };
  withSysrootOptions(admin.command('pin <index>').description('keep a deployment across upgrades'))
    .option('-u, --unpin', 'unpin instead')
    .action(async (index: string, opts: { unpin?: boolean }, cmd: Command) => pin(index, cmd, !opts.unpin));
  withSysrootOptions(admin.command('unpin <index>').description('let a pinned deployment be garbage-collected')).action(async (index: string, _o: unknown, cmd: Command) =>
    pin(index, cmd, false),
  );

  withSysrootOptions(admin.command('set-origin <refspec>').description('change the origin refspec of the merge deployment (or --index N)'))
    .option('--index <n>', 'the deployment to change')
    .action(async (refspec: string, opts: { index?: string }, cmd: Command) => {
      const layout = layoutOf(cmd);
      const g = globals(cmd);
      const d = await adminLock(layout, 'admin set-origin', () =>
        sysroot.setOrigin(layout, refspec, { ...(opts.index !== undefined ? { index: parseIndex(opts.index) } : {}), ...(g.os !== undefined ? { osname: g.os } : {}) }),
      );
      context.out(`Deployment ${d.osname} ${d.csum}.${d.deployserial} now tracks ${refspec}`);
    });

  withSysrootOptions(admin.command('config-diff').description('show /etc files changed from the defaults (M, A, D)')).action(async (_o: unknown, cmd: Command) => {
    const diff = await sysroot.configDiff(layoutOf(cmd), globals(cmd).os);
    const lines = sysroot.configDiffLines(diff);
    if (lines.length > 0) context.out(lines.join('\n'));
  });

  const kargs = admin.command('kargs').description('kernel argument verbs');
  withSysrootOptions(kargs.command('edit-in-place').description('change the kernel arguments of existing deployments without a new deployment'))
    .option('--append-if-missing <arg>', 'append KEY=VALUE where KEY is absent', collect)
    .action(async (opts: { appendIfMissing?: string[] }, cmd: Command) => {
      const g = { ...admin.opts<AdminGlobals>(), ...cmd.opts<AdminGlobals>() };
      const layout = new sysroot.SysrootLayout(g.sysroot ?? '/');
      if (!opts.appendIfMissing?.length) throw new AtollError('CLI_USAGE', 'kargs edit-in-place needs --append-if-missing=KEY=VALUE');
      await adminLock(layout, 'admin kargs edit-in-place', () => sysroot.kargsEditInPlace(layout, opts.appendIfMissing ?? []));
    });

  const upgrade = async (cmd: Command, opts: { allowDowngrade?: boolean; overrideCommit?: string; deployOnly?: boolean }, refspec?: string): Promise<void> => {
    const layout = layoutOf(cmd);
    const g = globals(cmd);
    const result = await adminLock(layout, refspec ? 'admin switch' : 'admin upgrade', async () =>
      sysroot.adminUpgrade(
        layout,
        await repoOf(layout),
        {
          ...(g.os !== undefined ? { osname: g.os } : {}),
          ...(refspec !== undefined ? { refspec } : {}),
          ...(opts.overrideCommit !== undefined ? { overrideCommit: opts.overrideCommit } : {}),
          allowDowngrade: Boolean(opts.allowDowngrade),
          // The sysroot layer does not pull; the host layer fetches `remote:ref` origins.
          pull: async (spec: string) => {
            if (!opts.deployOnly) await host.pullRefspec(layout, spec, {}, context.reporter);
          },
        },
        context.reporter,
      ),
    );
    if (!result.changed) context.out('No update available.');
    else context.out(`${result.deployment.osname} ${result.deployment.csum}.${result.deployment.deployserial}`);
  };
  withSysrootOptions(admin.command('upgrade').description('deploy the newest commit of the merge deployment\'s origin'))
    .option('--deploy-only', 'do not pull; deploy what the system repo has')
    .option('--allow-downgrade', 'permit deploying an older commit')
    .option('--override-commit <checksum>', 'deploy this commit of the origin')
    .action(async (opts: { allowDowngrade?: boolean; overrideCommit?: string; deployOnly?: boolean }, cmd: Command) => upgrade(cmd, opts));
  withSysrootOptions(admin.command('switch <refspec>').description('track another refspec and deploy it'))
    .option('--deploy-only', 'do not pull; deploy what the system repo has')
    .action(async (refspec: string, opts: { deployOnly?: boolean }, cmd: Command) => upgrade(cmd, { ...opts, allowDowngrade: true }, refspec));
}
