/**
 * A synthetic rpm-md repository of N packages with Fedora-like metadata: per package ~6
 * provides (self, ISA, sonames, virtuals), ~12 requires (sonames with symbol versions, plain,
 * versioned, a few pre-requires and rich dependencies), occasional conflicts/obsoletes/weak
 * deps, 2-3 primary files and a multi-line description. Seeded: same N and seed, same bytes.
 * `node dist/bench/gen-primary.js DIR --packages 60000 --seed 1`
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { RPMSENSE, type Dependency } from '../src/rpm/index.js';
import { mulberry32 as seededRandom } from '../src/util/index.js';
import { emptyRepoPackage, primaryHeader, primaryPackage, PRIMARY_FOOTER, filelistsHeader, FILELISTS_FOOTER, otherHeader, OTHER_FOOTER, repomdXml, type RepoPackage, type RepomdDataOut } from '../src/rpmmd/index.js';

export async function generateRepo(dir: string, options: { packages: number; seed?: number }): Promise<void> {
  const random = seededRandom(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const n = options.packages;
  const name = (i: number): string => `pkg${i.toString(36)}-${['lib', 'tools', 'devel', 'common', 'data', ''][i % 6]}`.replace(/-$/, '');
  const chunks: string[] = [primaryHeader(n)];
  for (let i = 0; i < n; i++) {
    const p: RepoPackage = emptyRepoPackage();
    p.name = name(i);
    p.version = `${1 + Math.floor(random() * 9)}.${Math.floor(random() * 20)}.${Math.floor(random() * 5)}`;
    p.release = `${1 + Math.floor(random() * 5)}.fc40`;
    p.epoch = random() < 0.05 ? 1 + Math.floor(random() * 3) : null;
    p.arch = random() < 0.3 ? 'noarch' : 'x86_64';
    const evr = `${p.epoch ?? 0}:${p.version}-${p.release}`.replace(/^0:/, '');
    p.summary = `Synthetic package number ${i} for benchmarks`;
    p.description = `This is package ${p.name}.\nIt exists so that metadata readers have something Fedora-sized to chew on.\n`.repeat(1 + (i % 3));
    p.packager = 'Fedora Project';
    p.vendor = 'Fedora Project';
    p.url = `https://example.org/${p.name}`;
    p.license = pick(['MIT', 'GPL-2.0-or-later', 'LGPL-2.1-or-later', 'BSD-3-Clause', 'Apache-2.0']);
    p.group = 'Unspecified';
    p.buildhost = `buildhw-x86-${i % 16}.fedoraproject.org`;
    p.sourcerpm = `${p.name}-${p.version}-${p.release}.src.rpm`;
    p.buildtime = 1700000000 + i;
    p.fileTime = 1700000000 + i;
    p.packageSize = 10000 + Math.floor(random() * 5e6);
    p.installedSize = p.packageSize * 3;
    p.archiveSize = p.installedSize + 1000;
    p.headerStart = 4504;
    p.headerEnd = 4504 + Math.floor(random() * 100000);
    p.checksumType = 'sha256';
    p.pkgid = createHash('sha256').update(`${options.seed ?? 1}:${i}`).digest('hex');
    p.locationHref = `Packages/${p.name[3]}/${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
    const eq = (nm: string, e: string): Dependency => ({ name: nm, flags: RPMSENSE.EQUAL, evr: e });
    p.provides = [eq(p.name, evr)];
    if (p.arch === 'x86_64') p.provides.push(eq(`${p.name}(x86-64)`, evr));
    for (let k = 0; k < Math.floor(random() * 6); k++) p.provides.push({ name: `lib${p.name}.so.${k}()(64bit)`, flags: 0, evr: '' });
    if (random() < 0.2) p.provides.push(eq(`${p.name}-virtual`, p.version));
    const reqCount = 4 + Math.floor(random() * 16);
    for (let k = 0; k < reqCount; k++) {
      const j = Math.floor(random() * n);
      const r = random();
      if (r < 0.45) p.requires.push({ name: `lib${name(j)}.so.0()(64bit)`, flags: 0, evr: '' });
      else if (r < 0.6) p.requires.push({ name: `libc.so.6(GLIBC_2.${2 + (k % 30)})(64bit)`, flags: 0, evr: '' });
      else if (r < 0.8) p.requires.push({ name: name(j), flags: 0, evr: '' });
      else if (r < 0.95) p.requires.push({ name: name(j), flags: RPMSENSE.GREATER | RPMSENSE.EQUAL, evr: `${1 + (k % 5)}.0` });
      else p.requires.push({ name: `(${name(j)} if ${name((j + 1) % n)})`, flags: 0, evr: '' });
    }
    if (random() < 0.15) p.requires.push({ name: '/bin/sh', flags: RPMSENSE.PREREQ, evr: '' });
    if (random() < 0.05) p.conflicts.push({ name: name((i + 7) % n), flags: RPMSENSE.LESS, evr: '1.0' });
    if (random() < 0.15) p.obsoletes.push({ name: `${p.name}-old`, flags: RPMSENSE.LESS, evr: evr });
    if (random() < 0.05) p.recommends.push({ name: name((i + 3) % n), flags: 0, evr: '' });
    if (random() < 0.03) p.supplements.push({ name: `(${p.name.split('-')[0]} and langpacks-en)`, flags: 0, evr: '' });
    p.files = [{ path: `/usr/bin/${p.name}`, type: 'file' }];
    if (random() < 0.5) p.files.push({ path: `/etc/${p.name}`, type: 'dir' }, { path: `/etc/${p.name}/${p.name}.conf`, type: 'file' });
    chunks.push(primaryPackage(p));
  }
  chunks.push(PRIMARY_FOOTER);
  await mkdir(join(dir, 'repodata'), { recursive: true });
  const records: RepomdDataOut[] = [];
  for (const [type, xml] of [['primary', chunks.join('')], ['filelists', filelistsHeader(0) + FILELISTS_FOOTER], ['other', otherHeader(0) + OTHER_FOOTER]] as const) {
    const open = Buffer.from(xml);
    const stored = gzipSync(open, { level: 6 });
    const sum = createHash('sha256').update(stored).digest('hex');
    await writeFile(join(dir, 'repodata', `${sum}-${type}.xml.gz`), stored);
    records.push({
      type,
      checksum: { type: 'sha256', value: sum },
      openChecksum: { type: 'sha256', value: createHash('sha256').update(open).digest('hex') },
      href: `repodata/${sum}-${type}.xml.gz`,
      timestamp: 1700000000,
      size: stored.length,
      openSize: open.length,
    });
  }
  await writeFile(join(dir, 'repodata', 'repomd.xml'), repomdXml('1700000000', records));
}

if (process.argv[1]?.endsWith('gen-primary.js')) {
  const args = process.argv.slice(2);
  const get = (flag: string, fallback: number): number => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  await generateRepo(args[0] ?? 'gen-repo', { packages: get('--packages', 60000), seed: get('--seed', 1) });
}
