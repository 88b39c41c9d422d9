import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingReporter } from '../report/index.js';
import { parseRepoFile, parseIni, parseList, parseSeconds, packageFilter } from './repo-file.js';
import { buildVars, substituteVars, baseArch } from './vars.js';

const vars = buildVars({ arch: 'x86_64', releasever: '9.2', files: { myrepo: 'golden' } });

test('the spec example: ids, names and baseurl continuation lines are substituted (rpm-md.md §7.3)', () => {
  const text = [
    '# comments only on their own line: "#" inside a value is part of the value',
    '[golden-$basearch]',
    'name=Golden $releasever/$basearch',
    'baseurl=file:///srv/nonexistent/$releasever',
    '        file:///srv/${myrepo}-9.d',
    'enabled=1',
    'gpgcheck=0',
    'excludepkgs=golden-dev,golden-m*',
    'priority=10',
    'cost=500',
    '',
  ].join('\n');
  const [repo, ...rest] = parseRepoFile(text, 'golden.repo', vars);
  assert.equal(rest.length, 0);
  assert.ok(repo);
  assert.equal(repo.id, 'golden-x86_64');
  assert.equal(repo.name, 'Golden 9.2/x86_64');
  assert.deepEqual(repo.baseurls, ['file:///srv/nonexistent/9.2', 'file:///srv/golden-9.d']);
  assert.deepEqual([repo.enabled, repo.gpgcheck, repo.priority, repo.cost], [true, false, 10, 500]);
  assert.deepEqual(repo.excludepkgs, ['golden-dev', 'golden-m*']);
  assert.equal(repo.metadataExpire, 172800);
  const visible = ['golden-dev', 'golden-gz', 'golden-meta', 'golden-xz', 'golden-zst'].filter((name) => packageFilter(repo)({ name, nevras: [] }));
  assert.deepEqual(visible, ['golden-gz', 'golden-xz', 'golden-zst']);
});

test('all options, defaults, quoting, BOM, CRLF, bools and seconds', () => {
  const text = '\uFEFF[a]\r\nbaseurl = /srv/repo\r\nmetalink=https://mm.example/metalink?repo=fedora-$releasever&arch=$basearch\r\nmirrorlist=None\r\n' +
    'enabled=off\r\ngpgcheck=True\r\nrepo_gpgcheck=yes\r\ngpgkey=file:///k1, file:///k2\r\nskip_if_unavailable=on\r\nmetadata_expire=6h\r\n' +
    'includepkgs=foo*\r\nexclude=bar\r\nname="quoted name"\r\ntype=yum\r\ncountme=1\r\n\r\n[b]\r\nbaseurl=http://x/\r\nmetadata_expire=never\r\n';
  const reporter = new RecordingReporter();
  const [a, b] = parseRepoFile(text, 'x.repo', vars, reporter);
  assert.ok(a && b);
  assert.deepEqual(a.baseurls, ['file:///srv/repo']);
  assert.equal(a.metalink, 'https://mm.example/metalink?repo=fedora-9.2&arch=x86_64');
  assert.equal(a.mirrorlist, null);
  assert.deepEqual([a.enabled, a.gpgcheck, a.repoGpgcheck, a.skipIfUnavailable], [false, true, true, true]);
  assert.deepEqual(a.gpgkeys, ['file:///k1', 'file:///k2']);
  assert.equal(a.metadataExpire, 6 * 3600);
  assert.deepEqual([a.includepkgs, a.excludepkgs], [['foo*'], ['bar']]);
  assert.equal(a.name, 'quoted name');
  assert.deepEqual(a.extra, { countme: '1' });
  assert.ok(reporter.messages('debug').some((m) => /countme/.test(m)));
  assert.equal(b.name, 'b');
  assert.equal(b.metadataExpire, -1);
  assert.equal(b.priority, 99);
  assert.equal(b.cost, 1000);
});

test('invalid values warn and keep the default; duplicate ids and [main] are skipped; bad ids skipped', () => {
  const reporter = new RecordingReporter();
  const repos = parseRepoFile('[main]\ngpgcheck=1\n[r]\nenabled=maybe\npriority=high\nbaseurl=http://a/\n[r]\nbaseurl=http://b/\n[bad/id]\nbaseurl=http://c/\n', 'f.repo', vars, reporter);
  assert.deepEqual(repos.map((r) => [r.id, r.baseurls[0]]), [['r', 'http://a/']]);
  assert.equal(repos[0]?.enabled, true);
  assert.equal(repos[0]?.priority, 99);
  const warnings = reporter.messages('warn');
  assert.ok(warnings.some((w) => /invalid configuration value: enabled=maybe/.test(w)));
  assert.ok(warnings.some((w) => /listed more than once/.test(w)));
  assert.ok(warnings.some((w) => /bad repository id 'bad\/id'/.test(w)));
});

test('malformed files: coded error with file and line', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['key=value\n', 1, /before any \[section\]/],
    ['[a]\nno equals sign\n', 2, /expected 'key=value'/],
    ['[a]\n=value\n', 2, /without a name/],
    ['[a\nx=1\n', 1, /closing bracket/],
    ['[a] trailing\n', 1, /unexpected text/],
    ['[]\n', 1, /empty section/],
    ['[a]\n\n   continued\n', 3, /continuation/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(
      () => parseRepoFile(text, '/etc/yum.repos.d/x.repo', vars),
      (e: Error & { code?: string; data?: Record<string, unknown> }) =>
        e.code === 'RPMMD_REPO_FILE_SYNTAX' && e.data?.line === line && e.message.startsWith(`/etc/yum.repos.d/x.repo:${line}:`) && message.test(e.message),
      JSON.stringify(text),
    );
  }
});

test('INI grammar details: comments end values, whitespace-only lines add empty lines, comments after headers', () => {
  const [s] = parseIni('[a] # comment\nk=v1\n  v2\n \n  v3\n# c\n  \nj=x # not a comment\n', 'f');
  assert.ok(s);
  assert.deepEqual(s.options.map((o) => [o.key, o.value]), [['k', 'v1\nv2\n\nv3'], ['j', 'x # not a comment']]);
});

test('variables: $name, ${name}, unknown kept verbatim, no ${x:-y}; DNF_VAR_ and DNFn from the environment; basearch', () => {
  const v = buildVars({ arch: 'i686', env: { DNF_VAR_foo: 'env', DNF3: 'three', OTHER: 'x' }, files: { foo: 'file' }, explicit: { releasever: '39' } });
  assert.equal(substituteVars('$foo-${foo}-$DNF3-$releasever-$basearch-$arch-$nope-${nope:-x}', v), 'file-file-three-39-i386-i686-$nope-${nope:-x}');
  assert.deepEqual(['x86_64', 'amd64', 'aarch64', 'armv7hl', 'armv6l', 'ppc64le', 'athlon'].map(baseArch), ['x86_64', 'x86_64', 'aarch64', 'armhfp', 'arm', 'ppc64le', 'i386']);
  assert.deepEqual(parseList('a, b c\nd'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(['10', '5m', '2d', '-1', 'never', 'soon'].map(parseSeconds), [10, 300, 172800, -1, -1, undefined]);
});
