#!/usr/bin/env node
// Run by scripts/build-cli-bundle.mjs in a fresh `node` with no V8 flags: load the bundled CLI,
// run a generic training workload through its main() (help, a small repository round trip, a
// two-package compose, the repository's own solver testcases and seeded random ones; never a
// benchmark's input), then write V8's code cache of the bundle (createCachedData after running
// includes the bytecode of every function that ran) and the stamp bin/atoll checks
// (src/cli/code-cache.ts).
//
// The flag-hash caveat: V8 embeds a hash of its flags in the cache and rejects a cache whose
// hash differs from the loading process's. `atoll testsolv` and `atoll rpm unpack` call
// v8.setFlagsFromString (--liftoff-only, --max-opt=1), which changes the hash for good (setting
// the defaults back does not restore it). The bundle's require here hands it a node:v8 whose
// setFlagsFromString does nothing: the flags decide tiering, not the bytecode the cache holds.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const { bundlePaths, compileBundle, runBundle, currentBuildInfo } = await import(join(dist, 'src/cli/code-cache.js'));
const { writeFileAtomic } = await import(join(dist, 'src/util/atomic-write.js'));
const { readFileSync } = await import('node:fs');
const paths = bundlePaths();
const buildInfo = currentBuildInfo(paths);
const source = readFileSync(paths.source, 'latin1');
const script = compileBundle(source, paths.source);

const realRequire = createRequire(paths.source);
const v8WithoutFlags = { ...v8, setFlagsFromString: () => {} };
const trainingRequire = Object.assign((id) => (id === 'node:v8' || id === 'v8' ? v8WithoutFlags : realRequire(id)), realRequire);
const cli = runBundle(script, paths, trainingRequire);

const work = mkdtempSync(join(tmpdir(), 'atoll-train-'));
const repo = join(work, 'repo');
const tree = join(work, 'tree');
mkdirSync(join(tree, 'usr/bin'), { recursive: true });
mkdirSync(join(tree, 'etc'), { recursive: true });
writeFileSync(join(tree, 'usr/bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
writeFileSync(join(tree, 'etc/hello.conf'), 'greeting=hello\n');

// A two-package compose: `rpm build`, `rpm-repo create`, `compose tree` (treefile, rpm-md,
// depsolve, import, assemble, rpmdb, commit) into an archive repository.
const descs = join(work, 'descs');
mkdirSync(descs);
writeFileSync(
  join(descs, 'base.yaml'),
  'name: train-base\nversion: "1.0"\nrelease: "1"\nsummary: base\nlicense: MIT\nfiles:\n' +
    '  - { path: /usr/share/train/base.txt, content: "base\\n" }\n  - { path: /etc/train.conf, content: "x=1\\n" }\n',
);
writeFileSync(
  join(descs, 'tool.yaml'),
  'name: train-tool\nversion: "1.0"\nrelease: "1"\nsummary: tool\nlicense: MIT\nrequires: ["train-base"]\nfiles:\n' +
    '  - { path: /usr/bin/train-tool, content: "#!/bin/sh\\n", mode: 0o755 }\n',
);
const rpms = join(work, 'rpms');
writeFileSync(join(work, 'train.repo'), `[train]\nname=train\nbaseurl=file://${rpms}\ngpgcheck=0\n`);
writeFileSync(join(work, 'tree.yaml'), 'ref: compose/main\nrepos: [train]\npackages: [train-tool]\ndocumentation: false\n');

// The repository's own solver testcases (minimized differential cases), and seeded random ones
// from the differential test's generator (install, update, erase, distupgrade jobs with rich,
// weak, obsoletes and conflicts).
const fixtures = join(root, 'test/fixtures/solver');
const testcases = existsSync(fixtures) ? readdirSync(fixtures).filter((f) => f.endsWith('.t')).map((f) => join(fixtures, f)) : [];
try {
  const gen = await import(join(dist, 'test/helpers/solver-gen.js'));
  const options = { ...gen.defaultGenOptions, names: 150, maxVersions: 4, caps: 24, jobsPerCase: 6 };
  for (const seed of [7, 8, 9]) {
    const file = join(work, `gen-${seed}.t`);
    writeFileSync(file, gen.generateTestcase(seed, options));
    testcases.push(file);
  }
} catch (err) {
  process.stderr.write(`train-code-cache: no generated testcases (${err.message})\n`);
}

if (testcases.length === 0) process.stderr.write('train-code-cache: warning: no solver testcases: the cache does not cover the solver\n');

const runs = [
  ['--help'],
  ['--version'],
  ['status', '--help'],
  ['no-such-command'],
  ['--progress=none', 'repo', 'init', '--repo', repo, '--mode', 'archive'],
  ['--progress=none', 'repo', 'commit', '--repo', repo, '-b', 'train', '-s', 'training', tree],
  ['--progress=none', 'repo', 'ls', '--repo', repo, '-R', 'train'],
  ['--progress=none', 'repo', 'show', '--repo', repo, 'train'],
  ['--progress=none', 'repo', 'checkout', '--repo', repo, '-U', 'train', join(work, 'checkout')],
  ['--progress=none', 'repo', 'fsck', '--repo', repo],
  ['--progress=none', 'rpm', 'build', join(descs, 'base.yaml'), join(descs, 'tool.yaml'), '-o', rpms],
  ['--progress=none', 'rpm', 'inspect', join(rpms, 'train-tool-1.0-1.noarch.rpm')],
  ['--progress=none', 'rpm', 'unpack', join(rpms, 'train-tool-1.0-1.noarch.rpm'), join(work, 'unpacked')],
  ['--progress=none', 'rpm-repo', 'create', rpms],
  ['--progress=none', 'compose', 'tree', '--repo', repo, '--cachedir', join(work, 'cache'), join(work, 'tree.yaml')],
  // The solver last and twice each (as `testsolv -r --timing`, and comparing): V8 flushes the
  // bytecode of functions that have not run for a while, so the hottest code runs at the end.
  ...testcases.flatMap((file) => [
    ['testsolv', file],
    ['testsolv', '--timing', '-r', file],
  ]),
];

const write = { out: process.stdout.write, err: process.stderr.write };
const failures = [];
for (const argv of runs) {
  let output = '';
  process.stdout.write = process.stderr.write = (chunk) => {
    output += String(chunk);
    return true;
  };
  let status;
  try {
    status = await cli.main(argv);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = 0;
  }
  // Expected: usage error (2) for the unknown command; a few of the minimized testcases are known
  // mismatches (test/fixtures/solver/known-failures.txt), so comparing may exit 1 (coded error).
  const expected = argv[0] === 'no-such-command' ? [2] : argv[0] === 'testsolv' && argv.length === 2 ? [0, 1] : [0];
  if (expected.includes(status)) continue;
  const failure = `${argv.join(' ')}: exit ${status}\n${output.slice(-2000)}`;
  // The repository and compose runs touch the file system (ownership, xattrs, fsync): where they
  // cannot run, the cache covers less, with a warning; help and the solver must run.
  if (argv.includes('repo') || argv.includes('rpm') || argv.includes('rpm-repo') || argv.includes('compose')) {
    process.stderr.write(`train-code-cache: warning: not trained: ${failure}\n`);
  } else {
    failures.push(failure);
  }
}
rmSync(work, { recursive: true, force: true });
if (failures.length > 0) {
  process.stderr.write(`train-code-cache: training runs failed:\n${failures.join('\n')}\n`);
  process.exit(1);
}

// Each file replaced whole and synced, the stamp last (a bin/atoll starting meanwhile, or after
// a crash, sees no stamp, or a complete set).
const cache = script.createCachedData();
await writeFileAtomic(paths.cache, cache);
const stamp = {
  buildInfo,
  sourceSize: statSync(paths.source).size,
  cacheSize: cache.length,
  node: process.version,
  v8: process.versions.v8,
};
await writeFileAtomic(paths.stamp, `${JSON.stringify(stamp, null, 2)}\n`);
process.exit(0);
