/**
 * Package descriptions for tests: a feature matrix (every compressor, hardlinks, ghosts, caps,
 * faked ≥ 4 GiB sizes, rich deps, all dependency kinds, scripts, noarch/x86_64, with/without
 * epoch) and seeded generators of package sets with dependencies among them. Deterministic: the
 * same arguments always give the same descriptions (and so, built, the same bytes).
 */
import { join } from 'node:path';
import { mapLimit, defaultParallelism } from '../../util/index.js';
import type { PackageDescription, PayloadCompressor, FileInput } from './description.js';
import { writeRpm } from './write-rpm.js';
import { rpmFileName } from './build-rpm.js';
import { mulberry32 as seededRandom } from '../../util/index.js';


export const COMPRESSORS: readonly PayloadCompressor[] = ['gzip', 'xz', 'zstd', 'bzip2', 'none'];

/** One named description per feature combination; `installable` is false where the header lies (sizeOverride). */
export interface MatrixCase {
  id: string;
  description: PackageDescription;
  /** False for packages whose header declares sizes the payload does not carry. */
  installable: boolean;
}

function baseFiles(name: string): FileInput[] {
  return [
    { path: `/usr/share/${name}`, type: 'dir' },
    { path: `/usr/share/${name}/hello.txt`, content: `hello from ${name}\n` },
    { path: `/usr/share/${name}/empty`, content: '' },
    { path: `/usr/share/${name}/link`, target: 'hello.txt' },
    { path: `/usr/share/${name}/abs-link`, target: `/usr/share/${name}/hello.txt` },
    { path: `/usr/bin/${name}`, content: `#!/bin/sh\necho ${name}\n`, mode: 0o755 },
    { path: `/usr/share/${name}/binary.bin`, content: { size: 3000, fill: 'ab\u0000\u00ff' } },
    { path: `/usr/share/${name}/sp ace-é.txt`, content: 'ü\n', mtime: 1600000000 },
  ];
}

/** The generated matrix the writer's interop test checks against rpm, and readers can reuse. */
export function featureMatrix(): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const compressor of COMPRESSORS) {
    const name = `mx-${compressor}`;
    cases.push({
      id: `compressor-${compressor}`,
      installable: true,
      description: { name, version: '1.0', release: '1', arch: compressor === 'xz' ? 'x86_64' : 'noarch', summary: `matrix ${compressor}`, files: baseFiles(name), payload: { compressor } },
    });
  }
  cases.push({
    id: 'hardlinks-ghosts-config',
    installable: true,
    description: {
      name: 'mx-links',
      epoch: 2,
      version: '3.1',
      release: '7.fc99',
      arch: 'x86_64',
      summary: 'hardlinks, ghosts and config files',
      license: 'GPL-2.0-or-later',
      url: 'https://example.invalid/mx-links',
      vendor: 'atoll tests',
      packager: 'Atoll Tests <tests@example.invalid>',
      group: 'System Environment/Base',
      files: [
        { path: '/usr/lib/mx-links', type: 'dir', mode: 0o700, user: 'daemon', group: 'daemon' },
        { path: '/usr/lib/mx-links/a', content: 'shared content\n' },
        { path: '/usr/lib/mx-links/b', hardlink: '/usr/lib/mx-links/a' },
        { path: '/usr/lib/mx-links/c', hardlink: '/usr/lib/mx-links/a' },
        { path: '/usr/lib/mx-links/other', content: 'x' },
        { path: '/usr/lib/mx-links/other2', hardlink: '/usr/lib/mx-links/other' },
        { path: '/etc/mx-links.conf', content: 'key=value\n', config: true, noreplace: true },
        { path: '/etc/mx-links.d', type: 'dir' },
        { path: '/etc/mx-links.d/missing.conf', content: 'a=1\n', config: true, missingok: true },
        { path: '/var/lib/mx-links', type: 'dir', mode: 0o750, user: 'daemon', group: 'daemon' },
        { path: '/var/lib/mx-links/state', ghost: true, mode: 0o640, user: 'daemon', group: 'daemon' },
        { path: '/var/log/mx-links.log', ghost: true },
        { path: '/usr/share/doc/mx-links/README', content: 'readme\n', doc: true },
        { path: '/usr/share/licenses/mx-links/LICENSE', content: 'license\n', license: true },
        { path: '/usr/share/mx-links/readme-flag', content: 'r\n', readme: true },
        { path: '/usr/share/mx-links/artifact', content: 'art\n', artifact: true },
        { path: '/usr/share/mx-links/de/greeting', content: 'hallo\n', lang: 'de' },
        { path: '/usr/share/mx-links/verify', content: 'v\n', verifyFlags: 0xffffffdc },
      ],
      payload: { compressor: 'zstd' },
    },
  });
  cases.push({
    id: 'caps-setuid-owners',
    installable: true,
    description: {
      name: 'mx-caps',
      version: '0.9',
      release: '0',
      arch: 'x86_64',
      files: [
        { path: '/usr/bin/mx-ping', content: 'ping\n', mode: 0o755, caps: 'cap_net_raw=ep' },
        { path: '/usr/bin/mx-su', content: 'su\n', mode: 0o4755 },
        { path: '/usr/bin/mx-sg', content: 'sg\n', mode: 0o2711, group: 'mail' },
        { path: '/usr/share/mx-caps', type: 'dir', mode: 0o1777 },
        { path: '/usr/share/mx-caps/owned', content: 'owned\n', mode: 0o600, user: 'bin', group: 'daemon', mtime: 1234567890 },
      ],
      payload: { compressor: 'xz' },
    },
  });
  cases.push({
    id: 'all-dependency-kinds-rich',
    installable: true,
    description: {
      name: 'mx-deps',
      version: '2.0~rc1',
      release: '1',
      epoch: 0,
      provides: ['mx-virtual = 2.0', 'mx-unversioned', 'mx-caret = 1.0^20230101', { name: 'mx-obj', op: '>=', evr: '1:1.0-1' }],
      requires: [
        'foo >= 1.0',
        'bar',
        'baz < 3:2.0-1',
        'libqux.so.1()(64bit)',
        '/usr/bin/env',
        '(pkgA >= 1.0 or pkgB)',
        '(pkgC if pkgD else pkgE)',
        { name: 'shadow-utils', qualifiers: ['pre'] },
        { name: 'coreutils', op: '>=', evr: '8.0', qualifiers: ['post'] },
        { name: 'systemd', qualifiers: ['preun', 'postun'] },
        { name: 'meta-only', qualifiers: ['meta'] },
      ],
      conflicts: ['old-thing < 2', '(evil and bad)'],
      obsoletes: ['mx-deps-old <= 1.0-1', 'mx-ancient'],
      recommends: ['rec-pkg', '(rec-a or rec-b)'],
      suggests: ['sug-pkg > 0.5'],
      supplements: ['(sup-pkg and langpacks-de)'],
      enhances: ['enh-pkg = 1.0'],
      orderWithRequires: ['order-first', 'order-second >= 2'],
      files: [{ path: '/usr/share/mx-deps/data', content: 'd\n' }],
      payload: { compressor: 'bzip2' },
    },
  });
  cases.push({
    id: 'scripts-triggers',
    installable: true,
    description: {
      name: 'mx-scripts',
      version: '1',
      release: '1',
      arch: 'x86_64',
      scripts: {
        pretrans: { prog: '<lua>', body: 'print("pretrans")' },
        prein: 'echo "pre $1"',
        postin: { prog: ['/bin/sh', '-e'], body: 'echo "post $1"' },
        preun: { prog: '/bin/bash', body: 'echo "preun $1"' },
        postun: { prog: '/sbin/ldconfig' },
        posttrans: 'echo posttrans',
        verifyscript: { prog: '/bin/sh', body: 'echo verify' },
      },
      triggers: [
        { type: 'in', conditions: ['bash >= 5.0'], body: 'echo triggerin' },
        { type: 'un', prog: '<lua>', conditions: ['glibc', 'glibc-common'], body: 'print("triggerun")' },
      ],
      fileTriggers: [
        { type: 'in', prefixes: ['/usr/lib/mx'], body: 'cat' },
        { type: 'in', scope: 'transaction', priority: 1000, prefixes: ['/usr/share/mx', '/usr/lib64/mx'], body: 'cat >/dev/null' },
      ],
      files: [{ path: '/usr/share/mx-scripts/x', content: 'x\n' }],
      payload: { compressor: 'gzip', level: 6 },
    },
  });
  cases.push({
    id: 'empty-meta-package',
    installable: true,
    description: { name: 'mx-meta', version: '5', release: '1', requires: ['mx-deps', 'mx-caps = 0.9-0'], sourcerpm: 'mx-meta-5-1.src.rpm' },
  });
  cases.push({
    id: 'large-files-faked',
    installable: false,
    description: {
      name: 'mx-large',
      version: '1.0',
      release: '1',
      files: [
        { path: '/opt/mx-large', type: 'dir' },
        { path: '/opt/mx-large/big.bin', content: 'not really big\n', sizeOverride: 2 ** 32 + 1 },
        { path: '/opt/mx-large/link', target: 'small.txt' },
        { path: '/opt/mx-large/small.txt', content: 'small\n' },
      ],
      payload: { compressor: 'zstd' },
    },
  });
  cases.push({
    id: 'no-auto-deps',
    installable: true,
    description: {
      name: 'mx-plain',
      version: '1',
      release: '1',
      autoDeps: false,
      requires: ['explicit-only'],
      files: [{ path: '/usr/share/mx-plain', content: 'plain\n' }],
    },
  });
  return cases;
}

export interface PackageSetOptions {
  /** Number of packages (default 20). */
  count?: number;
  seed?: number;
  /** Name prefix (default `pkg`). */
  prefix?: string;
  compressor?: PayloadCompressor;
  /** Files per package (default 3). */
  files?: number;
  /** Also emit an older version of every Nth package (0 = never; default 0). */
  olderVersionsEvery?: number;
  buildtime?: number;
}

/**
 * A set of packages that depend on each other: package i requires a few packages with lower
 * indexes (so the graph is acyclic and every requirement is satisfiable inside the set), some
 * through versioned requires, virtual provides and file requires. Handy for depsolver, repo
 * metadata and compose tests.
 */
export function fixturePackageSet(options: PackageSetOptions = {}): PackageDescription[] {
  const count = options.count ?? 20;
  const random = seededRandom(options.seed ?? 1);
  const prefix = options.prefix ?? 'pkg';
  const fileCount = options.files ?? 3;
  const out: PackageDescription[] = [];
  const name = (i: number): string => `${prefix}-${String(i).padStart(4, '0')}`;
  for (let i = 0; i < count; i++) {
    const requires: string[] = [];
    const picks = i === 0 ? 0 : Math.min(i, Math.floor(random() * 4));
    for (let k = 0; k < picks; k++) {
      const j = Math.floor(random() * i);
      const style = Math.floor(random() * 4);
      if (style === 0) requires.push(name(j));
      else if (style === 1) requires.push(`${name(j)} >= 1.0`);
      else if (style === 2) requires.push(`${name(j)}-virtual`);
      else requires.push(`/usr/bin/${name(j)}`);
    }
    const files: FileInput[] = [{ path: `/usr/bin/${name(i)}`, content: `#!/bin/sh\necho ${name(i)}\n`, mode: 0o755 }];
    for (let f = 1; f < fileCount; f++) {
      files.push({ path: `/usr/share/${name(i)}/file-${f}.txt`, content: { size: Math.floor(random() * 2048), fill: `${name(i)}:${f};` } });
    }
    const minor = Math.floor(random() * 10);
    out.push({
      name: name(i),
      version: `1.${minor}`,
      release: `${1 + Math.floor(random() * 3)}`,
      arch: random() < 0.5 ? 'noarch' : 'x86_64',
      summary: `fixture package ${i}`,
      provides: [`${name(i)}-virtual = 1.${minor}`],
      requires: [...new Set(requires)],
      files,
      buildtime: options.buildtime,
      payload: { compressor: options.compressor ?? 'gzip' },
    });
    if (options.olderVersionsEvery && i % options.olderVersionsEvery === 0) {
      out.push({ ...(out[out.length - 1] as PackageDescription), version: '0.9', release: '1' });
    }
  }
  return out;
}

/**
 * Build every description into `dir` (rpmbuild file names); returns the paths in order. Builds
 * run concurrently (external compressors use the other cores).
 */
export async function writeFixturePackages(dir: string, descriptions: readonly PackageDescription[]): Promise<string[]> {
  return await mapLimit(descriptions, defaultParallelism(), async (description) => {
    const path = join(dir, rpmFileName(description));
    await writeRpm(description, path);
    return path;
  });
}
