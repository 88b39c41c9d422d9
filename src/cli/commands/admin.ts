import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Reporter } from '../../report/index.js';
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
/** The lines `ostree admin` prints on stdout, among the info messages of a sysroot operation. */
const OSTREE_STDOUT_MESSAGES = /^(Relabeling \/var |Copying \/etc changes: |Bootloader updated; |Transaction complete; |Freed objects: )/;

/**
 * A reporter that keeps those lines (and hands every event on to the CLI's reporter, so
 * progress and the other messages still reach stderr).
 */
function collectOstreeMessages(forward: Reporter): { reporter: Reporter; lines: string[] } {
  const lines: string[] = [];
  const reporter: Reporter = {
    emit(event) {
      if (event.type === 'message' && event.level === 'info' && OSTREE_STDOUT_MESSAGES.test(event.text)) lines.push(event.text);
      else forward.emit(event);
    },
  };
  return { reporter, lines };
}

export function registerAdminCommands(program: Command, context: CliContext): void {
  const admin = program
    .command('admin')
    .description("sysroot verbs as 'ostree admin' has them (init-fs, os-init, deploy, ...)")
    .option('--sysroot <dir>', 'the system root (default /)')
    .option('--os <name>', 'the stateroot (default: the booted one, or the only one)')
    .option('--print-current-dir', 'print the directory of the first deployment (the default) and exit')
    .action(async () => {
      const g = admin.opts<AdminGlobals>();
      if (!g.printCurrentDir) {
        admin.help();
        return;
      }
      context.out(await sysroot.currentDeploymentDir(new sysroot.SysrootLayout(resolve(g.sysroot ?? '/'))));
    });
  // Options like --sysroot are accepted both before and after the verb, as ostree does.
  const globals = (cmd: Command): AdminGlobals => ({ ...admin.opts<AdminGlobals>(), ...cmd.opts<AdminGlobals>() });
  const layoutOf = (cmd: Command): SysrootLayout => new sysroot.SysrootLayout(globals(cmd).sysroot ?? '/');
  const withSysrootOptions = (cmd: Command): Command => cmd.option('--sysroot <dir>', 'the system root (default /)').option('--os <name>', 'the stateroot');
  const repoOf = async (layout: SysrootLayout) => await sysroot.systemRepoProvider().open(layout.repoDir);
  // `ostree admin` waits for a busy sysroot lock (ot_admin_sysroot_lock), saying so once.
  const adminLock = async <T>(layout: SysrootLayout, what: string, work: () => Promise<T>): Promise<T> =>
    await sysroot.withSysrootLock(layout.lockFile, what, work, { wait: true, onWait: () => context.notice('Waiting for sysroot lock...') });

  // Staging (finalize at shutdown) needs a booted system; atoll does not stage yet either way.
  const refuseStaging = async (layout: SysrootLayout): Promise<never> => {
    const booted = (await sysroot.loadSysroot(layout)).booted;
    throw new AtollError('SYSROOT_NOT_BOOTED', booted ? 'staged deployments are not supported yet' : 'Cannot stage deployment: Not currently booted into an OSTree system', {
      hint: 'deploy without --stage: the /etc merge then happens now instead of at shutdown',
    });
  };

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
    .option('--karg-none', 'start from no kernel arguments instead of the merge deployment\'s')
    .option('--karg-proc-cmdline', 'start from the running kernel\'s arguments (/proc/cmdline)')
    .option('--retain', 'keep every existing deployment')
    .option('--retain-pending', 'keep pending deployments')
    .option('--retain-rollback', 'keep rollback deployments')
    .option('--not-as-default', 'put the new deployment after the current one')
    .option('--no-merge', 'do not merge /etc from the current deployment')
    .option('--no-prune', 'do not prune the repository afterwards')
    .option('--origin-file <path>', 'use this origin keyfile instead of one made from the refspec')
    .option('--stage', 'stage the deployment for finalization at shutdown (needs a booted system)')
    .option('--print-messages', "print ostree's messages (Copying /etc changes, Bootloader updated, Freed objects...) on stdout instead of OS CSUM.SERIAL, as `ostree admin deploy` does")
    .action(async (refspec: string, opts: Record<string, unknown>, cmd: Command) => {
      const layout = layoutOf(cmd);
      const messages = opts.printMessages ? collectOstreeMessages(context.reporter) : undefined;
      const g = globals(cmd);
      if (opts.stage) await refuseStaging(layout);
      if (opts.kargNone && opts.kargProcCmdline) throw new AtollError('CLI_USAGE', "Can't specify both --karg-proc-cmdline and --karg-none");
      const initial = opts.kargNone ? [] : opts.kargProcCmdline ? await sysroot.readProcCmdline() : undefined;
      const origin = typeof opts.originFile === 'string' ? keyfile.KeyFile.parse(await readFile(opts.originFile, 'utf8')) : undefined;
      const result = await adminLock(layout, 'admin deploy', async () =>
        sysroot.adminDeploy(
          layout,
          await repoOf(layout),
          {
            refspec,
            ...(g.os !== undefined ? { osname: g.os } : {}),
            kargs: { ...(initial !== undefined ? { initial } : {}), replace: (opts.karg as string[]) ?? [], append: (opts.kargAppend as string[]) ?? [], delete: (opts.kargDelete as string[]) ?? [] },
            retain: Boolean(opts.retain),
            retainPending: Boolean(opts.retainPending),
            retainRollback: Boolean(opts.retainRollback),
            notAsDefault: Boolean(opts.notAsDefault),
            noMerge: opts.merge === false,
            noPrune: opts.prune === false,
            ...(origin ? { origin } : {}),
          },
          messages?.reporter ?? context.reporter,
        ),
      );
      if (messages) for (const line of messages.lines) context.out(line);
      else context.out(`${result.deployment.osname} ${result.deployment.csum}.${result.deployment.deployserial}`);
    });

  withSysrootOptions(admin.command('status').description('list deployments'))
    .option('--json', 'print JSON')
    .option('-V, --verify', 'print the GPG signatures of each commit (they are printed whenever its remote verifies GPG)')
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
      // As ostree admin status: the signatures of commits whose remote has gpg-verify.
      if (repo !== undefined && !opts.json) {
        const pull = await import('../../ostree/pull/index.js');
        for (const row of rows) {
          const remoteName = row.origin?.includes(':') ? row.origin.slice(0, row.origin.indexOf(':')) : undefined;
          if (remoteName === undefined) continue;
          const remote = await pull.getRemote(layout.repoDir, remoteName).catch(() => undefined);
          if (!remote?.gpgVerify) continue;
          // Only signed commits cost a keyring read; a broken keyring leaves the lines out.
          const detached = await pull.readCommitDetachedMetadata(layout.repoDir, row.checksum).catch(() => undefined);
          if (!detached?.has(pull.GPG_METADATA_KEY)) continue;
          try {
            const keys = await pull.trustedGpgKeys(layout.repoDir, remote.name, remote.options.gpgkeypath);
            const text = await pull.describeCommitGpgSignatures(layout.repoDir, row.checksum, keys, { linePrefix: '    GPG: ', header: false });
            if (text !== undefined) row.gpgLines = text.split('\n');
          } catch (error) {
            context.notice(`GPG: cannot check the signatures of ${row.checksum}: ${(error as Error).message}`);
          }
        }
      }
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

  // `ostree admin pin 0 1`: each index in turn, one line each (as ot-admin-builtin-pin.c).
  const pin = async (indexes: string[], cmd: Command, pinned: boolean): Promise<void> => {
    const layout = layoutOf(cmd);
    const parsed = indexes.map(parseIndex);
    for (const i of parsed) {
      const { changed } = await adminLock(layout, 'admin pin', () => sysroot.setDeploymentPinned(layout, i, pinned));
      context.out(changed ? `Deployment ${i} is now ${pinned ? 'pinned' : 'unpinned'}` : `Deployment ${i} is already ${pinned ? 'pinned' : 'unpinned'}`);
    }
  };
  withSysrootOptions(admin.command('pin <index...>').description('keep deployments across upgrades'))
    .option('-u, --unpin', 'unpin instead')
    .action(async (indexes: string[], opts: { unpin?: boolean }, cmd: Command) => pin(indexes, cmd, !opts.unpin));
  withSysrootOptions(admin.command('unpin <index...>').description('let pinned deployments be garbage-collected')).action(async (indexes: string[], _o: unknown, cmd: Command) =>
    pin(indexes, cmd, false),
  );

  withSysrootOptions(admin.command('set-origin <refspec>').description('change the origin refspec of the merge deployment (or --index N); REMOTE: keeps the ref'))
    .option('--index <n>', 'the deployment to change')
    .option('--url <url>', "add the refspec's remote to the system repo with this URL (unless it exists)")
    .option('--set <key=value>', 'config option of the added remote (repeatable)', collect)
    .action(async (refspec: string, opts: { index?: string; url?: string; set?: string[] }, cmd: Command) => {
      const layout = layoutOf(cmd);
      const g = globals(cmd);
      const d = await sysroot.withSysrootLock(layout.lockFile, 'admin set-origin', async () => {
        if (opts.url !== undefined) {
          const remote = refspec.slice(0, Math.max(0, refspec.indexOf(':')));
          if (remote === '') throw new AtollError('CLI_USAGE', '--url needs a refspec with a remote (REMOTE:[REF])');
          const set = (opts.set ?? []).map((kv): [string, string] => {
            const eq = kv.indexOf('=');
            if (eq <= 0) throw new AtollError('CLI_USAGE', `--set expects KEY=VALUE, got '${kv}'`);
            return [kv.slice(0, eq), kv.slice(eq + 1)];
          });
          const { addRemote } = await import('../../ostree/pull/index.js');
          await addRemote(layout.repoDir, { name: remote, url: opts.url, set, ifNotExists: true });
        }
        return await sysroot.setOrigin(layout, refspec, { ...(opts.index !== undefined ? { index: parseIndex(opts.index) } : {}), ...(g.os !== undefined ? { osname: g.os } : {}) });
      });
      context.out(`Deployment ${d.osname} ${d.csum}.${d.deployserial} now tracks ${sysroot.originRefspec(d) ?? refspec}`);
    });

  withSysrootOptions(admin.command('config-diff').description('show /etc files changed from the defaults (M, A, D)')).action(async (_o: unknown, cmd: Command) => {
    const diff = await sysroot.configDiff(layoutOf(cmd), globals(cmd).os);
    const lines = sysroot.configDiffLines(diff);
    if (lines.length > 0) context.out(lines.join('\n'));
  });

  const instutil = admin.command('instutil').description('installation utilities');
  withSysrootOptions(instutil.command('set-kargs [karg...]').description('set the kernel arguments of the first deployment (a fresh set unless --merge)'))
    .option('--import-proc-cmdline', 'start from the running kernel\'s arguments (/proc/cmdline)')
    .option('--merge', 'start from the deployment\'s current arguments')
    .option('--replace <arg>', 'set KEY=VALUE, replacing earlier arguments with that key', collect)
    .option('--append <arg>', 'append an argument', collect)
    .action(async (args: string[], opts: { importProcCmdline?: boolean; merge?: boolean; replace?: string[]; append?: string[] }, cmd: Command) => {
      const layout = layoutOf(cmd);
      await sysroot.withSysrootLock(layout.lockFile, 'admin instutil set-kargs', async () =>
        sysroot.setKargs(layout, await repoOf(layout), { procCmdline: Boolean(opts.importProcCmdline), merge: Boolean(opts.merge), replace: opts.replace ?? [], append: [...(opts.append ?? []), ...args] }, context.reporter),
      );
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

  type UpgradeFlags = { allowDowngrade?: boolean; overrideCommit?: string; deployOnly?: boolean; pullOnly?: boolean; stage?: boolean };
  const upgrade = async (cmd: Command, opts: UpgradeFlags, refspec?: string): Promise<void> => {
    if (opts.pullOnly && opts.deployOnly) throw new AtollError('CLI_USAGE', 'Cannot simultaneously specify --pull-only and --deploy-only');
    const layout = layoutOf(cmd);
    if (opts.stage && !opts.pullOnly) await refuseStaging(layout);
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
          pullOnly: Boolean(opts.pullOnly),
          // The sysroot layer does not pull; the host layer fetches `remote:ref` origins.
          pull: async (spec: string, check: { timestampCheckFromRev?: string }) => {
            if (!opts.deployOnly) await host.pullRefspec(layout, spec, check, context.reporter);
          },
        },
        context.reporter,
      ),
    );
    if (!result.changed) context.out('No update available.');
    else if (!result.deployment) context.out(`${result.target} pulled; deploy it with upgrade --deploy-only`);
    else context.out(`${result.deployment.osname} ${result.deployment.csum}.${result.deployment.deployserial}`);
  };
  withSysrootOptions(admin.command('upgrade').description('deploy the newest commit of the merge deployment\'s origin'))
    .option('--deploy-only', 'do not pull; deploy what the system repo has')
    .option('--pull-only', 'only pull; deploy later with --deploy-only')
    .option('--stage', 'stage the deployment for finalization at shutdown (needs a booted system)')
    .option('--allow-downgrade', 'permit deploying an older commit')
    .option('--override-commit <checksum>', 'deploy this commit of the origin')
    .action(async (opts: UpgradeFlags, cmd: Command) => upgrade(cmd, opts));
  withSysrootOptions(admin.command('switch <refspec>').description('track another refspec and deploy it'))
    .option('--deploy-only', 'do not pull; deploy what the system repo has')
    .action(async (refspec: string, opts: { deployOnly?: boolean }, cmd: Command) => upgrade(cmd, { ...opts, allowDowngrade: true }, refspec));
}
