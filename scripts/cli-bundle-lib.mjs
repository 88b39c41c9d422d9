// The pieces of scripts/build-cli-bundle.mjs that test/e2e/code-cache-build.test.ts checks on
// small fixtures: esbuild's options (import.meta.url rewrite), the check that every npm package
// the bundle `require`s can be required, and the environment of the build's child processes.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

/** The per-file binding `import.meta.url` becomes (esbuild's define, so only real expressions). */
const IMPORT_META_URL = '__atollImportMetaUrl';

/**
 * esbuild options for a CommonJS bundle of the ES modules under `dist` written to `outfile`.
 * `import.meta.url` of each bundled file becomes the URL of the same file in dist/, computed at
 * run time from the bundle's own location (no absolute path baked in): worker files,
 * package.json, the demo's root and createRequire bases resolve as in the unbundled build. Each
 * file that mentions import.meta gets `const __atollImportMetaUrl = <dist URL> + "<its path>";`
 * first, and esbuild's define replaces the `import.meta.url` expressions (not strings or
 * comments) with that file's binding (esbuild renames the bindings apart).
 */
export function cliBundleOptions({ dist, outfile, entry }) {
  const plugin = {
    name: 'import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const rel = relative(dist, args.path).split(sep).join('/');
        if (rel.startsWith('..')) throw new Error(`${args.path}: import.meta outside dist/`);
        return { contents: `const ${IMPORT_META_URL} = __atollDistUrl + ${JSON.stringify(rel)};${text}`, loader: 'js' };
      });
    },
  };
  return {
    stdin: { contents: entry, resolveDir: dist, sourcefile: 'atoll-cli-entry.js', loader: 'js' },
    bundle: true,
    write: false,
    metafile: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // npm packages stay in node_modules, required at run time from the bundle's location.
    packages: 'external',
    // import() of a package becomes require(): a vm.Script has no dynamic-import hook.
    supported: { 'dynamic-import': false },
    // No keepNames: it wraps every function expression in a __name() call, run each time a closure
    // is made (measured: ~30 ms of a 60k-package testcase load). Names only differ where esbuild
    // renames a clash (`pad2` for a second `pad`): stack traces; nothing in atoll reads .name.
    charset: 'ascii',
    define: { 'import.meta.url': IMPORT_META_URL },
    banner: { js: `var __atollDistUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(relative(dirname(outfile), dist))})).href + "/";` },
    outfile,
    plugins: [plugin],
    logLevel: 'warning',
  };
}

/** esbuild's warnings about an import.meta other than import.meta.url (empty in a CommonJS bundle). */
export function importMetaWarnings(warnings) {
  return warnings.filter((w) => w.id === 'empty-import-meta' || /import\.meta/.test(w.text)).map((w) => `${w.location?.file ?? '?'}:${w.location?.line ?? '?'}: ${w.text}`);
}

/** The npm packages (specifiers as written) the bundle leaves to require() at run time. */
export function externalPackages(metafile) {
  const specs = new Set();
  for (const input of Object.values(metafile.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || imp.path === '<runtime>') continue; // <runtime>: esbuild's helpers
      if (imp.path.startsWith('node:') || builtinModules.includes(imp.path)) continue;
      specs.add(imp.path);
    }
  }
  return [...specs].sort();
}

/** True when `file` is an ES module to Node's require (.mjs, or .js under "type": "module"). */
function isEsmFile(file) {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/**
 * Each external package the bundle `require`s (where dist's ES modules `import` it) must resolve
 * with require's conditions from the bundle's location to a CommonJS file: an ESM-only package
 * would otherwise fail only in the bundle, at run time, after bin/atoll chose it.
 * Returns the problems (empty when all are fine).
 */
export function externalProblems(metafile, bundleFile) {
  const require = createRequire(bundleFile);
  const problems = [];
  for (const spec of externalPackages(metafile)) {
    let resolved;
    try {
      resolved = require.resolve(spec);
    } catch (err) {
      problems.push(`${spec}: cannot be required from the bundle (${err.code ?? err.message})`);
      continue;
    }
    if (isEsmFile(resolved)) problems.push(`${spec}: resolves to an ES module for require (${resolved})`);
  }
  return problems;
}

/**
 * The environment of the training run and the check: without NODE_OPTIONS (V8 flags there
 * change V8's flag hash, so a cache trained with them is rejected by a plain bin/atoll) and
 * without NODE_V8_COVERAGE (coverage collection changes how V8 compiles).
 */
export function childEnv(env, extra = {}) {
  const copy = { ...env, ...extra };
  delete copy.NODE_OPTIONS;
  delete copy.NODE_V8_COVERAGE;
  return copy;
}
