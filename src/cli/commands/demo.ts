import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** `atoll demo`: the bundled example, end to end. */
export function registerDemoCommand(program: Command, _context: CliContext): void {
  registerPlanned(program, [['demo', 'build, compose, serve, deploy, upgrade and roll back the example OS']]);
}
