// docs/cli.md is generated from the commander definitions; this fails when it is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/env.js';
import { buildProgram } from '../../src/cli/program.js';
import { renderCliReference } from '../../src/cli/cli-reference.js';

test('docs/cli.md matches the CLI definitions (regenerate with npm run docs:cli)', () => {
  const committed = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8');
  const { program } = buildProgram();
  assert.equal(committed, renderCliReference(program), 'docs/cli.md is stale: run npm run docs:cli');
});

test('the CLI reference covers every command and subcommand', () => {
  const text = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8');
  const { program } = buildProgram();
  const walk = (cmd: typeof program, path: string[]): void => {
    for (const sub of cmd.commands) {
      if (sub.name() === 'help') continue;
      const p = [...path, sub.name()];
      assert.match(text, new RegExp(`^#+ ${p.join(' ')}$`, 'm'), `section for ${p.join(' ')}`);
      walk(sub, p);
    }
  };
  walk(program, []);
});
