// The RPM writer against the real tools: every package of the generated feature matrix must read
// back through Debian's rpm 4.18 (`rpm -qp --queryformat`) exactly as described, verify with
// `rpm -K`, unpack with `rpm2cpio | cpio`, install with `rpm -i --root`, run its scriptlets in a
// root that has a shell, and be indexed by createrepo_c. Expected values are derived here from the
// descriptions with the spec's rules (rpm-format.md §7), not from the writer's own code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { requireTool, requirePythonModule, systemPython, tempDir, isRoot, hasProgram } from '../helpers/env.js';
import { run, runOk } from '../helpers/run.js';
import {
  featureMatrix,
  writeRpm,
  fixturePackageSet,
  writeFixturePackages,
  type MatrixCase,
  type PackageDescription,
  type FileInput,
  type DependencyInput,
  type BuiltRpm,
} from '../../src/rpm/index.js';

const BUILDTIME = Number(process.env.SOURCE_DATE_EPOCH ?? 1700000000);
const SEP = '|@|';

// ---------------------------------------------------------------- expectations from the spec

const SENSE: Record<string, number> = { '<': 2, '<=': 10, '=': 8, '==': 8, '>=': 12, '>': 4 };
const QUAL: Record<string, number> = { pre: 0x200, post: 0x400, preun: 0x800, postun: 0x1000, pretrans: 0x80, posttrans: 0x20, interp: 0x100, meta: 0x20000000, verify: 0x2000 };
const SCRIPT_BIT: Record<string, number> = { pretrans: 0x80, prein: 0x200, pre: 0x200, postin: 0x400, post: 0x400, preun: 0x800, postun: 0x1000, posttrans: 0x20, verifyscript: 0x2000 };
const SCRIPT_ALIAS: Record<string, string> = { pre: 'prein', post: 'postin' };
const TRIGGER_BIT: Record<string, number> = { prein: 0x2000000, in: 0x10000, un: 0x20000, postun: 0x40000 };

function depTriple(d: DependencyInput): string {
  if (typeof d === 'string') {
    const parts = d.trim().split(/\s+/);
    if (d.trim().startsWith('(') || parts.length === 1) return `${d.trim()}|0|`;
    return `${parts[0]}|${SENSE[parts[1] as string]}|${parts[2]}`;
  }
  let flags = (d.flags ?? 0) | (d.op ? (SENSE[d.op] as number) : 0);
  for (const q of d.qualifiers ?? []) flags |= QUAL[q] as number;
  return `${d.name}|${flags >>> 0}|${d.evr ?? ''}`;
}

function evrOf(d: PackageDescription): string {
  return `${d.epoch === undefined || d.epoch === null ? '' : `${d.epoch}:`}${d.version}-${d.release}`;
}

function progOf(s: { prog?: string | string[] } | string): string[] {
  if (typeof s === 'string' || s.prog === undefined) return ['/bin/sh'];
  return typeof s.prog === 'string' ? [s.prog] : s.prog;
}

/** The non-rpmlib dependencies rpmbuild would record for the description. */
function expectedDeps(d: PackageDescription): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const kind of ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const) {
    out[kind] = (d[kind] ?? []).map(depTriple);
  }
  if (d.autoDeps !== false) {
    const evr = evrOf(d);
    out.provides!.push(`${d.name}|8|${evr}`);
    if (d.arch === 'x86_64') out.provides!.push(`${d.name}(x86-64)|8|${evr}`);
    if (d.autoReqProv !== false && (d.files ?? []).some((f) => f.config || f.noreplace || f.missingok)) {
      out.provides!.push(`config(${d.name})|${0x10000008}|${evr}`);
      out.requires!.push(`config(${d.name})|${0x10000008}|${evr}`);
    }
    for (const [kind, s] of Object.entries(d.scripts ?? {})) {
      const prog = progOf(s as never)[0] as string;
      if (prog !== '<lua>') out.requires!.push(`${prog}|${0x100 | (SCRIPT_BIT[kind] as number)}|`);
    }
    for (const tr of [...(d.triggers ?? []), ...(d.fileTriggers ?? [])]) {
      const prog = progOf(tr)[0] as string;
      if (prog !== '<lua>') out.requires!.push(`${prog}|${0x100}|`);
    }
  }
  for (const kind of Object.keys(out)) out[kind] = [...new Set(out[kind])].sort();
  return out;
}

/** rpmlib() features the package must require (a subset check: rpm must know every one it has). */
function expectedRpmlib(d: PackageDescription): string[] {
  if (d.autoDeps === false) return [];
  const files = d.files ?? [];
  const scripts = [...Object.values(d.scripts ?? {}), ...(d.triggers ?? []), ...(d.fileTriggers ?? [])] as Array<{ prog?: string | string[] } | string>;
  const all = Object.values(expectedDeps(d)).flat();
  const want = ['CompressedFileNames', 'FileDigests', 'PayloadFilesHavePrefix'];
  const c = d.payload?.compressor ?? 'gzip';
  if (c === 'xz') want.push('PayloadIsXz');
  if (c === 'zstd') want.push('PayloadIsZstd');
  if (c === 'bzip2') want.push('PayloadIsBzip2');
  if (files.some((f) => f.caps)) want.push('FileCaps');
  if (files.some((f) => f.hardlink)) want.push('PartialHardlinkSets');
  if (files.some((f) => (f.sizeOverride ?? 0) >= 2 ** 32)) want.push('LargeFiles');
  if (all.some((t) => t.startsWith('('))) want.push('RichDependencies');
  if ([d.version, d.release, ...all].some((v) => v.includes('~'))) want.push('TildeInVersions');
  if ([d.version, d.release, ...all].some((v) => v.includes('^'))) want.push('CaretInVersions');
  if (scripts.some((s) => progOf(s)[0] === '<lua>')) want.push('BuiltinLuaScripts');
  if (scripts.some((s) => progOf(s).length > 1)) want.push('ScriptletInterpreterArgs');
  return want.map((w) => `rpmlib(${w})`).sort();
}

const TYPE_BITS: Record<string, number> = { file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000 };
const DEFAULT_PERMS: Record<string, number> = { file: 0o644, dir: 0o755, symlink: 0o777, char: 0o660, block: 0o660, fifo: 0o644 };

function typeOf(f: FileInput): string {
  return f.type ?? (f.target !== undefined ? 'symlink' : 'file');
}

function contentOf(f: FileInput, all: readonly FileInput[]): Buffer {
  let src = f;
  while (src.hardlink !== undefined) src = all.find((g) => g.path === src.hardlink) as FileInput;
  const c = src.content;
  if (c === undefined) return Buffer.alloc(0);
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  if (c instanceof Uint8Array) return Buffer.from(c);
  if ('base64' in c) return Buffer.from(c.base64, 'base64');
  const out = Buffer.alloc(c.size);
  if (typeof c.fill === 'number') out.fill(c.fill);
  else if (typeof c.fill === 'string') out.fill(c.fill, 'utf8');
  return out;
}

function fileFlags(f: FileInput): number {
  return (
    (f.config || f.noreplace || f.missingok ? 1 : 0) |
    (f.doc ? 2 : 0) |
    (f.missingok ? 8 : 0) |
    (f.noreplace ? 0x10 : 0) |
    (f.ghost ? 0x40 : 0) |
    (f.license ? 0x80 : 0) |
    (f.readme ? 0x100 : 0) |
    (f.artifact ? 0x1000 : 0)
  );
}

/** One line per file, as the query format below prints it; sorted by path like the header. */
function expectedFileLines(d: PackageDescription): string[] {
  const files = d.files ?? [];
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return sorted.map((f) => {
    const type = typeOf(f);
    const regular = type === 'file' && !f.ghost;
    const content = regular ? contentOf(f, files) : Buffer.alloc(0);
    const size = f.sizeOverride ?? (regular ? content.length : type === 'symlink' ? Buffer.byteLength(f.target as string) : 0);
    const mode = (TYPE_BITS[type] as number) | (f.mode ?? (DEFAULT_PERMS[type] as number));
    const digest = regular ? createHash('sha256').update(content).digest('hex') : '';
    const verify = f.verifyFlags ?? (f.ghost ? 0xffffffd8 : 0xffffffff);
    return [f.path, mode, size, f.user ?? 'root', f.group ?? 'root', f.mtime ?? BUILDTIME, digest, fileFlags(f), f.target ?? '', f.lang ?? '', verify].join(SEP);
  });
}

// ---------------------------------------------------------------- queries

const FILE_QF = `[${['%{FILENAMES}', '%{FILEMODES}', '%{LONGFILESIZES}', '%{FILEUSERNAME}', '%{FILEGROUPNAME}', '%{FILEMTIMES}', '%{FILEDIGESTS}', '%{FILEFLAGS}', '%{FILELINKTOS}', '%{FILELANGS}', '%{FILEVERIFYFLAGS}'].join(SEP)}\n]`;
const SCALAR_QF = ['%{NAME}', '%{EPOCH}', '%{VERSION}', '%{RELEASE}', '%{ARCH}', '%{SUMMARY}', '%{DESCRIPTION}', '%{LICENSE}', '%{URL}', '%{VENDOR}', '%{PACKAGER}', '%{GROUP}', '%{BUILDTIME}', '%{BUILDHOST}', '%{SOURCERPM}', '%{PAYLOADFORMAT}', '%{PAYLOADCOMPRESSOR}', '%{OS}', '%{LONGSIZE}'].join(SEP);

function query(path: string, format: string): string {
  return runOk('rpm', ['-qp', '--nosignature', '--qf', format, path], { env: { ...process.env, LC_ALL: 'C.UTF-8' } });
}

function depLines(path: string, kind: string): string[] {
  const tag = { provides: 'PROVIDE', requires: 'REQUIRE', conflicts: 'CONFLICT', obsoletes: 'OBSOLETE', recommends: 'RECOMMEND', suggests: 'SUGGEST', supplements: 'SUPPLEMENT', enhances: 'ENHANCE' }[kind] as string;
  const out = query(path, `[%{${tag}NAME}|%{${tag}FLAGS}|%{${tag}VERSION}\n]`);
  return out.split('\n').filter((l) => l !== '');
}

function rpmlibFeatures(): Map<string, string> {
  const text = runOk('rpm', ['--showrc']);
  const section = text.slice(text.indexOf('Features supported by rpmlib'));
  return new Map([...section.matchAll(/^\s+(rpmlib\([^)]+\)) = (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

// ---------------------------------------------------------------- the matrix

async function buildMatrix(dir: string): Promise<Array<MatrixCase & { path: string; built: BuiltRpm }>> {
  const out = [];
  for (const c of featureMatrix()) {
    const built = await writeRpm(c.description, join(dir, `${c.id}.rpm`));
    out.push({ ...c, path: join(dir, `${c.id}.rpm`), built });
  }
  return out;
}

test('rpm -qp reads every matrix package exactly as described', async (t) => {
  if (!requireTool(t, 'rpm')) return;
  const dir = tempDir(t, 'atoll-rpmbuild-');
  const features = rpmlibFeatures();
  for (const c of await buildMatrix(dir)) {
    const d = c.description;
    const [name, epoch, version, release, arch, summary, description, license, url, vendor, packager, group, buildtime, buildhost, sourcerpm, format, compressor, os, size] = query(c.path, SCALAR_QF).split(SEP);
    const files = d.files ?? [];
    assert.deepEqual(
      { name, epoch, version, release, arch, summary, description, license, url, vendor, packager, group, buildtime, buildhost, sourcerpm, format, compressor, os },
      {
        name: d.name,
        epoch: d.epoch === undefined || d.epoch === null ? '(none)' : String(d.epoch),
        version: d.version,
        release: d.release,
        arch: d.arch ?? 'noarch',
        summary: d.summary ?? d.name,
        description: d.description ?? d.summary ?? d.name,
        license: d.license ?? 'MIT',
        url: d.url ?? '(none)',
        vendor: d.vendor ?? '(none)',
        packager: d.packager ?? '(none)',
        group: d.group ?? 'Unspecified',
        buildtime: String(d.buildtime ?? BUILDTIME),
        buildhost: d.buildhost ?? 'atoll.invalid',
        sourcerpm: d.sourcerpm ?? `${d.name}-${d.version}-${d.release}.src.rpm`,
        format: 'cpio',
        compressor: (d.payload?.compressor ?? 'gzip') === 'none' ? '(none)' : (d.payload?.compressor ?? 'gzip'),
        os: 'linux',
      },
      c.id,
    );
    // Installed size: regular files and symlinks, hardlink sets once, ghosts excluded.
    const counted = files.filter((f) => !f.ghost && !f.hardlink && (typeOf(f) === 'file' || typeOf(f) === 'symlink'));
    const expectedSize = counted.reduce((n, f) => n + (f.sizeOverride ?? (typeOf(f) === 'symlink' ? Buffer.byteLength(f.target as string) : contentOf(f, files).length)), 0);
    assert.equal(size, String(expectedSize), `${c.id} size`);

    // Dependencies: exact multiset of (name, flags, version) per kind, rpmlib() checked apart.
    const want = expectedDeps(d);
    for (const kind of Object.keys(want)) {
      const got = depLines(c.path, kind);
      const gotPlain = got.filter((l) => !l.startsWith('rpmlib('));
      assert.deepEqual([...gotPlain].sort(), want[kind], `${c.id} ${kind}`);
      assert.deepEqual(got, [...got].sort((a, b) => Buffer.compare(Buffer.from(a.split('|')[0] as string), Buffer.from(b.split('|')[0] as string))), `${c.id} ${kind} sorted by name`);
      if (kind === 'requires') {
        const rpmlib = got.filter((l) => l.startsWith('rpmlib('));
        for (const line of rpmlib) {
          const [n, flags] = line.split('|');
          assert.ok(features.has(n as string), `${c.id}: rpm does not know ${n}`);
          assert.equal(flags, String(0x0100000a), `${c.id}: ${n} flags`);
        }
        assert.deepEqual(rpmlib.map((l) => l.split('|')[0]).sort(), expectedRpmlib(d), `${c.id} rpmlib()`);
      }
    }
    const order = query(c.path, '[%{ORDERNAME}|%{ORDERFLAGS}|%{ORDERVERSION}\n]').split('\n').filter((l) => l !== '');
    assert.deepEqual(order, (d.orderWithRequires ?? []).map(depTriple).sort(), `${c.id} order-with-requires`);
    // %{REQUIRENEVRS} prints the spec syntax back.
    const nevrs = query(c.path, '[%{REQUIRENEVRS}\n]').split('\n').filter((l) => l !== '' && !l.startsWith('rpmlib('));
    for (const r of d.requires ?? []) if (typeof r === 'string') assert.ok(nevrs.includes(r), `${c.id}: ${r} in ${nevrs.join(', ')}`);

    // Files.
    if (files.length > 0) {
      const lines = query(c.path, FILE_QF).split('\n').filter((l) => l !== '');
      assert.deepEqual(lines, expectedFileLines(d), `${c.id} files`);
      const withCaps = files.filter((f) => f.caps);
      if (withCaps.length > 0) {
        const caps = query(c.path, '[%{FILENAMES}|%{FILECAPS}\n]').split('\n').filter((l) => l.includes('=')).sort();
        assert.deepEqual(caps, withCaps.map((f) => `${f.path}|${f.caps}`).sort(), `${c.id} caps`);
      }
      // Hardlinks share an inode; nothing else does.
      const inodes = query(c.path, '[%{FILENAMES}|%{FILEINODES}\n]').split('\n').filter((l) => l !== '').map((l) => l.split('|'));
      const inodeOf = new Map(inodes.map(([p, i]) => [p, i]));
      for (const f of files) {
        const same = files.filter((g) => g !== f && inodeOf.get(g.path) === inodeOf.get(f.path)).map((g) => g.path).sort();
        const root = (x: FileInput): string => (x.hardlink ? root(files.find((g) => g.path === x.hardlink) as FileInput) : x.path);
        const expected = files.filter((g) => g !== f && (f.hardlink || files.some((h) => h.hardlink && root(h) === f.path)) && root(g) === root(f)).map((g) => g.path).sort();
        assert.deepEqual(same, expected, `${c.id} ${f.path} hardlinks`);
      }
    } else {
      assert.equal(query(c.path, '%{FILENAMES}'), '(none)');
    }

    // Scriptlets with interpreters and bodies.
    const tags: Record<string, string> = { pretrans: 'PRETRANS', prein: 'PREIN', postin: 'POSTIN', preun: 'PREUN', postun: 'POSTUN', posttrans: 'POSTTRANS', verifyscript: 'VERIFYSCRIPT' };
    const scripts = Object.fromEntries(Object.entries(d.scripts ?? {}).map(([k, v]) => [SCRIPT_ALIAS[k] ?? k, v]));
    for (const [kind, tag] of Object.entries(tags)) {
      const s = scripts[kind];
      const [prog, body] = query(c.path, `[%{${tag}PROG} ]${SEP}%{${tag}}`).split(SEP);
      if (s === undefined) {
        assert.deepEqual([prog, body], ['', '(none)'], `${c.id} %${kind} absent`);
        continue;
      }
      assert.equal(prog, `${progOf(s).join(' ')} `, `${c.id} %${kind} prog`);
      assert.equal(body, typeof s === 'string' ? s : (s.body ?? '(none)'), `${c.id} %${kind} body`);
    }
    const triggers = query(c.path, '[%{TRIGGERNAME}|%{TRIGGERFLAGS}|%{TRIGGERVERSION}|%{TRIGGERINDEX}\n]').split('\n').filter((l) => l !== '');
    const wantTriggers = (d.triggers ?? []).flatMap((tr, i) =>
      tr.conditions.map((cond) => {
        const [n, f, v] = depTriple(cond).split('|');
        return `${n}|${Number(f) | (TRIGGER_BIT[tr.type] as number)}|${v}|${i}`;
      }),
    );
    assert.deepEqual(triggers, wantTriggers, `${c.id} triggers`);
    const fileTriggerQuery = (prefix: string): string[] =>
      query(c.path, `[%{${prefix}NAME}|%{${prefix}FLAGS}|%{${prefix}INDEX}\n]`).split('\n').filter((l) => l !== '');
    for (const [scope, prefix] of [['file', 'FILETRIGGER'], ['transaction', 'TRANSFILETRIGGER']] as const) {
      const list = (d.fileTriggers ?? []).filter((ft) => (ft.scope ?? 'file') === scope);
      const want2 = list.flatMap((ft, i) => ft.prefixes.map((p) => `${p}|${TRIGGER_BIT[ft.type]}|${i}`));
      assert.deepEqual(fileTriggerQuery(prefix), want2, `${c.id} ${prefix}`);
    }
  }
});

test('rpm -K verifies the digests of every matrix package', async (t) => {
  if (!requireTool(t, 'rpm')) return;
  const dir = tempDir(t, 'atoll-rpmbuild-');
  for (const c of await buildMatrix(dir)) {
    const r = run('rpm', ['-Kv', '--nosignature', c.path]);
    assert.equal(r.status, 0, `${c.id}: ${r.stdout}${r.stderr}`);
    const lines = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.includes('digest'));
    for (const check of ['Header SHA256 digest: OK', 'Header SHA1 digest: OK', 'Payload SHA256 digest: OK', 'MD5 digest: OK']) {
      assert.ok(lines.includes(check), `${c.id}: ${check} in ${lines.join('; ')}`);
    }
    // A flipped payload byte must be caught (the test can fail).
    const bytes = readFileSync(c.path);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(`${c.path}.bad`, bytes);
    assert.notEqual(run('rpm', ['-K', '--nosignature', `${c.path}.bad`]).status, 0, `${c.id}: corruption went unnoticed`);
  }
});

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, rel))) {
    const path = `${rel}/${entry}`;
    out.push(path);
    if (lstatSync(join(root, path)).isDirectory()) out.push(...walk(root, path));
  }
  return out;
}

/** Checks an unpacked or installed tree against the description; `owners` maps names to ids. */
function checkTree(root: string, d: PackageDescription, what: string, owners?: { users: Record<string, number>; groups: Record<string, number> }): void {
  const files = d.files ?? [];
  for (const f of files) {
    const path = join(root, f.path);
    if (f.ghost) {
      assert.equal(existsSync(path), false, `${what}: ghost ${f.path} must not be unpacked`);
      continue;
    }
    const st = lstatSync(path);
    const type = typeOf(f);
    assert.equal(st.mode, (TYPE_BITS[type] as number) | (f.mode ?? (DEFAULT_PERMS[type] as number)), `${what}: mode of ${f.path}`);
    if (type === 'file') assert.deepEqual(readFileSync(path), contentOf(f, files), `${what}: content of ${f.path}`);
    if (type === 'symlink') assert.equal(readlinkSync(path), f.target, `${what}: target of ${f.path}`);
    // (directory mtimes change as their entries are created, so only files are compared)
    if (type === 'file') assert.equal(Math.floor(st.mtimeMs / 1000), f.mtime ?? BUILDTIME, `${what}: mtime of ${f.path}`);
    if (f.hardlink) assert.equal(st.ino, lstatSync(join(root, f.hardlink)).ino, `${what}: ${f.path} is a hardlink of ${f.hardlink}`);
    if (owners) {
      assert.equal(st.uid, owners.users[f.user ?? 'root'], `${what}: owner of ${f.path}`);
      assert.equal(st.gid, owners.groups[f.group ?? 'root'], `${what}: group of ${f.path}`);
    }
  }
}

test('rpm2cpio | cpio -idm yields exactly the described files', async (t) => {
  if (!requireTool(t, 'rpm2cpio', 'cpio')) return;
  const dir = tempDir(t, 'atoll-rpmbuild-');
  for (const c of await buildMatrix(dir)) {
    if (!c.installable) continue;
    const out = join(dir, `${c.id}.tree`);
    mkdirSync(out);
    runOk('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', c.path], { cwd: out });
    checkTree(out, c.description, `${c.id} cpio`);
    // Nothing beyond the non-ghost files and their parent directories.
    const files = (c.description.files ?? []).filter((f) => !f.ghost).map((f) => f.path);
    const parents = new Set(files.flatMap((p) => p.split('/').slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`)));
    const allowed = new Set([...files, ...parents]);
    assert.deepEqual(walk(out).filter((p) => !allowed.has(p)), [], `${c.id}: unexpected entries`);
  }
});

function makeRoot(root: string): { users: Record<string, number>; groups: Record<string, number> } {
  mkdirSync(join(root, 'etc'), { recursive: true });
  const users = { root: 0, bin: 1, daemon: 2 };
  const groups = { root: 0, bin: 1, daemon: 2, mail: 12 };
  writeFileSync(join(root, 'etc/passwd'), Object.entries(users).map(([n, id]) => `${n}:x:${id}:${id}::/:/sbin/nologin\n`).join(''));
  writeFileSync(join(root, 'etc/group'), Object.entries(groups).map(([n, id]) => `${n}:x:${id}:\n`).join(''));
  return { users, groups };
}

test('rpm -i --root installs every matrix package with the right modes, owners, content and caps', async (t) => {
  if (!requireTool(t, 'rpm', 'getfattr')) return;
  if (!isRoot()) {
    t.skip('rpm -i --root needs root to chroot and chown');
    return;
  }
  const dir = tempDir(t, 'atoll-rpmbuild-');
  const matrix = (await buildMatrix(dir)).filter((c) => c.installable);
  const root = join(dir, 'root');
  const owners = makeRoot(root);
  const r = run('rpm', ['-i', '--root', root, '--dbpath', '/var/lib/rpm', '--nodeps', '--noscripts', '--nosignature', ...matrix.map((c) => c.path)]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /does not exist - using root/);
  for (const c of matrix) checkTree(root, c.description, `${c.id} installed`, owners);
  for (const c of matrix) {
    for (const f of c.description.files ?? []) {
      if (!f.caps) continue;
      const caps = run('getfattr', ['--absolute-names', '-n', 'security.capability', '--only-values', join(root, f.path)]);
      assert.equal(caps.status, 0, `${c.id}: ${f.path} has no security.capability`);
    }
  }
  // rpm's own view of the installed set: every package, and rpm -V finds nothing changed.
  const installed = runOk('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NEVRA}\n']).split('\n').filter(Boolean).sort();
  assert.deepEqual(installed, matrix.map((c) => c.built.nevra).sort());
  const verify = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-Va', '--nodeps', '--noscripts']);
  assert.equal(verify.stdout.trim(), '', 'rpm -V reports differences');
});

test('scriptlets run at install in a root that has a shell', async (t) => {
  if (!requireTool(t, 'rpm')) return;
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!isRoot() || busybox === undefined || !hasProgram('rpm')) {
    t.skip('needs root and busybox-static');
    return;
  }
  const dir = tempDir(t, 'atoll-rpmbuild-');
  const root = join(dir, 'root');
  makeRoot(root);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(busybox, join(root, 'bin/sh'));
  chmodSync(join(root, 'bin/sh'), 0o755);
  const description: PackageDescription = {
    name: 'mx-run',
    version: '1',
    release: '1',
    scripts: {
      pretrans: { prog: '<lua>', body: 'print("pretrans ran")' },
      prein: 'echo "pre $1"; test -e /usr/share/mx-run/data && echo "too early" || true',
      post: { prog: ['/bin/sh', '-e'], body: 'echo "post $1"; read -r line < /usr/share/mx-run/data; echo "$line"' },
      posttrans: 'echo posttrans ran',
    },
    files: [{ path: '/usr/share/mx-run/data', content: 'payload is in place\n' }],
  };
  const path = join(dir, 'mx-run.rpm');
  await writeRpm(description, path);
  const r = run('rpm', ['-i', '--root', root, '--dbpath', '/var/lib/rpm', '--nodeps', '--nosignature', path]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.deepEqual(lines, ['pretrans ran', 'pre 1', 'post 1', 'payload is in place', 'posttrans ran']);
});

test('createrepo_c indexes a directory of built packages', async (t) => {
  if (!requireTool(t, 'createrepo_c')) return;
  const dir = tempDir(t, 'atoll-rpmbuild-');
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const matrix = await buildMatrix(repo);
  const set = fixturePackageSet({ count: 12, seed: 3, olderVersionsEvery: 4 });
  const setPaths = await writeFixturePackages(repo, set);
  runOk('createrepo_c', ['--quiet', '--no-database', repo]);
  const repomd = readFileSync(join(repo, 'repodata/repomd.xml'), 'utf8');
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
  assert.ok(href, 'primary in repomd.xml');
  const raw = readFileSync(join(repo, href));
  const primary = href.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : runOk('zstd', ['-dc', join(repo, href)]);
  assert.match(primary, new RegExp(`packages="${matrix.length + setPaths.length}"`));
  for (const c of matrix) {
    const d = c.description;
    const block = primary.split('<package ').find((p) => p.includes(`<location href="${c.id}.rpm"/>`));
    assert.ok(block, `${c.id} listed`);
    assert.match(block, new RegExp(`<name>${d.name}</name>`));
    assert.match(block, new RegExp(`<arch>${d.arch ?? 'noarch'}</arch>`));
    assert.ok(block.includes(`<version epoch="${d.epoch ?? 0}" ver="${d.version}" rel="${d.release}"/>`), `${c.id} version`);
    assert.ok(block.includes(`<rpm:header-range start="${c.built.headerStart}" end="${c.built.headerEnd}"/>`), `${c.id} header range`);
    const sha = createHash('sha256').update(readFileSync(c.path)).digest('hex');
    assert.ok(block.includes(`<checksum type="sha256" pkgid="YES">${sha}</checksum>`), `${c.id} checksum`);
  }
  const deps = primary.split('<package ').find((p) => p.includes('<name>mx-deps</name>')) as string;
  assert.match(deps, /<rpm:entry name="shadow-utils" pre="1"\/>/);
  assert.match(deps, /<rpm:entry name="foo" flags="GE" epoch="0" ver="1.0"\/>/);
  assert.match(deps, /<rpm:entry name="\(pkgA &gt;= 1.0 or pkgB\)"\/>/);
  for (const d of set) assert.ok(primary.includes(`<name>${d.name}</name>`), d.name);
});

test('python3-rpm reads the same identity, files and dependencies', async (t) => {
  if (!requirePythonModule(t, 'rpm')) return;
  const dir = tempDir(t, 'atoll-rpmbuild-');
  const matrix = (await buildMatrix(dir)).filter((c) => c.installable);
  const script = `
import json, os, sys, rpm
ts = rpm.TransactionSet()
ts.setVSFlags(rpm._RPMVSF_NOSIGNATURES)
out = []
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    h = ts.hdrFromFdno(fd)
    os.close(fd)
    out.append({
        'nevra': h[rpm.RPMTAG_NEVRA],
        'files': [f.name for f in rpm.files(h)],
        'digests': [f.digest for f in rpm.files(h)],
        'requires': [d.DNEVR()[2:] for d in rpm.ds(h, 'requires')],
        'provides': [d.DNEVR()[2:] for d in rpm.ds(h, 'provides')],
    })
print(json.dumps(out))
`;
  const result = JSON.parse(runOk(systemPython, ['-c', script, ...matrix.map((c) => c.path)])) as Array<Record<string, string[] | string>>;
  matrix.forEach((c, i) => {
    const got = result[i] as Record<string, string[] | string>;
    const d = c.description;
    assert.equal(got.nevra, c.built.nevra, c.id);
    const files = d.files ?? [];
    assert.deepEqual(got.files, files.map((f) => f.path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), c.id);
    // python3-rpm shows a missing digest as zeros.
    const lines = expectedFileLines(d).map((l) => l.split(SEP)[6] || '0'.repeat(64));
    assert.deepEqual(got.digests, lines, `${c.id} digests`);
    for (const r of d.requires ?? []) if (typeof r === 'string') assert.ok((got.requires as string[]).includes(r), `${c.id}: ${r}`);
    for (const p of d.provides ?? []) if (typeof p === 'string') assert.ok((got.provides as string[]).includes(p), `${c.id}: ${p}`);
  });
});

test('rpm -i without --nodeps accepts the rpmlib() requirements the writer records', async (t) => {
  if (!requireTool(t, 'rpm')) return;
  if (!isRoot()) {
    t.skip('rpm -i --root needs root');
    return;
  }
  const dir = tempDir(t, 'atoll-rpmbuild-');
  // Packages whose only requirements are rpmlib() features (and their own provides).
  const selfContained = (await buildMatrix(dir)).filter((c) => c.id.startsWith('compressor-') || c.id === 'caps-setuid-owners');
  const root = join(dir, 'root');
  makeRoot(root);
  const r = run('rpm', ['-i', '--root', root, '--dbpath', '/var/lib/rpm', '--noscripts', '--nosignature', ...selfContained.map((c) => c.path)]);
  assert.equal(r.status, 0, r.stderr);
  const unmet = run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-Va', '--nofiles']);
  assert.equal(unmet.stdout.trim(), '', 'unsatisfied dependencies');
});

test('dnf installs a generated package set from a createrepo_c repository, resolving its dependencies', async (t) => {
  if (!requireTool(t, 'createrepo_c', 'dnf')) return;
  if (!isRoot()) {
    t.skip('dnf --installroot needs root');
    return;
  }
  const dir = tempDir(t, 'atoll-rpmbuild-dnf-');
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const set = fixturePackageSet({ count: 15, seed: 11 });
  await writeFixturePackages(repo, set);
  runOk('createrepo_c', ['--quiet', '--no-database', repo]);
  // The closure of the last package: every requirement has exactly one provider in the set.
  const providerOf = (req: string): PackageDescription => {
    const name = req.split(' ')[0] as string;
    const found = set.find((p) => p.name === name || `${p.name}-virtual` === name || (p.files ?? []).some((f) => f.path === name));
    assert.ok(found, `no provider for ${req}`);
    return found;
  };
  const closureOf = (top: PackageDescription): Set<string> => {
    const closure = new Set<string>();
    const visit = (p: PackageDescription): void => {
      if (closure.has(p.name)) return;
      closure.add(p.name);
      for (const r of p.requires ?? []) visit(providerOf(String(r)));
    };
    visit(top);
    return closure;
  };
  // The package with the largest closure (names, versioned names, virtual provides, file paths).
  const top = [...set].sort((x, y) => closureOf(y).size - closureOf(x).size)[0] as PackageDescription;
  const closure = closureOf(top);
  assert.ok(closure.size >= 4, `closure of ${top.name} is too small to test anything`);
  const root = join(dir, 'root');
  const r = run('dnf', [
    '-y', '-q', `--installroot=${root}`, '--releasever=1', '--setopt=reposdir=/nonexistent', `--setopt=cachedir=${join(dir, 'cache')}`,
    `--repofrompath=fixtures,file://${repo}`, '--repo=fixtures', '--nogpgcheck', '--setopt=tsflags=noscripts', '--setopt=install_weak_deps=False',
    'install', top.name,
  ]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const installed = runOk('rpm', ['--root', root, '-qa', '--qf', '%{NAME}\n']).split('\n').filter(Boolean).sort();
  assert.deepEqual(installed, [...closure].sort());
  for (const name of closure) assert.ok(existsSync(join(root, 'usr/bin', name)), `${name} installed its files`);
});
