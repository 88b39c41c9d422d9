/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME...` runs some.
 * Options: --rounds N (default 3), --keep (keep the work directory).
 * Benchmarks live in bench/<name>.ts and are listed in bench/registry.ts.
 */
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeContext, repoRoot, type Comparison } from './harness.js';
import { BENCHMARKS } from './registry.js';

const args = process.argv.slice(2);
const roundsIndex = args.indexOf('--rounds');
const rounds = roundsIndex >= 0 ? Number(args[roundsIndex + 1]) : 3;
const keep = args.includes('--keep');
const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds');
const unknown = names.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
const results: Array<Comparison & { benchmark: string }> = [];
for (const name of selected) {
  const load = BENCHMARKS[name];
  if (!load) continue;
  const benchmark = await load();
  const workDir = await mkdtemp(join(process.env.ATOLL_BENCH_DIR ?? tmpdir(), `atoll-bench-${name}-`));
  console.log(`\n## ${benchmark.name}: ${benchmark.description} (${rounds} rounds, in ${workDir})`);
  const local: Comparison[] = [];
  try {
    await benchmark.run(makeContext(workDir, rounds, local, (line) => console.log(line)));
  } finally {
    results.push(...local.map((c) => ({ ...c, benchmark: name })));
    if (!keep) await rm(workDir, { recursive: true, force: true });
  }
}
await mkdir(join(repoRoot, 'bench', 'results'), { recursive: true });
await writeFile(join(repoRoot, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2));
const missed = results.filter((r) => !r.ok);
console.log(`\nbench: ${results.length} comparisons, ${missed.length} missed their target`);
