// The admin verbs OSTree's suite drives (test-admin-deploy-karg, -instutil-set-kargs, -switch,
// -upgrade-endoflife, admin-test.sh), refereed by `ostree admin` 2022.7 on twin sysroots (tmpfs,
// as root): the same commands on both, then entries, origins and status compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, run, atoll } from '../helpers/run.js';
import { requireRoot, tmpfsDir, twinSysroots, makeFakeOsTree, ostreeAdmin } from '../helpers/sysroot.js';

function atollOk(args: string[]): string {
  const r = atoll(args);
  if (r.status !== 0) throw new Error(`atoll ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function entries(sysroot: string): Record<string, string> {
  const dir = join(sysroot, 'boot/loader/entries');
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

function origins(sysroot: string, os: string): Record<string, string> {
  const dir = join(sysroot, 'ostree/deploy', os, 'deploy');
  return Object.fromEntries(readdirSync(dir).filter((n) => n.endsWith('.origin')).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

function commit(repo: string, branch: string, tree: string, timestamp: string, metadata: string[] = []): string {
  const meta = metadata.map((m) => `--add-metadata-string=${m}`);
  return runOk('ostree', [`--repo=${repo}`, 'commit', '-b', branch, '--owner-uid=0', '--owner-gid=0', `--timestamp=${timestamp}`, ...meta, tree]).trim();
}

/** Two sysroots with stateroot `t` and the commits of SRC pulled from a `t` remote. */
const twins = (work: string, src: string, refs: string[]): { ref: string; ours: string } => twinSysroots(work, { os: 't', source: src, remote: 't', refs });

test('kernel arguments: deploy --karg-none / --karg-proc-cmdline and instutil set-kargs write what ostree writes', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  commit(src, 'os/a', makeFakeOsTree(join(work, 'tree')), '2024-01-01T00:00:00Z', ['version=1']);
  const { ref, ours } = twins(work, src, ['os/a']);
  const steps: string[][] = [
    ['deploy', '--os=t', '--karg=root=LABEL=MOO', '--karg=quiet', 't:os/a'],
    ['deploy', '--os=t', '--karg-none', '--karg=root=LABEL=rootfs', 't:os/a'],
    ['deploy', '--os=t', '--karg-proc-cmdline', 't:os/a'],
    ['instutil', 'set-kargs', 'FOO=BAZ', 'FOO=BIF', 'KEYWORD', 'EMPTY='],
    ['instutil', 'set-kargs', '--merge', 'FOO=BAR'],
    ['instutil', 'set-kargs', '--merge', '--replace=FOO=XXX'],
    ['instutil', 'set-kargs', '--merge', '--append=A=1', '--append=A=2', 'X'],
    ['instutil', 'set-kargs', '--import-proc-cmdline'],
  ];
  for (const step of steps) {
    ostreeAdmin(ref, ...step);
    atollOk(['admin', ...step.slice(0, step[0] === 'instutil' ? 2 : 1), '--sysroot', ours, ...step.slice(step[0] === 'instutil' ? 2 : 1)]);
    assert.deepEqual(entries(ours), entries(ref), `entries after ${step.join(' ')}`);
  }
  const both = run('ostree', ['admin', 'deploy', `--sysroot=${ref}`, '--os=t', '--karg-none', '--karg-proc-cmdline', 't:os/a']);
  const ourBoth = atoll(['admin', 'deploy', '--sysroot', ours, '--os=t', '--karg-none', '--karg-proc-cmdline', 't:os/a']);
  assert.notEqual(both.status, 0);
  assert.notEqual(ourBoth.status, 0);
  assert.match(ourBoth.stderr, /Can't specify both --karg-proc-cmdline and --karg-none/);
  assert.match(both.stderr, /Can't specify both --karg-proc-cmdline and --karg-none/);
});

test('switch, set-origin, --print-current-dir, source titles, override-commit and end-of-life redirects as ostree does them', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const tree = makeFakeOsTree(join(work, 'tree'));
  const c1 = commit(src, 'os/a', tree, '2024-01-01T00:00:00Z', ['version=1']);
  writeFileSync(join(tree, 'usr/bin/two'), '2');
  const c2 = commit(src, 'os/a', tree, '2024-01-02T00:00:00Z', ['version=2', 'ostree.source-title=built from two']);
  commit(src, 'os/b', tree, '2024-01-03T00:00:00Z', ['version=b1']);
  const { ref, ours } = twins(work, src, ['os/a', 'os/b']);
  const both = (ostreeArgs: string[], atollArgs: string[]): void => {
    ostreeAdmin(ref, ...ostreeArgs);
    atollOk(['admin', atollArgs[0] as string, '--sysroot', ours, ...atollArgs.slice(1)]);
  };
  both(['deploy', '--os=t', 't:os/a'], ['deploy', '--os=t', 't:os/a']);
  // (ostree's deploy prunes the repo down to what refs reach: fetch the history again)
  for (const root of [ref, ours]) runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'pull', '--depth=-1', 't', 'os/a']);
  assert.equal(atollOk(['admin', '--sysroot', ours, '--print-current-dir']).trim(), join(ours, 'ostree/deploy/t/deploy', `${c2}.0`));
  assert.equal(ostreeAdmin(ref, '--print-current-dir').trim(), join(ref, 'ostree/deploy/t/deploy', `${c2}.0`));
  assert.match(atollOk(['admin', 'status', '--sysroot', ours]), /origin refspec: t:os\/a\n {4}`- built from two\n/);
  assert.equal(atollOk(['admin', 'status', '--sysroot', ours]), ostreeAdmin(ref, 'status'));

  // an older override is a downgrade for both, with the same wording
  const down = run('ostree', ['admin', 'upgrade', `--sysroot=${ref}`, '--os=t', '--deploy-only', `--override-commit=${c1}`]);
  const ourDown = atoll(['admin', 'upgrade', '--sysroot', ours, '--os=t', '--deploy-only', `--override-commit=${c1}`]);
  assert.notEqual(down.status, 0);
  assert.notEqual(ourDown.status, 0);
  const firstError = (text: string): string => text.slice(text.indexOf('error: ')).split('\n')[0] as string;
  assert.equal(firstError(ourDown.stderr), firstError(down.stderr));
  both(['upgrade', '--os=t', '--deploy-only', `--override-commit=${c1}`, '--allow-downgrade'], ['upgrade', '--os=t', '--deploy-only', `--override-commit=${c1}`, '--allow-downgrade']);
  assert.deepEqual(origins(ours, 't'), origins(ref, 't'), 'override-commit recorded in the origin');
  const refOf = (root: string): string => runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'rev-parse', 't:os/a']).trim();
  assert.equal(refOf(ref), c1, 'ostree points the ref at the override');
  assert.equal(refOf(ours), c1);
  both(['upgrade', '--os=t'], ['upgrade', '--os=t']);
  assert.equal(refOf(ours), c2);
  assert.deepEqual(origins(ours, 't'), origins(ref, 't'), 'a plain upgrade drops override-commit');
  assert.equal(atollOk(['admin', 'status', '--sysroot', ours]), ostreeAdmin(ref, 'status'));

  // switch: the same refspec is refused; a bare ref keeps the remote; REMOTE: keeps the ref
  const same = run('ostree', ['admin', 'switch', `--sysroot=${ref}`, '--os=t', 'os/a']);
  const ourSame = atoll(['admin', 'switch', '--sysroot', ours, '--os=t', 'os/a']);
  assert.notEqual(same.status, 0);
  assert.notEqual(ourSame.status, 0);
  assert.match(same.stderr, /Old and new refs are equal: t:os\/a/);
  assert.match(ourSame.stderr, /Old and new refs are equal: t:os\/a/);
  both(['switch', '--os=t', 'os/b'], ['switch', '--os=t', 'os/b']);
  assert.deepEqual(origins(ours, 't'), origins(ref, 't'));
  assert.deepEqual(entries(ours), entries(ref));

  // set-origin REMOTENAME URL (the front end's mapping: REMOTENAME: --url URL)
  ostreeAdmin(ref, 'set-origin', '--index=0', 'bacon', '--set=gpg-verify=false', 'http://tasty.com');
  atollOk(['admin', 'set-origin', '--sysroot', ours, '--index=0', '--url=http://tasty.com', '--set=gpg-verify=false', 'bacon:']);
  assert.deepEqual(origins(ours, 't'), origins(ref, 't'));
  const remotes = (root: string): string => runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'remote', 'list', '-u']);
  assert.equal(remotes(ours), remotes(ref));
  assert.match(remotes(ours), /bacon\s+http:\/\/tasty\.com/);
});

test('end-of-life redirect: upgrade --pull-only then --deploy-only follows ostree.endoflife-rebase; remote add --sysroot on a deployment root', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const tree = makeFakeOsTree(join(work, 'tree'));
  commit(src, 'os/a', tree, '2024-01-01T00:00:00Z', ['version=1']);
  const { ref, ours } = twins(work, src, ['os/a']);
  ostreeAdmin(ref, 'deploy', '--os=t', 't:os/a');
  atollOk(['admin', 'deploy', '--sysroot', ours, '--os=t', 't:os/a']);
  writeFileSync(join(tree, 'usr/bin/new'), 'new');
  const next = commit(src, 'os/new', tree, '2024-01-02T00:00:00Z', ['version=2']);
  mkdirSync(join(work, 'empty'));
  commit(src, 'os/a', join(work, 'empty'), '2024-01-03T00:00:00Z', ['ostree.endoflife=Product discontinued', 'ostree.endoflife-rebase=os/new']);
  ostreeAdmin(ref, 'upgrade', '--os=t', '--pull-only');
  atollOk(['admin', 'upgrade', '--sysroot', ours, '--os=t', '--pull-only']);
  assert.equal(readdirSync(join(ours, 'ostree/deploy/t/deploy')).length, 2, '--pull-only deploys nothing');
  ostreeAdmin(ref, 'upgrade', '--os=t', '--deploy-only');
  atollOk(['admin', 'upgrade', '--sysroot', ours, '--os=t', '--deploy-only']);
  assert.ok(existsSync(join(ours, 'ostree/deploy/t/deploy', `${next}.0`)));
  assert.deepEqual(origins(ours, 't'), origins(ref, 't'));
  assert.match(readFileSync(join(ours, 'ostree/deploy/t/deploy', `${next}.0.origin`), 'utf8'), /refspec=t:os\/new/);
  assert.deepEqual(entries(ours), entries(ref));

  // remote add --sysroot: a physical sysroot keeps it in the repo config, a deployment root
  // (one with a `sysroot` entry) gets etc/ostree/remotes.d/NAME.conf
  for (const [root, tool] of [[ref, 'ostree'], [ours, 'atoll']] as const) {
    const dep = join(root, 'ostree/deploy/t/deploy', `${next}.0`);
    runOk('chattr', ['-i', dep]);
    symlinkSync('../../../../..', join(dep, 'sysroot'));
    symlinkSync('sysroot/ostree', join(dep, 'ostree'));
    for (const [sysroot, name] of [[root, 'phys'], [dep, 'nonphys']] as const) {
      if (tool === 'ostree') runOk('ostree', [`--sysroot=${sysroot}`, 'remote', 'add', '--set=gpg-verify=false', name, 'file:///x']);
      else atollOk(['repo', 'remote', 'add', '--sysroot', sysroot, '--set=gpg-verify=false', name, 'file:///x']);
    }
  }
  for (const root of [ref, ours]) {
    const config = readFileSync(join(root, 'ostree/repo/config'), 'utf8');
    assert.match(config, /remote "phys"/);
    assert.doesNotMatch(config, /nonphys/);
  }
  const conf = (root: string): string => readFileSync(join(root, 'ostree/deploy/t/deploy', `${next}.0`, 'etc/ostree/remotes.d/nonphys.conf'), 'utf8');
  assert.equal(conf(ours), conf(ref));
});
