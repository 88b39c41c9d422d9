import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPlanned } from '../planned.js';

/** `atoll testsolv FILE.t`: run a libsolv testcase through atoll's solver. */
export function registerTestsolvCommand(program: Command, _context: CliContext): void {
  registerPlanned(program, [['testsolv', "solve a libsolv testcase file and compare with its expected result"]]);
}
