import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTreefile, splitPackages } from './load-treefile.js';
import { RecordingReporter } from '../../report/index.js';
import { isAtollError } from '../../errors/index.js';

function tree(t: import('node:test').TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-treefile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isAtollError(error, code), `expected ${code}, got ${String(error)}`);
    if (pattern) assert.match((error as Error).message, pattern);
    return true;
  });
}

test('includes: lists concatenate included-first, scalars of the including file win', async (t) => {
  const dir = tree(t, {
    'top.yaml': 'ref: top/ref\ninclude: [a.yaml, b.yaml]\npackages: [top-pkg]\nrecommends: false\npostprocess: [top]\n',
    'a.yaml': 'ref: a/ref\npackages: [a-pkg]\nrecommends: true\nselinux: false\npostprocess: [a]\n',
    'b.yaml': 'packages: [b-pkg]\nselinux: true\npostprocess: [b]\n',
  });
  const { config, files } = await loadTreefile(join(dir, 'top.yaml'), { basearch: 'x86_64' });
  assert.equal(config.ref, 'top/ref');
  assert.equal(config.recommends, false);
  assert.equal(config.selinux, false, 'an earlier include wins over a later one');
  assert.deepEqual(config.packages, ['b-pkg', 'a-pkg', 'top-pkg']);
  assert.deepEqual(config.postprocess, ['b', 'a', 'top'], "later includes' scripts run first, the including file's last");
  assert.equal(files.length, 3);
  assert.equal(config.include, undefined);
});

test('packages-$basearch joins packages for basearch only; entries are whitespace-split', async (t) => {
  const dir = tree(t, {
    'tf.yaml': "packages: ['grub2 shim', \"'kernel >= 6.1'\"]\npackages-x86_64: [microcode_ctl efibootmgr]\npackages-aarch64: [grub2-efi-aa64]\n",
  });
  const { config } = await loadTreefile(join(dir, 'tf.yaml'), { basearch: 'x86_64' });
  assert.deepEqual(config.packages, ['grub2', 'shim', 'kernel >= 6.1', 'microcode_ctl', 'efibootmgr']);
  assert.deepEqual(splitPackages(['a  b', '"c d"']), ['a', 'b', 'c d']);
});

test('conditional-include sees variables of the including files; ${var} is substituted', async (t) => {
  const dir = tree(t, {
    'manifest.yaml': 'variables: {stream: next, prod: false}\nreleasever: 41\ninclude: sub/os.yaml\n',
    'sub/os.yaml':
      'ref: fedora/${basearch}/os/${stream}\nconditional-include:\n  - if: prod == false\n    include: dev.yaml\n  - if: releasever < 41\n    include: old.yaml\n  - if: [basearch == "x86_64", releasever >= 41]\n    include: {packages: [inline-pkg]}\nadd-commit-metadata: {os.stream: "${stream}"}\n',
    'sub/dev.yaml': 'packages: [dev-pkg]\n',
    'sub/old.yaml': 'packages: [old-pkg]\n',
  });
  const { config } = await loadTreefile(join(dir, 'manifest.yaml'), { basearch: 'x86_64' });
  assert.equal(config.ref, 'fedora/x86_64/os/next');
  assert.deepEqual(config.packages, ['inline-pkg', 'dev-pkg'], 'merged like includes: later ones first');
  assert.deepEqual(config['add-commit-metadata'], { 'os.stream': 'next' });
  assert.equal(config.releasever, 41);
});

test('unknown keys are errors in YAML and ignored in JSON; old keys warn', async (t) => {
  const dir = tree(t, {
    'bad.yaml': 'ref: x\npackagez: [a]\n',
    'ok.json': '{"ref": "x", "packagez": ["a"], "packages": ["b"]}',
    'old.yaml': 'ref: x\nrojig: {name: x}\nautomatic_version_prefix: "1"\nbootstrap_packages: [filesystem]\n',
  });
  await rejectsWith(loadTreefile(join(dir, 'bad.yaml')), 'TREEFILE_UNKNOWN_KEY', /packagez/);
  const json = await loadTreefile(join(dir, 'ok.json'));
  assert.deepEqual(json.config.packages, ['b']);
  const reporter = new RecordingReporter();
  const old = await loadTreefile(join(dir, 'old.yaml'), { reporter });
  assert.equal(old.config['automatic-version-prefix'], '1');
  assert.deepEqual(old.config.packages, ['filesystem']);
  assert.match(reporter.messages('warn').join('\n'), /ignoring 'rojig'/);
});

test('missing include, include cycle, bad values and undefined variables are coded errors', async (t) => {
  const dir = tree(t, {
    'missing.yaml': 'include: nope.yaml\n',
    'cycle-a.yaml': 'include: cycle-b.yaml\n',
    'cycle-b.yaml': 'include: cycle-a.yaml\n',
    'twice.yaml': 'include: [x.yaml, x.yaml]\n',
    'x.yaml': 'packages: [x]\n',
    'badvalue.yaml': 'recommends: "yes"\n',
    'undef.yaml': 'ref: os/${nope}\n',
    'badcond.yaml': 'conditional-include:\n  - if: nope == 1\n    include: x.yaml\n',
    'syntax.yaml': 'packages: [a\n',
  });
  await rejectsWith(loadTreefile(join(dir, 'missing.yaml')), 'TREEFILE_INCLUDE_MISSING', /nope\.yaml/);
  await rejectsWith(loadTreefile(join(dir, 'cycle-a.yaml')), 'TREEFILE_INCLUDE_CYCLE');
  await rejectsWith(loadTreefile(join(dir, 'twice.yaml')), 'TREEFILE_INCLUDE_CYCLE');
  await rejectsWith(loadTreefile(join(dir, 'badvalue.yaml')), 'TREEFILE_BAD_VALUE', /recommends/);
  await rejectsWith(loadTreefile(join(dir, 'undef.yaml')), 'TREEFILE_UNDEFINED_VARIABLE', /nope/);
  await rejectsWith(loadTreefile(join(dir, 'badcond.yaml')), 'TREEFILE_UNDEFINED_VARIABLE');
  await rejectsWith(loadTreefile(join(dir, 'syntax.yaml')), 'TREEFILE_PARSE');
  await rejectsWith(loadTreefile(join(dir, 'absent.yaml')), 'TREEFILE_INCLUDE_MISSING');
});
