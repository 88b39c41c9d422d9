import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** `atoll rpm-repo ...`: rpm-md package repositories. */
export function registerRpmRepoCommands(program: Command, _context: CliContext): void {
  const rpmRepo = program.command('rpm-repo').description('rpm-md package repositories (create, query)');
  registerPlanned(rpmRepo, [
    ['create', 'write repodata for a directory of RPMs'],
    ['query', 'query packages of rpm-md repositories'],
  ]);
}
