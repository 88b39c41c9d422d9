// Every field atoll reads from a package header equals what rpm 4.18 (python3-rpm, the same
// library `rpm -qp --queryformat` uses) reports, for the golden fixtures and the real-world corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packageToJson, readRpmPackage, type RpmHeaderPackage, type TriggerSet } from '../../src/rpm/index.js';
import { isAtollError } from '../../src/errors/index.js';
import { requirePythonModule, requireShared, requireTool } from '../helpers/env.js';
import { runOk } from '../helpers/run.js';
import { corpusDir, findRpms, goldenDir, rpmOracle } from '../helpers/rpm-corpus.js';

function triggers(t: TriggerSet, priorities: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    names: t.conditions.map((c) => c.name),
    flags: t.conditions.map((c) => c.flags),
    index: t.conditions.map((c) => c.index),
    scripts: t.scripts.map((s) => s.body),
    progs: t.scripts.map((s) => s.prog.join(' ')),
  };
  if (!priorities) out.versions = t.conditions.map((c) => c.version);
  else out.priorities = t.scripts.map((s) => s.priority);
  return out;
}

function project(pkg: RpmHeaderPackage): Record<string, unknown> {
  const json = packageToJson(pkg);
  const sig = json.signature as Record<string, unknown>;
  const scripts = Object.fromEntries(
    Object.entries(json.scripts as Record<string, { prog: string | null; body: string | null; flags: number }>).map(([k, v]) => [k, { prog: v.prog, body: v.body, flags: v.flags }]),
  );
  return {
    ...json,
    scripts,
    triggers: triggers(pkg.triggers, false),
    fileTriggers: triggers(pkg.fileTriggers, true),
    transFileTriggers: triggers(pkg.transFileTriggers, true),
    changelog: {
      time: pkg.changelog.map((c) => c.time),
      name: pkg.changelog.map((c) => c.name),
      text: pkg.changelog.map((c) => c.text),
    },
    payload: { ...pkg.payload, stripped: undefined },
    signature: { sha1: sig.sha1, sha256: sig.sha256, md5: sig.md5, size: sig.size, rsa: sig.rsa, dsa: sig.dsa, pgp: sig.pgp, gpg: sig.gpg },
  };
}

function compare(file: string, expected: Record<string, unknown>): void {
  let actual: Record<string, unknown>;
  try {
    actual = project(readRpmPackage(readFileSync(file)).pkg);
  } catch (error) {
    if (expected.error !== undefined && isAtollError(error)) return; // both refuse it
    throw error;
  }
  assert.equal(expected.error, undefined, `rpm refuses ${file} (${String(expected.error)}) but atoll reads it`);
  for (const [key, value] of Object.entries(expected)) {
    if (key === 'path') continue;
    if (key === 'payload') {
      const p = value as Record<string, unknown>;
      const a = actual.payload as Record<string, unknown>;
      for (const k of Object.keys(p)) assert.deepEqual(a[k], p[k], `${file}: payload.${k}`);
      continue;
    }
    assert.deepEqual(actual[key], value, `${file}: ${key}`);
  }
}

test('golden fixtures: every header field equals rpm 4.18', (t) => {
  if (!requirePythonModule(t, 'rpm') || !requireShared(t, 'fixtures/rpm-golden')) return;
  const files = findRpms(goldenDir);
  assert.ok(files.length >= 7);
  const oracle = rpmOracle(files);
  for (const file of files) compare(file, oracle.get(file)!);
});

test('real-world corpus: every header field equals rpm 4.18', (t) => {
  if (!requirePythonModule(t, 'rpm') || !requireShared(t, 'corpus/rpms')) return;
  const files = findRpms(corpusDir);
  assert.ok(files.length >= 200);
  const oracle = rpmOracle(files);
  const failures: string[] = [];
  for (const file of files) {
    try {
      compare(file, oracle.get(file)!);
    } catch (error) {
      failures.push(`${(error as Error).message.split('\n').slice(0, 12).join('\n')}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${files.length} packages differ`);
});

test('real-world corpus: one batched rpm -qp --queryformat agrees on identity, dependencies, files and scripts', (t) => {
  if (!requireTool(t, 'rpm') || !requireShared(t, 'corpus/rpms')) return;
  const files = findRpms(corpusDir).filter((f) => !f.endsWith('.drpm'));
  const SEP = '\u001f';
  const REC = '\u001e';
  const kinds = ['PROVIDE', 'REQUIRE', 'CONFLICT', 'OBSOLETE', 'RECOMMEND', 'SUGGEST', 'SUPPLEMENT', 'ENHANCE'];
  const qf = [
    '%{NAME}', '%{EPOCH}', '%{VERSION}', '%{RELEASE}', '%{ARCH}', '%{SUMMARY}', '%{LICENSE}', '%{BUILDTIME}', '%{SOURCERPM}',
    ...kinds.map((k) => `[%{${k}NEVRS}\\n]`),
    '[%{FILENAMES}\\t%{FILEMODES}\\t%{LONGFILESIZES}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEMTIMES}\\t%{FILEDIGESTS}\\t%{FILEFLAGS}\\t%{FILELINKTOS}\\n]',
    ...['PREIN', 'POSTIN', 'PREUN', 'POSTUN', 'PRETRANS', 'POSTTRANS'].flatMap((s) => [`%{${s}PROG}`, `%{${s}}`]),
    '%{PAYLOADCOMPRESSOR}',
  ].join(SEP) + REC;
  const out = runOk('rpm', ['-qp', '--nosignature', '--dbpath', '/nonexistent-atoll-test', '--qf', qf, ...files], { maxBuffer: 1024 * 1024 * 1024 });
  const records = out.split(REC).slice(0, -1);
  assert.equal(records.length, files.length);
  const none = (v: string): string | null => (v === '(none)' ? null : v);
  const lines = (v: string): string[] => v.split('\n').filter((l) => l !== '');
  files.forEach((file, i) => {
    const r = records[i]!.split(SEP);
    const a = packageToJson(readRpmPackage(readFileSync(file)).pkg);
    const expected = {
      name: r[0], epoch: r[1] === '(none)' ? null : Number(r[1]), version: r[2], release: r[3], arch: r[4], summary: r[5], license: r[6],
      buildtime: Number(r[7]), sourcerpm: none(r[8]!),
    };
    // Invalid UTF-8 in old packages: rpm prints raw bytes, atoll U+FFFD.
    if (!/\ufffd/.test(`${a.summary as string}${a.license as string}`)) {
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, a[k]])), expected, file);
    }
    kinds.forEach((k, j) => assert.deepEqual(a[`${k.toLowerCase()}s`], lines(r[9 + j]!), `${file}: ${k}NEVRS`));
    const rpmFiles = lines(r[17]!).map((l) => {
      const [path, mode, size, user, group, mtime, digest, flags, linkto] = l.split('\t');
      return { path, mode: Number(mode) & 0xffff, size: Number(size), user, group, mtime: Number(mtime), digest, flags: Number(flags), linkto };
    });
    const mine = (a.files as Record<string, unknown>[]).map((f) => ({
      path: f.path, mode: f.mode, size: f.size, user: f.user, group: f.group, mtime: f.mtime, digest: f.digest, flags: f.flags, linkto: f.linkto,
    }));
    assert.deepEqual(mine, rpmFiles, `${file}: files`);
    const scripts = a.scripts as Record<string, { progArgs: string[]; body: string | null }>;
    ['prein', 'postin', 'preun', 'postun', 'pretrans', 'posttrans'].forEach((s, j) => {
      // %{PREINPROG} prints the interpreter's first element only.
      assert.deepEqual([scripts[s]!.progArgs[0] ?? null, scripts[s]!.body], [none(r[18 + 2 * j]!), none(r[19 + 2 * j]!)], `${file}: %${s}`);
    });
    assert.equal((a.payload as { compressor: string | null }).compressor, none(r[30]!), `${file}: compressor`);
  });
});
