import { mkdirSync, writeFileSync, symlinkSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** A small deterministic tree for commits: nested dirs, a symlink, an empty dir, a 200 kB binary. */
export function makeTree(dir: string, files: number, seed: number): string {
  const tree = join(dir, `tree-${seed}`);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, 'usr', 'bin'), { recursive: true });
  mkdirSync(join(tree, 'empty'));
  writeFileSync(join(tree, 'hello'), 'hello\n');
  symlinkSync('hello', join(tree, 'link'));
  for (let i = 0; i < files; i++) {
    const sub = join(tree, 'usr', 'share', `d${i % 7}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}`), `file ${i} ${'x'.repeat(i * 37)}\n`);
  }
  writeFileSync(join(tree, 'usr', 'bin', 'tool'), Buffer.alloc(200_000, seed), { mode: 0o755 });
  return tree;
}

/** Every loose object of a repository, as `objects/XX/REST.ext` paths. */
export function objectSet(repo: string): Set<string> {
  const out = new Set<string>();
  const objects = join(repo, 'objects');
  if (!existsSync(objects)) return out;
  for (const prefix of readdirSync(objects)) for (const name of readdirSync(join(objects, prefix))) out.add(`objects/${prefix}/${name}`);
  return out;
}

