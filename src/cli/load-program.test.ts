import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from './program.js';
import { COMMAND_GROUPS, commandNameOf, loadProgram } from './load-program.js';

test('every top-level command and alias of the full tree has a lazily loaded group, and no other', () => {
  const { program } = buildProgram();
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();
  assert.deepEqual(Object.keys(COMMAND_GROUPS).sort(), names);
});

test('the lazily loaded group defines the command exactly as the full tree does', async () => {
  const { program: full } = buildProgram();
  for (const name of Object.keys(COMMAND_GROUPS)) {
    const { program } = await loadProgram([name]);
    const find = (p: typeof full) => p.commands.find((c) => c.name() === name || c.aliases().includes(name));
    const lazy = find(program);
    const whole = find(full);
    assert.ok(lazy && whole, name);
    const walk = (a: typeof full, b: typeof full, path: string): void => {
      assert.equal(a.helpInformation(), b.helpInformation(), path);
      assert.deepEqual(a.commands.map((c) => c.name()), b.commands.map((c) => c.name()), path);
      a.commands.forEach((sub, i) => walk(sub, b.commands[i] as typeof full, `${path} ${sub.name()}`));
    };
    walk(lazy, whole, name);
  }
});

test('commandNameOf skips the global options and gives up on anything else', () => {
  assert.equal(commandNameOf(['repo', 'checkout']), 'repo');
  assert.equal(commandNameOf(['--progress=none', 'repo']), 'repo');
  assert.equal(commandNameOf(['--progress', 'none', '--debug', 'status']), 'status');
  assert.equal(commandNameOf(['--help']), undefined);
  assert.equal(commandNameOf(['--version']), undefined);
  assert.equal(commandNameOf([]), undefined);
});

test('without a known command name the whole tree is built (help, suggestions)', async () => {
  const { program } = await loadProgram(['--help']);
  assert.equal(program.commands.length, buildProgram().program.commands.length);
  const { program: typo } = await loadProgram(['rpeo']);
  assert.equal(typo.commands.length, buildProgram().program.commands.length);
});
