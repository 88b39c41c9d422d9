import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** `atoll rpm ...`: read and unpack RPM files. */
export function registerRpmCommands(program: Command, _context: CliContext): void {
  const rpm = program.command('rpm').description('read and unpack RPM package files');
  registerPlanned(rpm, [
    ['inspect', 'print the header of RPM files'],
    ['unpack', 'unpack an RPM payload into a directory'],
  ]);
}
