import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { AtollError } from '../../errors/index.js';
import type { RpmHeaderPackage } from '../../rpm/index.js';
import type * as RpmLibModule from '../../rpm/index.js';

// Implementations load in a preAction hook (see program.ts): start-up only registers names and options.
let rpmLib: typeof RpmLibModule;

/** Load what the actions of this file call (once; before the first action runs). */
export async function loadRpmCommands(): Promise<void> {
  [rpmLib] = await Promise.all([import('../../rpm/index.js')]);
}

function describe(pkg: RpmHeaderPackage): string {
  const lines = [
    `${rpmLib.formatNevra(pkg)}${pkg.isSource ? ' (source)' : ''}`,
    `  summary:    ${pkg.summary}`,
    `  license:    ${pkg.license}`,
    `  buildtime:  ${new Date(pkg.buildtime * 1000).toISOString()}`,
    `  size:       ${pkg.installedSize}`,
    `  sourcerpm:  ${pkg.sourcerpm ?? '(none)'}`,
    `  payload:    ${pkg.payload.format ?? 'cpio'}/${pkg.payload.compressor ?? 'none'}${pkg.payload.flags ? ` (${pkg.payload.flags})` : ''}`,
    `  signed:     ${pkg.signature.signed ? 'yes' : 'no'}`,
    `  header:     bytes ${pkg.headerRange.start}-${pkg.headerRange.end}`,
  ];
  for (const kind of ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const) {
    if (pkg[kind].length === 0) continue;
    lines.push(`  ${kind}:`);
    for (const d of pkg[kind]) lines.push(`    ${rpmLib.formatDependency(d)}`);
  }
  if (pkg.files.length > 0) {
    lines.push(`  files (${pkg.files.length}):`);
    for (const f of pkg.files) {
      const tags = [f.flags & rpmLib.RPMFILE.CONFIG ? 'config' : '', f.flags & rpmLib.RPMFILE.GHOST ? 'ghost' : '', f.flags & rpmLib.RPMFILE.DOC ? 'doc' : '']
        .filter(Boolean)
        .join(',');
      lines.push(`    ${f.mode.toString(8).padStart(6, '0')} ${f.user}:${f.group} ${String(f.size).padStart(8)} ${f.path}${f.linkto ? ` -> ${f.linkto}` : ''}${tags ? ` [${tags}]` : ''}`);
    }
  }
  for (const [kind, s] of Object.entries(pkg.scripts)) {
    if (s) lines.push(`  %${kind} (${s.prog.join(' ') || 'no interpreter'})`);
  }
  return lines.join('\n');
}

/** `atoll rpm ...`: read and unpack RPM files. */
export function registerRpmCommands(program: Command, context: CliContext): void {
  const rpm = program.command('rpm').description('read, unpack and build RPM package files');
  registerRpmBuild(rpm, context);
  rpm
    .command('inspect')
    .description('print the header of RPM files (headers only; --verify also checks the payload)')
    .argument('<file...>', 'RPM package files')
    .option('--json', 'print the package model as JSON (one object for one file, an array for several)')
    .option('--verify', 'verify header and payload digests and sizes (reads the whole payload)')
    .action(async (files: string[], options: { json?: boolean; verify?: boolean }) => {
      const results: Record<string, unknown>[] = [];
      const failed: string[] = [];
      for (const file of files) {
        const { pkg } = await rpmLib.readRpmFile(file);
        const json = rpmLib.packageToJson(pkg);
        if (options.verify) {
          const report = await rpmLib.verifyRpmFile(file);
          json.verify = report;
          if (!report.ok) failed.push(`${file}: ${report.error?.message ?? 'failed'}`);
        }
        if (options.json) results.push(json);
        else {
          context.out(describe(pkg));
          if (json.verify) context.out(`  verify:     ${JSON.stringify(json.verify)}`);
        }
      }
      if (options.json) context.printJson(files.length === 1 ? results[0] : results);
      if (failed.length > 0) {
        throw new AtollError('RPM_VERIFY_FAILED', `${failed.length} package(s) failed verification: ${failed.join('; ')}`, {
          hint: 'the package file is corrupt or was modified; download it again',
        });
      }
    });
  rpm
    .command('unpack')
    .description('unpack an RPM payload into a directory (metadata from the header; all digests checked first)')
    .argument('<file>', 'RPM package file')
    .argument('<dir>', 'target directory (absent or empty)')
    .option('--json', 'print what was unpacked as JSON')
    .option('--special-files <policy>', 'device nodes/FIFOs/sockets: skip or error', 'skip')
    .option('--file-digests <when>', 'check every file digest: always, or auto (only without a payload digest)', 'auto')
    .action(async (file: string, dir: string, options: { json?: boolean; specialFiles: string; fileDigests: string }) => {
      if (options.fileDigests !== 'always' && options.fileDigests !== 'auto') {
        throw new AtollError('CLI_USAGE', `--file-digests must be always or auto, not '${options.fileDigests}'`);
      }
      if (options.specialFiles !== 'skip' && options.specialFiles !== 'error') {
        throw new AtollError('CLI_USAGE', `--special-files must be skip or error, not '${options.specialFiles}'`);
      }
      // One unpack spends its time in syscalls, the decoder process and hashing, not in
      // JavaScript: V8's optimizing compiler would spend ~0.1-0.2 s of CPU on background
      // threads compiling code that then runs for a second. Capping tiering at the baseline
      // compiler (Sparkplug) for this process saves that (bench: -0.08 s CPU per 100 MB zstd
      // package, -0.1 to -0.3 s per xz one). V8 reads this flag at each tiering decision.
      setFlagsFromString('--max-opt=1');
      const result = await rpmLib.unpackRpm(file, dir, { reporter: context.reporter, specialFiles: options.specialFiles, fileDigests: options.fileDigests });
      const summary = {
        package: rpmLib.formatNevra(result.pkg),
        target: dir,
        entries: result.entries,
        bytes: result.bytes,
        checked: result.integrity.checked,
        warnings: result.integrity.warnings,
        capabilities: result.capabilities.map((c) => ({ path: c.path, text: c.text, xattr: Buffer.from(c.xattr).toString('hex') })),
        skipped: result.skipped,
      };
      if (options.json) context.printJson(summary);
      else context.out(`unpacked ${summary.package}: ${summary.entries} entries, ${summary.bytes} bytes into ${dir}`);
    });
}

/** `atoll rpm build`: packages from declarative JSON/YAML descriptions (src/rpm/build). */
function registerRpmBuild(rpm: Command, context: CliContext): void {
  rpm
    .command('build')
    .description('build RPM packages from JSON/YAML package descriptions (reproducible byte for byte)')
    .argument('<description...>', 'description files, each one package or a list of packages')
    .option('-o, --output <dir>', 'directory for the packages (created if missing)', '.')
    .option('--json', 'print what was built as JSON')
    .action(async (files: string[], options: { output: string; json?: boolean }) => {
      const built: Record<string, unknown>[] = [];
      await mkdir(options.output, { recursive: true });
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          throw new AtollError('CLI_USAGE', `cannot read package description ${file}: ${(error as Error).message}`);
        }
        for (const description of rpmLib.parsePackageDescriptions(text, file)) {
          const path = join(options.output, rpmLib.rpmFileName(description));
          const result = await rpmLib.writeRpm(description, path);
          built.push({ path, nevra: result.nevra, size: result.bytes.length, headerRange: { start: result.headerStart, end: result.headerEnd } });
          if (!options.json) context.out(path);
        }
      }
      if (options.json) context.printJson(built);
    });
}
