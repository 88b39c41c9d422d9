import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** `atoll admin ...`: OSTree's sysroot verbs (`ostree admin ...`). */
export function registerAdminCommands(program: Command, _context: CliContext): void {
  const admin = program.command('admin').description("sysroot verbs as 'ostree admin' has them (init-fs, os-init, deploy, ...)");
  registerPlanned(admin, [
    ['init-fs', 'create the OSTree layout in a (possibly populated) root'],
    ['os-init', 'create a stateroot'],
    ['deploy', 'check out a commit as a new deployment'],
    ['upgrade', 'pull and deploy the origin of the merge deployment'],
    ['switch', 'deploy another ref'],
    ['status', 'list deployments'],
    ['undeploy', 'remove a deployment by index'],
    ['cleanup', 'delete deployments and objects no longer needed'],
    ['pin', 'keep a deployment across upgrades'],
    ['unpin', 'let a pinned deployment be garbage-collected'],
    ['set-origin', 'change the origin of the merge deployment'],
    ['config-diff', 'show /etc files changed from the defaults'],
    ['kargs', 'edit kernel arguments in place'],
  ]);
}
