// The docs cannot drift from the CLI:
// - every `atoll ...` line in a fenced `sh` block of README.md and docs/*.md names an existing
//   command and only options that command (or the program) defines;
// - blocks marked runnable (info string "sh runnable") are run, in file order (files sorted by
//   name), with `atoll` on PATH and the working directory holding a fresh `atoll demo` run in
//   `./demo`, so their paths (demo/sysroot, demo/repo, ...) are the ones a reader has. Each block
//   must exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot, requireTool } from '../helpers/env.js';
import { atoll, atollBin, run } from '../helpers/run.js';
import { requireRoot, tmpfsDir } from '../helpers/sysroot.js';
import { buildProgram } from '../../src/cli/program.js';

interface Block {
  file: string;
  line: number;
  runnable: boolean;
  text: string;
}

function docBlocks(): Block[] {
  const files = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((n) => n.endsWith('.md')).sort().map((n) => `docs/${n}`)];
  const blocks: Block[] = [];
  for (const file of files) {
    const lines = readFileSync(join(repoRoot, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```sh(?:\s+(runnable))?\s*$/.exec(lines[i] as string);
      if (!open) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] as string);
      blocks.push({ file, line: start + 1, runnable: open[1] === 'runnable', text: `${body.join('\n')}\n` });
    }
  }
  return blocks;
}

/** Shell-ish word split (quotes only), up to a comment, `&`, `|`, `;` or `&&`. */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|"([^"]*)"|(#.*$)|([&|;]+)|(\S+)/g)) {
    if (m[3] !== undefined || m[4] !== undefined) break;
    out.push(m[1] ?? m[2] ?? (m[5] as string));
  }
  return out;
}

function checkAtollLine(program: Command, line: string): string | undefined {
  const args = words(line).slice(1);
  let cmd = program;
  const known = (c: Command, flag: string): boolean =>
    c.options.some((o) => o.long === flag || o.short === flag || (o.negate && o.long === flag)) || program.options.some((o) => o.long === flag || o.short === flag);
  for (const arg of args) {
    if (arg.startsWith('-')) {
      const flag = arg.split('=')[0] as string;
      if (flag === '--help' || flag === '-h') continue;
      if (!known(cmd, flag)) return `unknown option ${flag} for atoll ${cmd.name()}`;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub) cmd = sub;
    else if (cmd.commands.length > 0 && cmd.registeredArguments.length === 0) return `no command ${arg} under ${cmd.name()}`;
  }
  return undefined;
}

test('every atoll command shown in the docs exists with the options shown', () => {
  const { program } = buildProgram();
  const problems: string[] = [];
  let count = 0;
  for (const block of docBlocks()) {
    for (const [i, line] of block.text.split('\n').entries()) {
      for (const part of line.split(/&&|;/)) {
        const trimmed = part.trim().replace(/^\$ /, '').replace(/^(?:\.\/)?bin\/atoll /, 'atoll ').replace(/^npx atoll /, 'atoll ');
        if (!trimmed.startsWith('atoll ')) continue;
        count++;
        const problem = checkAtollLine(program, trimmed);
        if (problem) problems.push(`${block.file}:${block.line + 1 + i}: ${trimmed}: ${problem}`);
      }
    }
  }
  assert.ok(count > 10, `found only ${count} atoll commands in the docs`);
  assert.deepEqual(problems, []);
});

test('runnable doc blocks run on a fresh demo directory', async (t) => {
  const blocks = docBlocks().filter((b) => b.runnable);
  assert.ok(blocks.length >= 2, 'getting-started.md and client.md have runnable blocks');
  if (!requireTool(t, 'ostree', 'rpm', 'bwrap', 'chattr') || !requireRoot(t)) return;
  if (!['/usr/bin/busybox', '/bin/busybox'].some((p) => existsSync(p))) {
    t.skip('needs busybox-static');
    return;
  }
  const work = tmpfsDir(t);
  const demo = atoll(['demo', '--dir', 'demo'], { cwd: work });
  assert.equal(demo.status, 0, `${demo.stdout}\n${demo.stderr}`);
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'atoll'), `#!/bin/sh\nexec "${process.execPath}" "${atollBin}" --progress=none "$@"\n`);
  chmodSync(join(bin, 'atoll'), 0o755);
  for (const block of blocks) {
    const r = run('sh', ['-e', '-x', '-c', block.text], { cwd: work, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
    assert.equal(r.status, 0, `${block.file}:${block.line} failed:\n${r.stderr}\n${r.stdout}`);
  }
});
