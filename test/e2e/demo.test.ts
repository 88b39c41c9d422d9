// `atoll demo` as a user runs it (npm start), in a tmpfs: every step's result is checked
// against the files it left and against the real `ostree admin status` / `ostree fsck`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { requireTool } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';
import { requireRoot, tmpfsDir } from '../helpers/sysroot.js';
import { adminStatusRows } from '../helpers/host.js';

const DIFF = [
  'Upgraded:',
  '  demo-release 1-1.demo -> 2-1.demo',
  '  greeter 1.0-1.demo -> 1.1-1.demo',
  '  kernel 6.6.1-1.demo -> 6.6.2-1.demo',
  '  libgreet 1.0-1.demo -> 1.1-1.demo',
  'Removed:',
  '  oldtool-0.9-1.demo.noarch',
  'Added:',
  '  newtool-1.0-1.demo.noarch',
].join('\n');

function canConnect(url: string): Promise<boolean> {
  return new Promise((done) => {
    const req = request(url, { method: 'HEAD', timeout: 2000 }, () => done(true));
    req.on('error', () => done(false));
    req.on('timeout', () => { req.destroy(); done(false); });
    req.end();
  });
}

function composed(out: string): string[] {
  return [...out.matchAll(/demo\/stable => ([0-9a-f]{64}) \(version (\d+)\)/g)].map((m) => `${m[2]}:${m[1]}`);
}

function checkRun(out: string, dir: string): { v1: string; v2: string } {
  const commits = composed(out);
  assert.equal(commits.length, 2, out);
  const v1 = (commits[0] as string).replace(/^1:/, '');
  const v2 = (commits[1] as string).replace(/^2:/, '');
  assert.notEqual(v1, v2);

  // Each step is printed as the command a user would type.
  for (const cmd of ['$ atoll rpm build', '$ atoll rpm-repo create', '$ atoll compose tree', '$ atoll repo serve', '$ atoll admin init-fs', '$ atoll admin os-init', '$ atoll rebase', '$ atoll upgrade', '$ atoll status', '$ atoll rollback']) {
    assert.ok(out.includes(cmd), `transcript shows ${cmd}`);
  }
  assert.ok(out.includes(`$ atoll upgrade --sysroot demo/sysroot\n${DIFF}\n`), `upgrade prints the package diff:\n${out}`);
  assert.doesNotMatch(out, /skipped/);

  // Package repository: v1, v2 and the layering extras; rpm agrees on what they are.
  const rpms = readdirSync(join(dir, 'rpms')).filter((n) => n.endsWith('.rpm')).sort();
  assert.equal(rpms.length, 16);
  for (const name of ['hello-extra-1.0-1.demo.noarch.rpm', 'libextra-1.0-1.demo.noarch.rpm', 'greeter-1.1-1.demo.noarch.rpm', 'oldtool-0.9-1.demo.noarch.rpm']) assert.ok(rpms.includes(name), name);
  const req = runOk('rpm', ['-qp', '--requires', join(dir, 'rpms/greeter-1.0-1.demo.noarch.rpm')]);
  assert.match(req, /^libgreet >= 1\.0$/m);
  assert.match(req, /^\(busybox or toybox\)$/m);
  assert.match(runOk('rpm', ['-qp', '--recommends', join(dir, 'rpms/greeter-1.0-1.demo.noarch.rpm')]), /^greeter-l10n$/m);
  assert.match(runOk('rpm', ['-qp', '--requires', join(dir, 'rpms/hello-extra-1.0-1.demo.noarch.rpm')]), /libextra\.so\.0\(\)\(64bit\)/);

  // Compose repository: archive, both commits on the ref, consistent.
  assert.match(readFileSync(join(dir, 'repo/config'), 'utf8'), /mode=archive/);
  runOk('ostree', ['fsck', `--repo=${join(dir, 'repo')}`]);
  assert.equal(runOk('ostree', ['rev-parse', `--repo=${join(dir, 'repo')}`, 'demo/stable']).trim(), v2);

  // Client: rolled back, so v1 is the default and v2 the rollback target; ostree agrees.
  const sysroot = join(dir, 'sysroot');
  const rows = adminStatusRows(sysroot);
  assert.deepEqual(rows.map((r) => r.csum), [v1, v2], 'ostree admin status: v1 first after rollback');
  for (const row of rows) assert.match(row.text, /origin refspec: demo:demo\/stable/);
  const status = atoll(['status', '--sysroot', sysroot, '--json']);
  assert.equal(status.status, 0, status.stderr);
  const json = JSON.parse(status.stdout) as { deployments: Array<{ checksum: string; version: string }> };
  assert.deepEqual(json.deployments.map((d) => [d.checksum, d.version]), [[v1, '1'], [v2, '2']]);
  runOk('ostree', ['fsck', `--repo=${join(sysroot, 'ostree/repo')}`]);

  // The /etc edit made on v1 survives in both deployments; v2's new default is in its usr/etc.
  const deploy = (c: string): string => join(sysroot, 'ostree/deploy/demo/deploy', `${c}.0`);
  assert.equal(readFileSync(join(deploy(v2), 'etc/greeter.conf'), 'utf8'), 'greeting="Hi from the demo"\n');
  assert.equal(readFileSync(join(deploy(v1), 'etc/greeter.conf'), 'utf8'), 'greeting="Hi from the demo"\n');
  assert.equal(readFileSync(join(deploy(v2), 'usr/etc/greeter.conf'), 'utf8'), 'greeting="Hello, world"\n');
  assert.equal(readFileSync(join(deploy(v1), 'usr/etc/greeter.conf'), 'utf8'), 'greeting=Hello\n');
  // The trees: %post added the user, the kernel moved, oldtool/newtool swapped, busybox is the shell.
  assert.match(readFileSync(join(deploy(v1), 'usr/etc/passwd'), 'utf8'), /^greeter:x:991:991:/m);
  assert.ok(existsSync(join(deploy(v1), 'usr/lib/modules/6.6.1/vmlinuz')));
  assert.ok(existsSync(join(deploy(v2), 'usr/lib/modules/6.6.2/vmlinuz')));
  assert.ok(existsSync(join(deploy(v1), 'usr/bin/oldtool')) && !existsSync(join(deploy(v2), 'usr/bin/oldtool')));
  assert.ok(existsSync(join(deploy(v2), 'usr/bin/newtool')));
  assert.equal(readFileSync(join(deploy(v1), 'usr/bin/busybox')).equals(readFileSync(['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p)) as string)), true);
  assert.match(readFileSync(join(deploy(v2), 'usr/lib/os-release'), 'utf8'), /VERSION_ID=2/);
  // Boot entries for both deployments.
  const entries = readdirSync(join(sysroot, 'boot/loader/entries'));
  assert.equal(entries.length, 2, entries.join(' '));
  return { v1, v2 };
}

test('atoll demo: build, compose, serve, install, /etc edit, upgrade with diff, rollback; re-running starts over', async (t) => {
  if (!requireTool(t, 'ostree', 'rpm', 'bwrap', 'chattr') || !requireRoot(t)) return;
  if (!['/usr/bin/busybox', '/bin/busybox'].some((p) => existsSync(p))) {
    t.skip('needs busybox-static');
    return;
  }
  const work = tmpfsDir(t);
  const dir = join(work, 'demo');
  const first = atoll(['demo', '--dir', dir], { cwd: work });
  assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
  checkRun(first.stdout, dir);
  const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(first.stdout)?.[1];
  assert.ok(url !== undefined);
  assert.equal(await canConnect(url), false, 'the server is stopped at the end');
  assert.match(first.stdout, /Try next:\n {2}atoll status --sysroot /);
  assert.match(first.stdout, /\$ atoll rpm build demo\/packages\/v1\/\*\.yaml/, 'paths under the working directory are shown relative');

  // Re-running replaces the previous demo and ends in the same state.
  writeFileSync(join(dir, 'sysroot/stray'), 'from the first run\n');
  const second = atoll(['demo', '--dir', dir], { cwd: work });
  assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);
  checkRun(second.stdout, dir);
  assert.equal(existsSync(join(dir, 'sysroot/stray')), false);
});

test('atoll demo refuses a non-empty directory it did not make', (t) => {
  const dir = join(runOk('mktemp', ['-d']).trim(), 'mine');
  t.after(() => runOk('rm', ['-rf', join(dir, '..')]));
  mkdirSync(dir);
  writeFileSync(join(dir, 'precious'), 'do not delete\n');
  const r = atoll(['demo', '--dir', dir]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /is not empty and was not made by atoll demo/);
  assert.equal(readFileSync(join(dir, 'precious'), 'utf8'), 'do not delete\n');
});
