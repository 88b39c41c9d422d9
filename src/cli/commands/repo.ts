import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';
import { registerRepoNetCommands } from './repo-net.js';

/** `atoll repo ...`: OSTree's repository verbs, with OSTree's flag names. */
export function registerRepoCommands(program: Command, context: CliContext): void {
  const repo = program.command('repo').description("OSTree repository verbs (init, commit, ls, pull, serve, ...)");
  registerPlanned(repo, [
    ['init', 'initialize a new OSTree repository'],
    ['commit', 'commit a directory tree to a branch'],
    ['ls', 'list the files of a commit'],
    ['cat', 'print the content of a file in a commit'],
    ['log', 'show the history of a ref'],
    ['show', 'show a commit or object'],
    ['refs', 'list refs'],
    ['rev-parse', 'resolve a ref or partial checksum to a full checksum'],
    ['diff', 'list files added, modified and deleted between two commits'],
    ['checkout', 'check a commit out into a directory'],
    ['fsck', 'verify every object of the repository'],
    ['prune', 'delete unreachable objects'],
    ['summary', 'update or view the summary file'],
  ]);
  registerRepoNetCommands(repo, context);
}
