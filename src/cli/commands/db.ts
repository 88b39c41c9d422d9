import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** `atoll db ...`: package-level views of commits. */
export function registerDbCommands(program: Command, _context: CliContext): void {
  const db = program.command('db').description('package-level views of commits (diff, list, version)');
  registerPlanned(db, [
    ['diff', 'show package changes between two commits'],
    ['list', 'list the packages of a commit'],
    ['version', 'show the rpmdb version of a commit'],
  ]);
}
