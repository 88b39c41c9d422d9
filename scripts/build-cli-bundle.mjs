#!/usr/bin/env node
// `npm run build`, after tsc: bundle dist's CLI into dist/bundle/atoll-cli.cjs (esbuild), train
// V8's code cache of it in a fresh process (scripts/train-code-cache.mjs), check that a plain
// `node` accepts the cache, and write dist/bundle/stamp.json last. bin/atoll uses the bundle only
// when the stamp matches (src/cli/code-cache.ts). Any failure here leaves no stamp and a warning,
// not a failed build: bin/atoll then imports dist's modules as before, the other suites still
// run, and test/e2e/code-cache.test.ts fails in CI. See docs/ARCHITECTURE.md, "CLI code cache".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, cliBundleOptions, externalProblems, importMetaWarnings } from './cli-bundle-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const { bundlePaths } = await import(join(dist, 'src/cli/code-cache.js'));
const { writeFileAtomic } = await import(join(dist, 'src/util/atomic-write.js'));
const paths = bundlePaths();

class BundleError extends Error {}
function fail(message) {
  throw new BundleError(message);
}

// The entry: the atoll CLI, and the ostree front end loaded lazily (bin/atoll-ostree).
const entry = `export { main } from './src/cli/main.js';
export const ostreeMain = async (argv) => (await import('./src/cli/ostree-compat/main.js')).ostreeMain(argv);
`;

try {
  const esbuild = await import('esbuild');
  // No stamp while the files change: a failed build leaves bin/atoll on dist's modules.
  rmSync(paths.stamp, { force: true });
  mkdirSync(paths.dir, { recursive: true });
  const built = await esbuild.build(cliBundleOptions({ dist, outfile: paths.source, entry }));
  // Any other import.meta is empty in a CommonJS bundle (esbuild warns; dist's modules would work).
  const metaWarnings = importMetaWarnings(built.warnings);
  if (metaWarnings.length > 0) fail(`import.meta other than import.meta.url:\n${metaWarnings.join('\n')}`);
  const problems = externalProblems(built.metafile, paths.source);
  if (problems.length > 0) fail(`npm packages the bundle cannot require:\n${problems.join('\n')}`);
  // esbuild escapes non-ASCII characters in strings, templates, regular expressions and names
  // (charset ascii), but not in comments. Those become '?', so the file is pure ASCII and bin/atoll
  // reads it as latin1: a one-byte string, without UTF-8 decoding (~6 ms for the bundle). Checked:
  // with comments stripped, the code before and after the replacement must be the same.
  const bundled = built.outputFiles[0].text;
  const source = bundled.replace(/[\u0080-\uffff]/g, '?');
  const code = async (text) => (await esbuild.transform(text, { loader: 'js', minifyWhitespace: true, charset: 'ascii' })).code;
  if (source !== bundled && (await code(source)) !== (await code(bundled))) {
    fail('non-ASCII characters outside comments in the bundle');
  }
  await writeFileAtomic(paths.source, source);

  // Both children get no NODE_OPTIONS: V8 flags there would train a cache a plain node rejects.
  const train = spawnSync(process.execPath, [join(root, 'scripts/train-code-cache.mjs')], { stdio: 'inherit', env: childEnv(process.env) });
  if (train.status !== 0) fail('training the code cache failed');

  // A plain node (bin/atoll's) must accept the cache: V8 rejects one whose flags differ.
  const check = spawnSync(process.execPath, [join(root, 'bin/atoll'), '--version'], {
    encoding: 'utf8',
    env: childEnv(process.env, { ATOLL_CODE_CACHE_DEBUG: '1', ATOLL_NO_CODE_CACHE: '', ATOLL_DEBUG: '' }),
  });
  if (check.status !== 0 || !check.stderr.includes('atoll: code cache: used')) fail(`bin/atoll does not use the fresh code cache:\n${check.stderr}`);
  const stamp = JSON.parse(readFileSync(paths.stamp, 'utf8'));
  console.log(`build-cli-bundle: ${relative(root, paths.source)} ${(stamp.sourceSize / 1024).toFixed(0)} KiB, code cache ${(stamp.cacheSize / 1024).toFixed(0)} KiB (${relative(root, dirname(paths.cache))})`);
} catch (err) {
  rmSync(paths.stamp, { force: true });
  const why = err instanceof BundleError ? err.message : (err?.stack ?? String(err));
  console.error(`build-cli-bundle: WARNING: no bundled CLI, bin/atoll will import dist's modules: ${why}`);
}
