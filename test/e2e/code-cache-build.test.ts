// scripts/build-cli-bundle.mjs's pieces (scripts/cli-bundle-lib.mjs) on small fixtures: the
// import.meta.url rewrite touches only real expressions, other import.meta uses are caught, npm
// packages the bundle cannot require are caught at build time, the build's children run
// without NODE_OPTIONS, and a failed training run does not fail the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { repoRoot, tempDir } from '../helpers/env.js';
import { run } from '../helpers/run.js';

interface CliBundleLib {
  cliBundleOptions(o: { dist: string; outfile: string; entry: string }): esbuild.BuildOptions & { write: false; metafile: true };
  importMetaWarnings(warnings: esbuild.Message[]): string[];
  externalPackages(metafile: esbuild.Metafile): string[];
  externalProblems(metafile: esbuild.Metafile, bundleFile: string): string[];
  childEnv(env: NodeJS.ProcessEnv, extra?: Record<string, string>): NodeJS.ProcessEnv;
}
const lib = (await import(pathToFileURL(join(repoRoot, 'scripts/cli-bundle-lib.mjs')).href)) as CliBundleLib;

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

async function bundle(dir: string, entry: string): Promise<{ outfile: string; result: esbuild.BuildResult<{ write: false; metafile: true }> }> {
  const dist = join(dir, 'dist');
  const outfile = join(dist, 'bundle/out.cjs');
  const result = await esbuild.build({ ...lib.cliBundleOptions({ dist, outfile, entry }), logLevel: 'silent' });
  mkdirSync(join(dist, 'bundle'), { recursive: true });
  writeFileSync(outfile, result.outputFiles[0].text);
  return { outfile, result };
}

test('import.meta.url becomes each file\'s dist URL; strings and comments are left alone', async (t) => {
  const dir = tempDir(t);
  const dist = join(dir, 'dist');
  write(dist, {
    'a.js':
      '// import.meta.url in a comment, and import.meta alone\n' +
      'export const url = import.meta.url;\n' +
      'export const text = "a string with import.meta.url inside";\n' +
      "export const single = 'import.meta.url';\n" +
      'export const tpl = `import.meta.url ${1}`;\n' +
      "export { sub } from './sub/b.js';\n",
    'sub/b.js': "const url = 'shadow';\nexport const sub = [new URL('.', import.meta.url).href, url];\n",
  });
  const { outfile, result } = await bundle(dir, "export { url, text, single, tpl, sub } from './a.js';\n");
  assert.deepEqual(lib.importMetaWarnings(result.warnings), []);
  const got = createRequire(outfile)(outfile) as Record<string, unknown>;
  assert.equal(got.url, pathToFileURL(join(dist, 'a.js')).href);
  assert.equal(got.text, 'a string with import.meta.url inside');
  assert.equal(got.single, 'import.meta.url');
  assert.equal(got.tpl, 'import.meta.url 1');
  assert.deepEqual(got.sub, [pathToFileURL(join(dist, 'sub/')).href, 'shadow']);
});

test('an import.meta other than import.meta.url is reported (it would be empty in the bundle)', async (t) => {
  const dir = tempDir(t);
  write(join(dir, 'dist'), { 'c.js': 'export const d = import.meta.dirname;\n' });
  const { result } = await bundle(dir, "export { d } from './c.js';\n");
  const warnings = lib.importMetaWarnings(result.warnings);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /c\.js:1: .*import\.meta/);
});

test('npm packages the bundle would require but cannot (ESM-only, missing) are reported at build time', async (t) => {
  const dir = tempDir(t);
  write(dir, {
    'node_modules/esm-only/package.json': JSON.stringify({ name: 'esm-only', type: 'module', exports: { import: './index.js' } }),
    'node_modules/esm-only/index.js': 'export default 1;\n',
    'node_modules/esm-main/package.json': JSON.stringify({ name: 'esm-main', type: 'module', main: 'index.js' }),
    'node_modules/esm-main/index.js': 'export default 1;\n',
    'node_modules/cjs-ok/package.json': JSON.stringify({ name: 'cjs-ok', main: 'index.js' }),
    'node_modules/cjs-ok/index.js': 'module.exports = 1;\n',
    'node_modules/dual/package.json': JSON.stringify({ name: 'dual', exports: { import: './i.mjs', require: './r.cjs' } }),
    'node_modules/dual/i.mjs': 'export default 1;\n',
    'node_modules/dual/r.cjs': 'module.exports = 1;\n',
    'dist/pkgs.js':
      "import a from 'esm-only';\nimport b from 'esm-main';\nimport c from 'cjs-ok';\nimport d from 'dual';\nimport { readFileSync } from 'node:fs';\nimport 'path';\n" +
      "export const all = [a, b, c, d, readFileSync];\nexport const later = () => import('esm-missing');\n",
  });
  const { outfile, result } = await bundle(dir, "export { all, later } from './pkgs.js';\n");
  assert.deepEqual(lib.externalPackages(result.metafile), ['cjs-ok', 'dual', 'esm-main', 'esm-missing', 'esm-only']);
  const problems = lib.externalProblems(result.metafile, outfile);
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['esm-main', 'esm-missing', 'esm-only'],
  );
});

test('the bundle of this build requires only packages it can require', async () => {
  const dist = join(repoRoot, 'dist');
  const entry = "export { main } from './src/cli/main.js';\nexport const ostreeMain = async (argv) => (await import('./src/cli/ostree-compat/main.js')).ostreeMain(argv);\n";
  const outfile = join(dist, 'bundle/atoll-cli.cjs');
  const result = await esbuild.build({ ...lib.cliBundleOptions({ dist, outfile, entry }), logLevel: 'silent' });
  assert.deepEqual(lib.importMetaWarnings(result.warnings), []);
  assert.ok(lib.externalPackages(result.metafile).includes('commander'));
  assert.deepEqual(lib.externalProblems(result.metafile, outfile), []);
});

test('the training run and the check get no NODE_OPTIONS or NODE_V8_COVERAGE (V8 flags there change the cache)', () => {
  const env = lib.childEnv({ PATH: '/bin', NODE_OPTIONS: '--max-opt=2', NODE_V8_COVERAGE: '/tmp/c' }, { ATOLL_CODE_CACHE_DEBUG: '1' });
  assert.deepEqual(env, { PATH: '/bin', ATOLL_CODE_CACHE_DEBUG: '1' });
});

test('a failing training run warns, leaves no stamp and does not fail the build', (t) => {
  // A copy of the build (dist/src, the scripts, bin) with node_modules linked: the real dist/bundle
  // stays untouched. Training fails at once: its temporary directory cannot be made.
  const dir = tempDir(t);
  cpSync(join(repoRoot, 'dist/src'), join(dir, 'dist/src'), { recursive: true });
  cpSync(join(repoRoot, 'dist/.tsbuildinfo'), join(dir, 'dist/.tsbuildinfo'));
  for (const f of ['build-cli-bundle.mjs', 'train-code-cache.mjs', 'cli-bundle-lib.mjs']) cpSync(join(repoRoot, 'scripts', f), join(dir, 'scripts', f));
  cpSync(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  write(dir, { 'dist/bundle/stamp.json': '{}' }); // an earlier build's
  const ran = run(process.execPath, [join(dir, 'scripts/build-cli-bundle.mjs')], { env: { ...process.env, TMPDIR: join(dir, 'nonexistent') } });
  assert.equal(ran.status, 0, ran.stderr);
  assert.match(ran.stderr, /^build-cli-bundle: WARNING: no bundled CLI, bin\/atoll will import dist's modules: training the code cache failed$/m);
  assert.equal(existsSync(join(dir, 'dist/bundle/stamp.json')), false);
  assert.equal(existsSync(join(dir, 'dist/bundle/atoll-cli.cjs')), true);
  const atoll = run(process.execPath, [join(dir, 'bin/atoll'), '--version'], { env: { ...process.env, ATOLL_CODE_CACHE_DEBUG: '1', ATOLL_NO_CODE_CACHE: '' } });
  assert.equal(atoll.status, 0);
  assert.match(atoll.stderr, /^atoll: code cache: not used: no bundle/);
});
