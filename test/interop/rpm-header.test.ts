// Every field atoll reads from a package header equals what rpm 4.18 (python3-rpm, the same
// library `rpm -qp --queryformat` uses) reports, for the golden fixtures and the real-world corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packageToJson, readRpmPackage, type RpmHeaderPackage, type TriggerSet } from '../../src/rpm/index.js';
import { isAtollError } from '../../src/errors/index.js';
import { requirePythonModule, requireShared } from '../helpers/env.js';
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
  return {
    ...json,
    triggers: triggers(pkg.triggers, false),
    fileTriggers: triggers(pkg.fileTriggers, true),
    transFileTriggers: triggers(pkg.transFileTriggers, true),
    changelog: {
      time: pkg.changelog.map((c) => c.time),
      name: pkg.changelog.map((c) => c.name),
      text: pkg.changelog.map((c) => c.text),
    },
    payload: { ...pkg.payload, stripped: undefined },
    signature: { sha1: sig.sha1, sha256: sig.sha256, md5: sig.md5, size: sig.size, rsa: sig.rsa, dsa: sig.dsa },
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
