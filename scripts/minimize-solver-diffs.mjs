#!/usr/bin/env node
// Regenerate the differential-test regression fixtures: for each `gen:SEED#STEP` given on the
// command line, take that job of the generated case, shrink it while atoll and testsolv still
// disagree, and write test/fixtures/solver/diff-SEED-STEP.t with testsolv's answer as the
// expected result. Usage (after npm run build): node scripts/minimize-solver-diffs.mjs gen:13#2 ...
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
const root = fileURLToPath(new URL('..', import.meta.url));
const { generateTestcase } = await import(join(root, 'dist/test/helpers/solver-gen.js'));
const { splitSegments, minimizeDisagreement } = await import(join(root, 'dist/test/helpers/solver-diff.js'));
for (const arg of process.argv.slice(2)) {
  const [seed, step] = arg.replace(/^gen:/, '').split('#').map(Number);
  const { head, segments } = splitSegments(generateTestcase(seed));
  const one = [...head, ...segments[step - 1]].join('\n') + '\n';
  const min = minimizeDisagreement(one).trimEnd() + '\n';
  const dir = mkdtempSync(join(tmpdir(), 'atoll-min-'));
  writeFileSync(join(dir, 'c.t'), min);
  const r = spawnSync('testsolv', ['-r', '-r', join(dir, 'c.t')], { encoding: 'utf8' });
  const out = join(root, 'test/fixtures/solver', `diff-${seed}-${step}.t`);
  writeFileSync(out, `# minimized from the differential test, gen:${seed}#${step}; expectation by testsolv 0.7.23\n${min}${r.stdout}`);
  console.log(out);
}
