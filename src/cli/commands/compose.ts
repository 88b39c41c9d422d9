import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** `atoll compose ...`: server side, treefile to OSTree commit. */
export function registerComposeCommands(program: Command, _context: CliContext): void {
  const compose = program.command('compose').description('server side: build OSTree commits from RPM packages');
  registerPlanned(compose, [['tree', 'depsolve, download and assemble a treefile into a commit']]);
}
