import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atoll, runOk } from '../helpers/run.js';
import { requireTool, tempDir } from '../helpers/env.js';

const YAML = `
- name: hello-atoll
  version: "1.0"
  release: "1"
  arch: x86_64
  summary: Hello from a YAML description
  requires: [ "bash >= 5" ]
  files:
    - { path: /usr/bin/hello-atoll, content: "#!/bin/sh\\necho hello\\n", mode: 0o755 }
    - { path: /etc/hello-atoll.conf, content: "greeting=hello\\n", config: true, noreplace: true }
  scripts:
    postin: "echo installed"
- name: hello-atoll-data
  version: "1.0"
  release: "1"
  payload: { compressor: zstd, level: 3 }
  files:
    - { path: /usr/share/hello-atoll/data, content: { size: 100000, fill: "abc" } }
`;

test('atoll rpm build writes the described packages, reproducibly, and rpm reads them', (t) => {
  if (!requireTool(t, 'rpm')) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'hello.yaml'), YAML);
  const first = atoll(['rpm', 'build', '--json', '-o', join(dir, 'a'), join(dir, 'hello.yaml')]);
  assert.equal(first.status, 0, first.stderr);
  const built = JSON.parse(first.stdout) as Array<{ path: string; nevra: string }>;
  assert.deepEqual(built.map((b) => b.nevra), ['hello-atoll-1.0-1.x86_64', 'hello-atoll-data-1.0-1.noarch']);
  const second = atoll(['rpm', 'build', '-o', join(dir, 'b'), join(dir, 'hello.yaml')]);
  assert.equal(second.status, 0, second.stderr);
  const paths = second.stdout.trim().split('\n');
  assert.equal(paths.length, 2);
  for (const [i, b] of built.entries()) assert.deepEqual(readFileSync(b.path), readFileSync(paths[i] as string), 'reproducible');
  assert.equal(runOk('rpm', ['-qp', '--qf', '%{NEVRA} %{SUMMARY}\n[%{REQUIRENEVRS}\n]', built[0]?.path as string]).split('\n').slice(0, 2).join('|'), 'hello-atoll-1.0-1.x86_64 Hello from a YAML description|/bin/sh');
  assert.match(runOk('rpm', ['-qpc', built[0]?.path as string]), /^\/etc\/hello-atoll.conf$/m);
});

test('atoll rpm build reports a bad description with a coded error', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'bad.yaml'), 'name: x\nversion: "1"\nrelease: "1"\nfiles: [ { path: "../escape", content: "" } ]\n');
  const result = atoll(['--debug', 'rpm', 'build', '-o', dir, join(dir, 'bad.yaml')]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /RPM_BUILD_DESCRIPTION_BAD/);
  const missing = atoll(['rpm', 'build', join(dir, 'nope.yaml')]);
  assert.equal(missing.status, 2);
});
