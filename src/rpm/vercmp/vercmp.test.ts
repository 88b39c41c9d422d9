import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { requireShared, requirePythonModule, systemPython } from '../../../test/helpers/env.js';
import { RPMSENSE } from '../package/index.js';
import { rpmvercmp } from './rpmvercmp.js';
import { compareEvr, compareEvrStrings, parseEvr, parseEvrString } from './evr.js';
import { rangesOverlap } from './dep-match.js';
import { formatRichDependency, parseRichDependency } from './rich-dep.js';
import { isAtollError } from '../../errors/index.js';
import { mulberry32 } from '../../util/index.js';

function rows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split('\t'));
}

test('every rpmvercmp conformance vector (full EVR compare as rpm.vercmp does)', (t) => {
  const path = requireShared(t, 'conformance/rpm/rpmvercmp-vectors.tsv');
  if (!path) return;
  const failures: string[] = [];
  const all = rows(path);
  for (const [a, b, expected] of all) {
    const got = compareEvrStrings(a!, b!);
    if (got !== Number(expected)) failures.push(`${a} vs ${b}: expected ${expected}, got ${got}`);
  }
  assert.deepEqual(failures, []);
  assert.ok(all.length >= 120);
});

const SENSE: Record<string, number> = {
  EQ: RPMSENSE.EQUAL,
  LT: RPMSENSE.LESS,
  GT: RPMSENSE.GREATER,
  LE: RPMSENSE.LESS | RPMSENSE.EQUAL,
  GE: RPMSENSE.GREATER | RPMSENSE.EQUAL,
  ANY: 0,
  '': 0,
};

test('every dependency-match conformance vector', (t) => {
  const path = requireShared(t, 'conformance/rpm/dep-match-vectors.tsv');
  if (!path) return;
  const failures: string[] = [];
  for (const [pf, pevr, rf, revr, matches] of rows(path)) {
    assert.ok(pf! in SENSE && rf! in SENSE, `unknown flag ${pf}/${rf}`);
    const got = rangesOverlap({ flags: SENSE[pf!]!, evr: pevr! }, { flags: SENSE[rf!]!, evr: revr! });
    if (got !== (matches === '1')) failures.push(`${pf} ${pevr} vs ${rf} ${revr}: expected ${matches}`);
  }
  assert.deepEqual(failures, []);
});

test('spec examples: rpmvercmp and EVR parsing', () => {
  assert.equal(rpmvercmp('1.0^git1', '1.0.1'), -1);
  assert.equal(rpmvercmp('99999999999999999999', '100000000000000000000'), -1);
  assert.equal(rpmvercmp('FC5', 'fc4'), -1);
  assert.equal(rpmvercmp('1.0~~', '1.0~'), -1);
  assert.deepEqual(parseEvrString('3:2.0~rc1-1.fc99'), { epoch: '3', version: '2.0~rc1', release: '1.fc99' });
  assert.deepEqual(parseEvrString(':1.0'), { epoch: '0', version: '1.0', release: null });
  assert.deepEqual(parseEvr('1.0-a-b'), { epoch: null, version: '1.0-a', release: 'b' });
  assert.equal(compareEvr({ epoch: 1, version: '1.0', release: '1' }, { epoch: null, version: '2.0', release: '1' }), 1);
});

test('rich dependency parser', () => {
  const e = parseRichDependency('(foo >= 1.0 or (bar if baz else qux) or quux)');
  assert.equal(formatRichDependency(e), '(foo >= 1.0 or ((bar if baz else qux) or quux))');
  const w = parseRichDependency('(pkgA and langpack-de)');
  assert.deepEqual(w, {
    kind: 'rich',
    op: 'and',
    left: { kind: 'simple', name: 'pkgA', flags: 0, evr: '' },
    right: { kind: 'simple', name: 'langpack-de', flags: 0, evr: '' },
  });
  const u = parseRichDependency('((a with b) unless (c without d))');
  assert.equal(formatRichDependency(u), '((a with b) unless (c without d))');
  for (const bad of ['(a and b', 'a and b', '(a and b or c)', '(a if b if c)', '(a >= )', '(and)', '(a and b) x']) {
    assert.throws(() => parseRichDependency(bad), (err) => isAtollError(err, 'RPM_RICHDEP_SYNTAX'), bad);
  }
});


function randomVersion(rnd: () => number): string {
  const alphabet = ['0', '1', '2', '9', '10', '007', 'a', 'b', 'Z', 'rc', '.', '.', '_', '+', '~', '^', 'git'];
  const n = 1 + Math.floor(rnd() * 6);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  return s;
}

test('differential: compareEvr equals python3-rpm labelCompare on generated EVRs', (t) => {
  if (!requirePythonModule(t, 'rpm')) return;
  const rnd = mulberry32(20261127);
  const pairs: Array<[number | null, string, string, number | null, string, string]> = [];
  for (let i = 0; i < 3000; i++) {
    const e1 = rnd() < 0.8 ? null : Math.floor(rnd() * 3);
    const e2 = rnd() < 0.8 ? null : Math.floor(rnd() * 3);
    const base = randomVersion(rnd);
    const v1 = rnd() < 0.3 ? base : randomVersion(rnd);
    const v2 = rnd() < 0.5 ? base + (rnd() < 0.5 ? randomVersion(rnd) : '') : randomVersion(rnd);
    pairs.push([e1, v1, randomVersion(rnd).replace(/-/g, ''), e2, v2, randomVersion(rnd).replace(/-/g, '')]);
  }
  const script = `
import rpm, sys, json
pairs = json.load(sys.stdin)
out = []
for e1, v1, r1, e2, v2, r2 in pairs:
    out.append(rpm.labelCompare((None if e1 is None else str(e1), v1, r1), (None if e2 is None else str(e2), v2, r2)))
print(json.dumps(out))
`;
  const res = spawnSync(systemPython, ['-c', script], { input: JSON.stringify(pairs), encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const expected = JSON.parse(res.stdout) as number[];
  const failures: string[] = [];
  pairs.forEach(([e1, v1, r1, e2, v2, r2], i) => {
    const got = compareEvr({ epoch: e1, version: v1, release: r1 }, { epoch: e2, version: v2, release: r2 });
    if (got !== expected[i]) failures.push(`${e1}:${v1}-${r1} vs ${e2}:${v2}-${r2}: rpm ${expected[i]}, atoll ${got}`);
  });
  assert.deepEqual(failures.slice(0, 10), []);
});
