// The CLI as one bundled script plus a V8 code cache (what Node 22's module compile cache does,
// on Node 20). `npm run build` compiles to dist/ with tsc, then scripts/build-cli-bundle.mjs
// bundles dist's CLI with esbuild into dist/bundle/atoll-cli.cjs, runs a training workload on
// it in a fresh process and writes V8's code cache of what ran (bytecode included) beside it.
// bin/atoll loads the bundle through vm.Script with that cache, so a command does not pay V8's
// lazy compilation (parse + bytecode) for the code the cache covers (figures in ARCHITECTURE).
// Anything unexpected (no bundle, a stale one, a cache whose header V8 would reject, --debug,
// ATOLL_NO_CODE_CACHE=1) and bin/atoll imports dist's ES modules as before. See docs/ARCHITECTURE.md, "CLI code cache".
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** What the bundle exports (its entry is written by scripts/build-cli-bundle.mjs). */
export interface BundledCli {
  main(argv: string[], options?: { errorPrefix?: string }): Promise<number>;
  ostreeMain(argv: string[]): Promise<number>;
}

/** The files of the bundled CLI (dist/src/cli → dist/bundle). */
export interface BundlePaths {
  dir: string;
  source: string;
  cache: string;
  stamp: string;
  /** tsc's incremental build info: rewritten by every tsc run that changes dist/. */
  buildInfo: string;
}

export function bundlePaths(): BundlePaths {
  const at = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
  return {
    dir: at('../../bundle/'),
    source: at('../../bundle/atoll-cli.cjs'),
    cache: at('../../bundle/atoll-cli.cache'),
    stamp: at('../../bundle/stamp.json'),
    buildInfo: at('../../.tsbuildinfo'),
  };
}

/**
 * Written last by the build, after the bundle and its cache: the state of dist/ the bundle was
 * made from and the sizes of both files. A tsc run after it rewrites .tsbuildinfo, so the
 * bundle (made from the previous dist/) is not used until the next `npm run build`.
 */
export interface BundleStamp {
  buildInfo: { mtimeMs: number; size: number };
  sourceSize: number;
  cacheSize: number;
  /** The Node.js and V8 that trained the cache (V8 rejects a cache from another version). */
  node: string;
  v8: string;
}

export function currentBuildInfo(paths: BundlePaths): BundleStamp['buildInfo'] {
  const st = statSync(paths.buildInfo);
  return { mtimeMs: st.mtimeMs, size: st.size };
}

/** Node's CommonJS wrapper, so the bundle's `require` resolves from its own location. */
export function wrapBundleSource(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/** Compile the wrapped bundle (with a code cache when given one). */
export function compileBundle(source: string, filename: string, cachedData?: Buffer): Script {
  return new Script(wrapBundleSource(source), cachedData ? { filename, cachedData } : { filename });
}

type BundleWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** Run the compiled bundle once and return its exports. `requireFn` defaults to the bundle's own. */
export function runBundle(script: Script, paths: BundlePaths, requireFn?: NodeJS.Require): BundledCli {
  const wrapper = script.runInThisContext() as BundleWrapper;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, requireFn ?? createRequire(paths.source), module, paths.source, paths.dir.replace(/\/$/, ''));
  return module.exports as BundledCli;
}

/** The stamp when the bundle is usable, else why not (checked before reading the big files). */
function checkBundle(paths: BundlePaths): BundleStamp | string {
  let stamp: BundleStamp;
  try {
    stamp = JSON.parse(readFileSync(paths.stamp, 'utf8')) as BundleStamp;
  } catch {
    return 'no bundle (run npm run build)';
  }
  if (stamp.node !== process.version || stamp.v8 !== process.versions.v8) return `cache made by Node ${stamp.node}`;
  try {
    const info = currentBuildInfo(paths);
    if (info.mtimeMs !== stamp.buildInfo.mtimeMs || info.size !== stamp.buildInfo.size) return 'dist/ rebuilt by tsc after the bundle (run npm run build)';
    if (statSync(paths.source).size !== stamp.sourceSize || statSync(paths.cache).size !== stamp.cacheSize) return 'bundle files changed after the build';
  } catch {
    return 'bundle files missing';
  }
  return stamp;
}

/** Why the bundle is not usable, or null when it is. */
export function staleReason(paths: BundlePaths): string | null {
  const checked = checkBundle(paths);
  return typeof checked === 'string' ? checked : null;
}

/**
 * Whether V8 in this process would accept a code cache made with `cache`'s V8 version and flags,
 * read from the cache's header (checked against the header of a cache of a tiny script made
 * here, microseconds): words 0 (magic), 1 (V8 version hash) and 3 (flag hash); words 2, 4 and 5
 * (source hash, payload length, checksum) depend on the script. Run with other V8 flags
 * (`node --max-opt=2 bin/atoll`), bin/atoll then skips the bundle before reading and compiling
 * its 1.7 MB: without the cache, dist's modules (only those a command needs) start faster.
 * Should V8 change the layout, a wrong answer only costs time: false → dist's modules; true →
 * the bundle runs without its cache (loadBundledCli).
 */
export function cacheFlagsMatch(cache: Uint8Array): boolean {
  if (cache.length < 16) return false;
  const probe = new Script('0').createCachedData();
  const word = (b: Uint8Array, i: number): number => Buffer.from(b.buffer, b.byteOffset, b.length).readUInt32LE(i * 4);
  return [0, 1, 3].every((i) => word(probe, i) === word(cache, i));
}

/**
 * --debug or ATOLL_DEBUG=1: print error stacks (src/cli/main.ts). bin/atoll then imports dist's
 * modules, so the stacks point into dist's files rather than into the one-line-per-statement
 * bundle, which has no source map.
 */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || env.ATOLL_DEBUG === '1';
}

/**
 * The bundled CLI (with its code cache), or null (then the caller imports dist's modules): when
 * ATOLL_NO_CODE_CACHE=1, when debugging (stacks), when the bundle is missing or stale, or when the
 * cache's header says V8 would reject it (other V8 flags: cacheFlagsMatch). A cache V8 rejects
 * all the same leaves a correctly compiled script of the same code as dist's: it runs, without
 * the cache's head start, rather than paying for dist's modules on top. ATOLL_CODE_CACHE_DEBUG=1 says
 * which on stderr.
 */
export function loadBundledCli(argv: readonly string[] = process.argv.slice(2), paths: BundlePaths = bundlePaths()): BundledCli | null {
  const debug = process.env.ATOLL_CODE_CACHE_DEBUG === '1';
  const skip = (reason: string): null => {
    if (debug) process.stderr.write(`atoll: code cache: not used: ${reason}\n`);
    return null;
  };
  if (process.env.ATOLL_NO_CODE_CACHE === '1') return skip('ATOLL_NO_CODE_CACHE=1');
  if (debugRequested(argv)) return skip('--debug or ATOLL_DEBUG=1 (stack traces from dist/)');
  const stamp = checkBundle(paths);
  if (typeof stamp === 'string') return skip(stamp);
  let script: Script;
  try {
    const cache = readFileSync(paths.cache);
    if (!cacheFlagsMatch(cache)) return skip('V8 would reject the code cache (different V8 flags or version)');
    // latin1: the build made the bundle pure ASCII, so bytes = characters
    const source = readFileSync(paths.source, 'latin1');
    // a build replacing the files between the stat above and these reads
    if (source.length !== stamp.sourceSize || cache.length !== stamp.cacheSize) return skip('bundle files changed while loading');
    script = compileBundle(source, paths.source, cache);
  } catch (err) {
    return skip(`cannot load the bundle: ${err instanceof Error ? err.message : String(err)}`);
  }
  let cli: BundledCli;
  try {
    cli = runBundle(script, paths);
  } catch (err) {
    return skip(`cannot run the bundle: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (debug) {
    if (script.cachedDataRejected !== false) {
      process.stderr.write(`atoll: code cache: rejected by V8 (different V8 flags or version), bundle run without it (${paths.source})\n`);
    } else {
      process.stderr.write(`atoll: code cache: used (${paths.source})\n`);
    }
  }
  return cli;
}
