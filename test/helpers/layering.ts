// Fixtures for the client-side layering interop tests (layering-install, layering-overrides):
// the base every test OS has, and a server repository whose bases `atoll compose` builds from a
// generated rpm-md repository.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, isRoot } from './env.js';
import { atoll } from './run.js';
import { buildPackages } from './rpm-fixtures.js';
import { BUSYBOX, filesystemPackage, setupPackage, shellPackage } from './assemble-fixtures.js';
import type { PackageDescription } from '../../src/rpm/index.js';
import { createRepo } from '../../src/rpmmd/index.js';
import { Repo } from '../../src/ostree/repo/index.js';
import { composeTree } from '../../src/compose/index.js';

/** Layering needs bwrap (scriptlets), ostree and rpm (referees), chattr, root and a static busybox. */
export function canRunLayering(t: TestContext): boolean {
  if (!requireTool(t, 'bwrap', 'ostree', 'rpm', 'chattr')) return false;
  if (!isRoot() || BUSYBOX === undefined) {
    t.skip('needs root and busybox-static');
    return false;
  }
  return true;
}

/** What every layering base has: UsrMove links, a busybox shell, passwd/group, os-release and a kernel. */
export function layeringBasePackages(): PackageDescription[] {
  return [
    filesystemPackage(),
    shellPackage(),
    setupPackage(),
    { name: 'system-release', version: '42', release: '1', files: [{ path: '/usr/lib/os-release', content: 'NAME=Test\nID=test\nVERSION_ID=42\nPRETTY_NAME="Test 42"\n', mode: 0o644 }] },
    { name: 'kernel', version: '6.1.0', release: '1', arch: 'x86_64', files: [{ path: '/usr/lib/modules/6.1.0/vmlinuz', content: 'kernel image\n', mode: 0o755 }] },
  ];
}

export interface LayeringServer {
  /** The rpm-md repository of `packages` (repo id `test`). */
  rpmDir: string;
  /** The archive repository the bases are composed into (ref `test/os`). */
  srv: string;
  /** Compose a base of `packages` as version `version` (a small integer: it also sets SOURCE_DATE_EPOCH); returns its commit. */
  composeBase(packages: readonly string[], version: string): Promise<string>;
}

/** Build `packages` into an rpm-md repository and an empty server repository under `work`. */
export async function layeringServer(t: TestContext, work: string, packages: readonly PackageDescription[]): Promise<LayeringServer> {
  const { dir: rpmDir } = await buildPackages(t, packages);
  await createRepo(rpmDir, { revision: '1700000000' });
  const compose = join(work, 'compose');
  mkdirSync(compose);
  writeFileSync(join(compose, 'test.repo'), `[test]\nbaseurl=file://${rpmDir}\ngpgcheck=0\n`);
  const srv = join(work, 'srv');
  await Repo.init(srv, 'archive');
  const composeBase = async (names: readonly string[], version: string): Promise<string> => {
    writeFileSync(join(compose, 'treefile.yaml'), `ref: test/os\nreleasever: 42\nrepos: [test]\npackages: [${names.join(', ')}]\n`);
    const r = await composeTree({ treefile: join(compose, 'treefile.yaml'), repo: srv, cachedir: join(work, 'cache'), addMetadata: [['version', version]], forceNocache: true, env: { SOURCE_DATE_EPOCH: String(1700000000 + Number(version)) } });
    return r.commit!;
  };
  return { rpmDir, srv, composeBase };
}

/** Run atoll and return its stdout; fail the test with its stderr unless it exits 0. */
export function atollOk(args: string[]): string {
  const r = atoll(args);
  assert.equal(r.status, 0, `atoll ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
