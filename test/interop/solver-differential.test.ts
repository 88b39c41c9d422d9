// Seeded differential test: random package universes and jobs (test/helpers/solver-gen.ts) run
// through Debian's testsolv and atoll's depsolver with dnf's flags; the transactions must be
// equal (and the number of problems). Known disagreements (minimized into
// test/fixtures/solver/diff-*.t) are listed in known-failures.txt as `gen:SEED#STEP`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireTool } from '../helpers/env.js';
import { generateTestcase } from '../helpers/solver-gen.js';
import { atollOutcomes, sameOutcome, testsolvOutcomes } from '../helpers/solver-diff.js';

const SEEDS = Number(process.env.ATOLL_SOLVER_DIFF_SEEDS ?? 55);

test(`differential: atoll vs testsolv on ${SEEDS} generated universes x 10 jobs`, (t) => {
  if (!requireTool(t, 'testsolv')) return;
  const known = new Set(
    readFileSync(join(repoRoot, 'test', 'fixtures', 'solver', 'known-failures.txt'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/#(?!\d).*/, '').trim())
      .filter((l) => l.startsWith('gen:')),
  );
  let agree = 0;
  const disagree: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const text = generateTestcase(seed);
    const theirs = testsolvOutcomes(text);
    const ours = atollOutcomes(text);
    assert.equal(ours.length, theirs.length, `seed ${seed}: step count`);
    theirs.forEach((o, i) => {
      if (sameOutcome(o, ours[i])) agree++;
      else disagree.push(`gen:${seed}#${i + 1}`);
    });
  }
  t.diagnostic(`${agree} agree, ${disagree.length} disagree (of ${agree + disagree.length})`);
  assert.ok(agree + disagree.length >= 500 || SEEDS < 50, 'at least 500 cases');
  assert.deepEqual(disagree.filter((d) => !known.has(d)), [], 'new disagreements with testsolv');
});
