import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir } from '../helpers/env.js';
import { run, runOk, atoll } from '../helpers/run.js';
import { startPythonHttp } from '../helpers/servers.js';
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Pull behaviour OSTree's installed tests check (test-pull-localcache, -sizes, -corruption,
 * -metalink, -mirrorlist), each done by Debian's `ostree` and by atoll on the same input.
 */

/**
 * A static file server whose 404s have an empty body, like ostree-trivial-httpd's (ostree's
 * curl fetcher keeps a 404 body in its temp file when it moves on to the next mirror, so
 * python's HTML 404 pages would break ostree itself on a mirrorlist).
 */
async function startStaticServer(t: TestContext, dir: string): Promise<string> {
  const script = `
    const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
    const root = process.argv[1];
    const server = http.createServer((req, res) => {
      const file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
      if (!file.startsWith(root)) return void res.writeHead(403).end();
      fs.readFile(file, (err, data) => err ? res.writeHead(404, { 'Content-Length': 0 }).end() : res.writeHead(200, { 'Content-Length': data.length }).end(data));
    });
    server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port + '/'));`;
  const child = spawn(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGTERM'));
  return await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`static server exited with ${code}`)));
  });
}

/** The remote of OSTree's libtest setup_fake_remote_repo1: three commits of a small tree. */
function fakeRemote(dir: string, commitArgs: string[] = []): string {
  const repo = join(dir, 'srv', 'repo');
  mkdirSync(repo, { recursive: true });
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  const files = join(dir, 'files');
  mkdirSync(join(files, 'baz'), { recursive: true });
  writeFileSync(join(files, 'firstfile'), 'first\n');
  writeFileSync(join(files, 'baz', 'cow'), 'moo\n');
  writeFileSync(join(files, 'baz', 'saucer'), 'alien\n');
  const commit = (subject: string): string => runOk('ostree', [`--repo=${repo}`, 'commit', ...commitArgs, '-b', 'main', '--timestamp=@1700000000', '-s', subject, files]).trim();
  commit('one');
  mkdirSync(join(files, 'baz', 'deeper'));
  commit('two');
  writeFileSync(join(files, 'baz', 'deeper', 'ohyeah'), 'hi\n');
  mkdirSync(join(files, 'baz', 'another'));
  writeFileSync(join(files, 'baz', 'another', 'y'), 'x\n');
  commit('three');
  return repo;
}

function initRepo(tool: 'ostree' | 'atoll', path: string, url: string, mode = 'archive'): void {
  if (tool === 'ostree') {
    runOk('ostree', [`--repo=${path}`, 'init', `--mode=${mode}`]);
    runOk('ostree', [`--repo=${path}`, 'remote', 'add', '--no-gpg-verify', 'origin', url]);
  } else {
    assertOk(atoll(['repo', 'init', `--repo=${path}`, `--mode=${mode}`]));
    assertOk(atoll(['repo', 'remote', 'add', `--repo=${path}`, '--no-gpg-verify', 'origin', url]));
  }
}

function assertOk(r: { status: number; stderr: string; stdout: string }): string {
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The statistics line less its bytes-transferred part (atoll also counts the summary and config it reads). */
const counts = (line: string): string => {
  const match = /^(\d+ metadata, \d+ content objects fetched[^;]*);(?: [^;]* transferred in \d+ seconds;)? (.* content written)$/m.exec(line);
  return match ? `${match[1]}; ${match[2]}` : line;
};

test('pull statistics count what ostree counts (detached-metadata requests, --localcache-repo)', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const remote = fakeRemote(dir);
  const server = await startPythonHttp(t, join(dir, 'srv'));
  const url = `${server.url}repo`;
  const cache = join(dir, 'cache');
  initRepo('ostree', cache, url);
  runOk('ostree', [`--repo=${cache}`, 'pull', 'origin', 'main']);
  // A new commit of the same tree plus one file: 3 metadata (commitmeta request, commit, root dirtree), 1 content.
  runOk('ostree', [`--repo=${remote}`, 'checkout', 'main', join(dir, 'co')]);
  writeFileSync(join(dir, 'co', 'anewfile'), 'anewfile\n');
  runOk('ostree', [`--repo=${remote}`, 'commit', '-b', 'main', '--timestamp=@1700000001', `--tree=dir=${join(dir, 'co')}`]);
  const lines: Record<string, string[]> = { ostree: [], atoll: [] };
  for (const tool of ['ostree', 'atoll'] as const) {
    const repo = join(dir, `${tool}-repo`);
    initRepo(tool, repo, url);
    const pull = (...args: string[]): string =>
      tool === 'ostree' ? runOk('ostree', [`--repo=${repo}`, 'pull', ...args]) : assertOk(atoll(['repo', 'pull', `--repo=${repo}`, '--print-stats', ...args]));
    lines[tool]?.push(counts(pull('--localcache-repo', cache, 'origin', 'main')));
    // Everything stored: ostree still asks for the commit's detached metadata.
    lines[tool]?.push(counts(pull('origin', 'main')));
    lines[tool]?.push(counts(pull('--depth=1', 'origin', 'main')));
    lines[tool]?.push(counts(pull('--commit-metadata-only', '--depth=-1', 'origin', 'main')));
  }
  assert.equal(lines.ostree?.[0], '3 metadata, 1 content objects fetched (4 meta, 5 content local); 9 bytes content written');
  assert.deepEqual(lines.atoll, lines.ostree);
});

test('commit --generate-sizes writes the ostree.sizes ostree writes; show --print-sizes agrees', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'sub'), { recursive: true });
  writeFileSync(join(tree, 'a'), 'hello\n');
  writeFileSync(join(tree, 'sub', 'b'), 'x'.repeat(5000));
  runOk('ln', ['-s', 'target-of-link', join(tree, 'link')]);
  const mine = join(dir, 'mine');
  const theirs = join(dir, 'theirs');
  assertOk(atoll(['repo', 'init', `--repo=${mine}`, '--mode=archive']));
  runOk('ostree', [`--repo=${theirs}`, 'init', '--mode=archive']);
  // The second commit lists objects the first already stored, as ostree does.
  for (const extra of ['', 'new\n']) {
    if (extra) writeFileSync(join(tree, 'n'), extra);
    const args = ['-b', 'main', '--timestamp=@0', '--owner-uid=0', '--owner-gid=0', '--generate-sizes', '-s', 'sized', tree];
    const a = assertOk(atoll(['repo', 'commit', `--repo=${mine}`, ...args])).trim();
    const o = runOk('ostree', [`--repo=${theirs}`, 'commit', ...args]).trim();
    assert.equal(a, o, 'commit checksum (metadata incl. ostree.sizes) equals ostree\'s');
    assert.equal(assertOk(atoll(['repo', 'show', `--repo=${mine}`, '--print-sizes', 'main'])), runOk('ostree', [`--repo=${theirs}`, 'show', '--print-sizes', 'main']));
  }
  // A bare-user repository gets no ostree.sizes from ostree, nor from atoll.
  const bare = join(dir, 'bare');
  runOk('ostree', [`--repo=${bare}`, 'init', '--mode=bare-user']);
  const rev = assertOk(atoll(['repo', 'commit', `--repo=${bare}`, '-b', 'main', '--timestamp=@0', '--generate-sizes', tree])).trim();
  assert.match(run('ostree', [`--repo=${bare}`, 'show', '--print-sizes', rev]).stderr, /ostree\.sizes/);
});

test('pull-local --trusted copies a corrupted commit as ostree pull-local does; --untrusted and HTTP refuse it', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const remote = fakeRemote(dir);
  const rev = runOk('ostree', [`--repo=${remote}`, 'rev-parse', 'main']).trim();
  const corrupt = createHash('sha256').update(`${rev} hello\n`).digest('hex');
  mkdirSync(join(remote, 'objects', corrupt.slice(0, 2)), { recursive: true });
  renameSync(join(remote, 'objects', rev.slice(0, 2), `${rev.slice(2)}.commit`), join(remote, 'objects', corrupt.slice(0, 2), `${corrupt.slice(2)}.commit`));
  writeFileSync(join(remote, 'refs', 'heads', 'main'), `${corrupt}\n`);
  const expected = `Corrupted commit object; checksum expected='${corrupt}' actual='${rev}'`;
  for (const tool of ['ostree', 'atoll'] as const) {
    const repo = join(dir, `${tool}-trusted`);
    runOk('ostree', [`--repo=${repo}`, 'init', '--mode=bare-user']);
    if (tool === 'ostree') runOk('ostree', [`--repo=${repo}`, 'pull-local', remote, 'main']);
    else assertOk(atoll(['repo', 'pull-local', `--repo=${repo}`, '--trusted', remote, 'main']));
    assert.equal(readFileSync(join(repo, 'refs', 'heads', 'main'), 'utf8').trim(), corrupt, tool);
    const untrusted = join(dir, `${tool}-untrusted`);
    runOk('ostree', [`--repo=${untrusted}`, 'init', '--mode=bare-user']);
    const r = tool === 'ostree' ? run('ostree', [`--repo=${untrusted}`, 'pull-local', '--untrusted', remote, 'main']) : atoll(['repo', 'pull-local', `--repo=${untrusted}`, remote, 'main']);
    assert.notEqual(r.status, 0, tool);
    assert.ok(r.stderr.includes(expected), `${tool}: ${r.stderr}`);
  }
  const server = await startPythonHttp(t, join(dir, 'srv'));
  const http = join(dir, 'http');
  initRepo('atoll', http, `${server.url}repo`);
  const r = atoll(['repo', 'pull', `--repo=${http}`, 'origin', 'main']);
  assert.notEqual(r.status, 0);
  assert.ok(r.stderr.includes(expected), r.stderr);
});

test('metalink= and mirrorlist= remotes: atoll pulls what ostree pulls and fails with ostree\'s errors', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const remote = fakeRemote(dir);
  runOk('ostree', [`--repo=${remote}`, 'summary', '-u']);
  const srv = join(dir, 'srv');
  // Two more copies of the repository as mirrors; the first lacks one content object.
  runOk('cp', ['-a', remote, join(srv, 'mirror1')]);
  runOk('cp', ['-a', remote, join(srv, 'mirror2')]);
  const filez = runOk('find', [join(srv, 'mirror1', 'objects'), '-name', '*.filez']).split('\n')[0] as string;
  runOk('rm', [filez]);
  const server = { url: await startStaticServer(t, srv) };
  const summary = readFileSync(join(remote, 'summary'));
  const hash = (algorithm: string, bytes: Uint8Array): string => createHash(algorithm).update(bytes).digest('hex');
  const metalink = (sha512: string): string => `<?xml version="1.0" encoding="utf-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/">
  <unknown><nested>x</nested></unknown>
  <files>
    <file name="summary">
      <size>${summary.length}</size>
      <verification>
        <hash type="md5">${hash('md5', summary)}</hash>
        <hash type="sha256">${hash('sha256', summary)}</hash>
        <hash type="sha512">${sha512}</hash>
      </verification>
      <resources maxconnections="1">
        <url protocol="http" type="http" location="US" preference="100">${server.url}repo/nosuchfile</url>
        <url protocol="http" type="http" location="US" preference="99">${server.url}repo/summary</url>
      </resources>
    </file>
  </files>
</metalink>
`;
  writeFileSync(join(srv, 'good.xml'), metalink(hash('sha512', summary)));
  writeFileSync(join(srv, 'bad.xml'), metalink(hash('sha512', Buffer.concat([Buffer.from('dummy'), summary]))));
  writeFileSync(join(srv, 'bacon.xml'), 'bacon\n');
  const good = metalink(hash('sha512', summary));
  writeFileSync(join(srv, 'noverify.xml'), good.split('\n').filter((l) => !/sha256|sha512/.test(l)).join('\n'));
  writeFileSync(join(srv, 'nourl.xml'), good.split('\n').filter((l) => !/<url /.test(l)).join('\n'));
  writeFileSync(join(srv, 'mirrorlist'), `\n# comment\n${server.url}nonexistent\n\n${server.url}mirror1\n${server.url}mirror2\n`);
  const rev = runOk('ostree', [`--repo=${remote}`, 'rev-parse', 'main']).trim();
  const cases: Array<{ url: string; contenturl?: string; ok: boolean }> = [
    { url: `metalink=${server.url}good.xml`, ok: true },
    { url: `metalink=${server.url}bad.xml`, ok: false },
    { url: `metalink=${server.url}bacon.xml`, ok: false },
    { url: `metalink=${server.url}noverify.xml`, ok: false },
    { url: `metalink=${server.url}nourl.xml`, ok: false },
    { url: `mirrorlist=${server.url}mirrorlist`, ok: true },
    { url: `${server.url}repo`, contenturl: `mirrorlist=${server.url}mirrorlist`, ok: true },
  ];
  for (const [k, c] of cases.entries()) {
    const results: Record<string, { status: number; stderr: string; rev?: string }> = {};
    for (const tool of ['ostree', 'atoll'] as const) {
      const repo = join(dir, `${tool}-${k}`);
      runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
      runOk('ostree', [`--repo=${repo}`, 'remote', 'add', '--no-gpg-verify', ...(c.contenturl ? [`--contenturl=${c.contenturl}`] : []), 'origin', c.url]);
      const r = tool === 'ostree' ? run('ostree', [`--repo=${repo}`, 'pull', 'origin:main']) : atoll(['repo', 'pull', `--repo=${repo}`, 'origin:main']);
      // The message after `error: ` (atoll prefixes it with `atoll: `).
      results[tool] = { status: r.status, stderr: (/^(?:atoll: )?error: (.*)$/m.exec(r.stderr) ?? ['', ''])[1] as string };
      if (r.status === 0) {
        results[tool].rev = runOk('ostree', [`--repo=${repo}`, 'rev-parse', 'origin:main']).trim();
        runOk('ostree', [`--repo=${repo}`, 'fsck']);
      }
    }
    assert.equal(results.ostree?.status === 0, c.ok, `${c.url}: ostree ${results.ostree?.stderr}`);
    assert.deepEqual(results.atoll, results.ostree, c.url);
    if (c.ok) assert.equal(results.atoll?.rev, rev);
  }
  // `remote refs` through the metalink, as ostree lists them.
  const refsRepo = join(dir, 'ostree-0');
  assert.equal(assertOk(atoll(['repo', 'remote', 'refs', `--repo=${refsRepo}`, 'origin'])), runOk('ostree', [`--repo=${refsRepo}`, 'remote', 'refs', 'origin']));
});

test('pull-local --trusted between archive repositories hard-links the .filez objects, as ostree pull-local does', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const remote = fakeRemote(dir);
  const objects = runOk('find', [join(remote, 'objects'), '-name', '*.filez']).trim().split('\n');
  for (const tool of ['ostree', 'atoll'] as const) {
    const repo = join(dir, tool);
    runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
    if (tool === 'ostree') runOk('ostree', [`--repo=${repo}`, 'pull-local', remote]);
    else assertOk(atoll(['repo', 'pull-local', `--repo=${repo}`, '--trusted', remote]));
    runOk('ostree', [`--repo=${repo}`, 'fsck']);
    for (const object of objects) assert.equal(statSync(object.replace(remote, repo)).ino, statSync(object).ino, `${tool}: ${object}`);
  }
});
