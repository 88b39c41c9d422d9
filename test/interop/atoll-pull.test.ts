import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { requireTool, tempDir } from '../helpers/env.js';
import { runOk, atollBin } from '../helpers/run.js';
import { startAtollServe, startPythonHttp, startNginx } from '../helpers/servers.js';
import { makeTree, objectSet } from '../helpers/trees.js';

/**
 * `atoll repo pull` against real OSTree repositories (made by `ostree commit`), served by
 * atoll's server, Debian's `python3 -m http.server` and nginx; results checked by `ostree fsck`
 * and `ostree rev-parse`. Everything runs asynchronously so that the servers keep serving.
 */
function runAsync(program: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

const atoll = (args: string[]): ReturnType<typeof runAsync> => runAsync(process.execPath, [atollBin, '--progress=none', ...args]);

async function fsckClean(repo: string): Promise<void> {
  const r = await runAsync('ostree', [`--repo=${repo}`, 'fsck']);
  assert.equal(r.status, 0, `ostree fsck ${repo}: ${r.stdout}${r.stderr}`);
  const a = await atoll(['repo', 'fsck', `--repo=${repo}`]);
  // atoll's own fsck lands with the store issue; until then the verb reports "not implemented".
  if (!/not implemented/.test(a.stderr)) assert.equal(a.status, 0, `atoll repo fsck ${repo}: ${a.stderr}`);
}

function ostreeRepo(dir: string, name: string, tree: string): string {
  const repo = join(dir, name);
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '-s', 'one', tree]);
  runOk('ostree', [`--repo=${repo}`, 'summary', '-u']);
  return repo;
}

for (const [name, start] of [
  ['atoll repo serve', startAtollServe],
  ['python3 -m http.server', startPythonHttp],
  ['nginx', startNginx],
] as const) {
  test(`atoll repo pull of a real OSTree repo served by ${name}: archive and bare-user, fsck clean`, async (t) => {
    if (!requireTool(t, 'ostree')) return;
    if (name === 'nginx' && !requireTool(t, '/usr/sbin/nginx')) return;
    const dir = tempDir(t);
    const src = ostreeRepo(dir, 'src', makeTree(dir, 40, 1));
    const server = await start(t, src);
    const expected = runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/main']).trim();
    for (const mode of ['archive', 'bare-user']) {
      const dst = join(dir, `dst-${mode}`);
      runOk('ostree', [`--repo=${dst}`, 'init', `--mode=${mode}`]);
      assert.equal((await atoll(['repo', 'remote', 'add', `--repo=${dst}`, '--no-gpg-verify', 'origin', server.url])).status, 0);
      const pulled = await atoll(['repo', 'pull', `--repo=${dst}`, 'origin', 'os/main']);
      assert.equal(pulled.status, 0, pulled.stderr);
      assert.equal(pulled.stdout.trim(), `os/main ${expected}`);
      await fsckClean(dst);
      assert.equal(runOk('ostree', [`--repo=${dst}`, 'rev-parse', 'origin:os/main']).trim(), expected);
      assert.deepEqual(readdirSync(join(dst, 'state')), [], 'no commitpartial marker left');
    }
    // Checked-out trees are identical to what ostree checks out from the source.
    runOk('ostree', [`--repo=${src}`, 'checkout', '-U', 'os/main', join(dir, 'co-src')]);
    runOk('ostree', [`--repo=${join(dir, 'dst-bare-user')}`, 'checkout', '-U', 'origin:os/main', join(dir, 'co-dst')]);
    runOk('diff', ['-r', '--no-dereference', join(dir, 'co-src'), join(dir, 'co-dst')]);
  });
}

test('mirror pull copies every ref and the summary; --depth fetches history; --commit-metadata-only leaves the commit partial', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const src = ostreeRepo(dir, 'src', makeTree(dir, 10, 1));
  runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '-s', 'two', makeTree(dir, 12, 2)]);
  runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/other', '--owner-uid=0', '--owner-gid=0', '-s', 'other', makeTree(dir, 3, 3)]);
  runOk('ostree', [`--repo=${src}`, 'summary', '-u']);
  const server = await startAtollServe(t, src);

  const mirror = join(dir, 'mirror');
  runOk('ostree', [`--repo=${mirror}`, 'init', '--mode=archive']);
  await atoll(['repo', 'remote', 'add', `--repo=${mirror}`, '--no-gpg-verify', 'origin', server.url]);
  const m = await atoll(['repo', 'pull', `--repo=${mirror}`, '--mirror', '--depth=-1', 'origin']);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(runOk('ostree', [`--repo=${mirror}`, 'refs']).trim().split('\n').sort().join(','), 'os/main,os/other');
  assert.deepEqual(readFileSync(join(mirror, 'summary')), readFileSync(join(src, 'summary')));
  assert.match(runOk('ostree', [`--repo=${mirror}`, 'log', 'os/main']), /one/);
  await fsckClean(mirror);

  const shallow = join(dir, 'shallow');
  runOk('ostree', [`--repo=${shallow}`, 'init', '--mode=archive']);
  await atoll(['repo', 'remote', 'add', `--repo=${shallow}`, '--no-gpg-verify', 'origin', server.url]);
  const meta = await atoll(['repo', 'pull', `--repo=${shallow}`, '--commit-metadata-only', 'origin', 'os/main']);
  assert.equal(meta.status, 0, meta.stderr);
  const tip = runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/main']).trim();
  assert.ok(existsSync(join(shallow, 'state', `${tip}.commitpartial`)));
  assert.ok(![...objectSet(shallow)].some((o) => o.endsWith('.filez')), 'no content fetched');
  const full = await atoll(['repo', 'pull', `--repo=${shallow}`, 'origin', 'os/main']);
  assert.equal(full.status, 0, full.stderr);
  assert.ok(!existsSync(join(shallow, 'state', `${tip}.commitpartial`)));
  await fsckClean(shallow);
});

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Incremental pulls from atoll's server and from nginx (the bench's server): the second pull
// completes, fetches exactly the new objects, and leaves the server idle (no loop spinning
// on a finished or kept-alive connection: it uses no CPU while nobody asks it anything).
for (const [name, start] of [
  ['atoll repo serve', startAtollServe],
  ['nginx', startNginx],
] as const) {
  test(`a second pull of a newer commit from ${name} transfers only the new objects, and the server is idle afterwards`, async (t) => {
    if (!requireTool(t, 'ostree')) return;
    if (name === 'nginx' && !requireTool(t, '/usr/sbin/nginx')) return;
    const dir = tempDir(t);
    const src = ostreeRepo(dir, 'src', makeTree(dir, 60, 1));
    const server = await start(t, src);
    const dst = join(dir, 'dst');
    runOk('ostree', [`--repo=${dst}`, 'init', '--mode=archive']);
    await atoll(['repo', 'remote', 'add', `--repo=${dst}`, '--no-gpg-verify', 'origin', server.url]);
    assert.equal((await atoll(['repo', 'pull', `--repo=${dst}`, 'origin', 'os/main'])).status, 0);

    // A newer commit: a few files change, most stay.
    const tree2 = makeTree(dir, 60, 1);
    writeFileSync(join(tree2, 'usr', 'share', 'd3', 'f3'), 'changed\n');
    writeFileSync(join(tree2, 'usr', 'share', 'd3', 'new'), 'new file\n');
    runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '-s', 'two', tree2]);
    runOk('ostree', [`--repo=${src}`, 'summary', '-u']);
    const before = objectSet(dst);
    const newObjects = [...objectSet(src)].filter((o) => !before.has(o)).sort();
    const logBefore = server.log().length;
    const second = await atoll(['repo', 'pull', `--repo=${dst}`, '--json', 'origin', 'os/main']);
    assert.equal(second.status, 0, second.stderr);
    const result = JSON.parse(second.stdout) as { metadataFetched: number; contentFetched: number; bytesTransferred: number };
    assert.equal(result.metadataFetched + result.contentFetched, newObjects.length);
    assert.ok(newObjects.length < 12, `only a handful of objects changed (${newObjects.length})`);
    const fetchedObjects = (): string[] =>
      server
        .log()
        .slice(logBefore)
        .filter((l) => / 200 /.test(l) && l.includes(' /objects/'))
        .map((l) => (l.split(' ')[1] as string).slice(1))
        .sort();
    // A server logs a request after answering it: give the last line a moment to arrive.
    for (let i = 0; i < 100 && fetchedObjects().length < newObjects.length; i++) await new Promise((r) => setTimeout(r, 20));
    const fetched = fetchedObjects();
    assert.deepEqual(fetched, newObjects, 'exactly the objects the destination lacked, each once');
    await fsckClean(dst);
    // Idle: over two quiet seconds the server uses (almost) no CPU. A spinning loop uses ~2 s;
    // even on a loaded machine it gets far more than the 5 clock ticks allowed here.
    const pid = server.child.pid as number;
    const used = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = cpuSeconds(pid) - used;
    assert.ok(idle <= 0.05, `${name} used ${idle.toFixed(2)} s of CPU while idle`);
  });
}
