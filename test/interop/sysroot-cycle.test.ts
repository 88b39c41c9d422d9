// upgrade → rollback → upgrade cycles with atoll only, refereed by ostree: /etc edits and
// deletions survive, /var is untouched and shared, exactly two deployments remain (plus a
// pinned one), and `ostree fsck` of the system repo stays clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, atoll } from '../helpers/run.js';
import { requireRoot, tmpfsDir, makeFakeOsTree, ostreeCommit, ostreeAdmin } from '../helpers/sysroot.js';

function atollOk(args: string[]): string {
  const r = atoll(args);
  if (r.status !== 0) throw new Error(`atoll ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function defaultEtc(sr: string): string {
  const first = /^. os ([0-9a-f]{64}\.\d+)/m.exec(ostreeAdmin(sr, 'status'))?.[1];
  assert.ok(first);
  return join(sr, 'ostree/deploy/os/deploy', first, 'etc');
}

test('upgrade, rollback, upgrade: /etc edits and deletions kept, /var kept, two deployments (+ pinned), fsck clean', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const sr = join(work, 'sr');
  mkdirSync(sr);
  const S = ['--sysroot', sr];
  atollOk(['admin', 'init-fs', sr]);
  atollOk(['admin', 'os-init', ...S, 'os']);
  const repo = join(sr, 'ostree/repo');
  const etc = (n: number): Record<string, string> => ({ 'os-release': 'ID=os\n', hostname: `default-${n}\n`, 'app.conf': `v${n}\n`, 'gone.conf': `g${n}\n`, [`new-${n}.conf`]: 'n\n' });
  let n = 1;
  const commit = (): string => ostreeCommit(repo, 'os/stable', makeFakeOsTree(join(work, `t${n}`), { etc: etc(n), kernel: `K${n}` }), String(n++));
  commit();
  atollOk(['admin', 'deploy', ...S, '--os=os', 'os/stable']);
  // the admin's changes
  writeFileSync(join(defaultEtc(sr), 'hostname'), 'my-host\n');
  rmSync(join(defaultEtc(sr), 'gone.conf'));
  writeFileSync(join(defaultEtc(sr), 'local.conf'), 'mine\n');
  const varFile = join(sr, 'ostree/deploy/os/var/lib/data');
  writeFileSync(varFile, 'state\n');

  for (let cycle = 0; cycle < 3; cycle++) {
    commit();
    atollOk(['admin', 'upgrade', ...S, '--os=os', '--deploy-only']);
    atollOk(['rollback', ...S]);
    atollOk(['rollback', ...S]); // back to the upgrade
    commit();
    atollOk(['admin', 'upgrade', ...S, '--os=os', '--deploy-only']);
    const e = defaultEtc(sr);
    assert.equal(readFileSync(join(e, 'hostname'), 'utf8'), 'my-host\n', 'local edit kept');
    assert.equal(existsSync(join(e, 'gone.conf')), false, 'local deletion kept');
    assert.equal(readFileSync(join(e, 'local.conf'), 'utf8'), 'mine\n', 'local addition kept');
    assert.equal(readFileSync(join(e, 'app.conf'), 'utf8'), `v${n - 1}\n`, 'untouched default follows the new commit');
    assert.ok(existsSync(join(e, `new-${n - 1}.conf`)), 'new default arrives');
    assert.equal(readFileSync(varFile, 'utf8'), 'state\n', '/var untouched');
    assert.equal(readdirSync(join(sr, 'boot/loader/entries')).length, 2, 'exactly two deployments');
    assert.equal(readdirSync(join(sr, 'ostree/deploy/os/deploy')).filter((x) => !x.endsWith('.origin')).length, 2);
  }
  // a pinned deployment survives the next upgrade as a third entry, and goes after unpin
  atollOk(['admin', 'pin', ...S, '1']);
  commit();
  atollOk(['admin', 'upgrade', ...S, '--os=os', '--deploy-only']);
  assert.equal(readdirSync(join(sr, 'boot/loader/entries')).length, 3);
  atollOk(['admin', 'unpin', ...S, '2']);
  commit();
  atollOk(['admin', 'upgrade', ...S, '--os=os', '--deploy-only']);
  assert.equal(readdirSync(join(sr, 'boot/loader/entries')).length, 2);
  assert.match(runOk('ostree', [`--repo=${repo}`, 'fsck']), /no errors found/);
  atollOk(['repo', 'fsck', '--repo', repo]);
  assert.equal(ostreeAdmin(sr, 'status'), atollOk(['admin', 'status', ...S]));
});
