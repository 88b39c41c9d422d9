/**
 * Generates a realistic synthetic OS tree, seeded so runs repeat: tens of thousands of files
 * (many small, a few large), deep directories, symlinks (relative and absolute, some dangling),
 * hardlinks, and modes such as setuid, setgid, 0700 and 0600. Content is partly compressible
 * (text-like) and partly random (binaries), so compression benchmarks see a realistic mix.
 *
 * Usage: node dist/bench/gen-tree.js DIR [--files N] [--size BYTES] [--seed N]
 */
import { mkdir, writeFile, symlink, link, chmod, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from './random.js';

export interface TreeSpec {
  files: number;
  /** Approximate total bytes of regular file content. */
  totalBytes: number;
  seed: number;
}

export interface TreeStats {
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  bytes: number;
}

const TOP = ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'usr/share', 'usr/libexec', 'usr/include', 'usr/lib/modules/6.1.0/kernel'];
/**
 * Share of the directories (and so of the small files) under /etc. Real OS trees keep little
 * there: Fedora CoreOS has ~10 MB of /usr/etc beside ~1.5 GB of /usr (<1%). /etc matters to the
 * sysroot benchmarks because each deployment gets its own copy of it (as OSTree makes it), so a
 * share as large as /usr/share's would misstate the disk a second deployment adds.
 */
const ETC_SHARE = 0.02;
const WORDS = ['alpha', 'beta', 'core', 'data', 'extra', 'file', 'gnu', 'lib', 'net', 'python3', 'share', 'sys', 'tools', 'util', 'x11', 'zone'];

export async function generateTree(root: string, spec: TreeSpec): Promise<TreeStats> {
  const random = new SeededRandom(spec.seed);
  const stats: TreeStats = { files: 0, directories: 0, symlinks: 0, hardlinks: 0, bytes: 0 };
  const dirs: string[] = [];
  const made = new Set<string>();
  async function ensureDir(dir: string): Promise<void> {
    if (made.has(dir)) return;
    await mkdir(join(root, dir), { recursive: true });
    made.add(dir);
    stats.directories++;
  }
  // Directory skeleton: up to 8 levels deep under the usual top-level folders.
  const dirCount = Math.max(20, Math.round(spec.files / 12));
  await ensureDir('etc');
  for (let i = 0; i < dirCount; i++) {
    let dir = random.next() < ETC_SHARE ? 'etc' : random.pick(TOP);
    const depth = random.int(0, 6);
    for (let d = 0; d < depth; d++) dir += `/${random.pick(WORDS)}${random.int(0, 40)}`;
    dirs.push(dir);
    await ensureDir(dir);
  }
  // A few large files carry about 40% of the bytes; the rest are small.
  const largeCount = Math.max(1, Math.round(spec.files / 5000));
  const largeBytes = Math.round((spec.totalBytes * 0.4) / largeCount);
  const smallMedian = Math.max(64, Math.round((spec.totalBytes * 0.6) / spec.files / 2.3));
  const regular: string[] = [];
  const text = Buffer.from(Array.from({ length: 4096 }, (_, i) => `${WORDS[i % WORDS.length]} line ${i}\n`).join(''));
  for (let i = 0; i < spec.files; i++) {
    // The few large files (i < largeCount) are libraries, data, firmware: never config.
    let dir = random.pick(dirs);
    while (i < largeCount && dir.startsWith('etc')) dir = random.pick(dirs);
    const path = `${dir}/${random.pick(WORDS)}-${i}${random.pick(['', '.so', '.py', '.conf', '.txt', '.h', ''])}`;
    const roll = random.next();
    if (roll < 0.05 && regular.length > 0) {
      const target = random.pick(regular);
      const relative = random.next() < 0.7;
      await symlink(relative ? `../${target.split('/').pop()}` : `/${target}`, join(root, path));
      stats.symlinks++;
      continue;
    }
    if (roll < 0.07 && regular.length > 0) {
      await link(join(root, random.pick(regular)), join(root, path));
      stats.hardlinks++;
      continue;
    }
    const size = i < largeCount ? largeBytes : Math.min(random.fileSize(smallMedian), 8 * 1024 * 1024);
    const content = random.next() < 0.6 ? repeatTo(text, size, random.int(0, 4095)) : random.bytes(size);
    await writeFile(join(root, path), content);
    const modeRoll = random.next();
    const mode = modeRoll < 0.002 ? 0o4755 : modeRoll < 0.004 ? 0o2755 : modeRoll < 0.01 ? 0o700 : modeRoll < 0.02 ? 0o600 : modeRoll < 0.4 ? 0o755 : 0o644;
    await chmod(join(root, path), mode);
    regular.push(path);
    stats.files++;
    stats.bytes += size;
  }
  // Some empty directories, a 0700 one and a dangling symlink, as real trees have.
  await ensureDir('var/empty');
  await ensureDir('root');
  await chmod(join(root, 'root'), 0o700);
  await symlink('/nonexistent/target', join(root, 'usr/lib/dangling-link'));
  stats.symlinks++;
  return stats;
}

function repeatTo(source: Buffer, size: number, offset: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; ) {
    const n = source.copy(out, i, (offset + i) % source.length);
    i += n;
  }
  return out;
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(text);
  if (!match) throw new Error(`bad size ${text}`);
  const scale = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[(match[2] as string).toLowerCase()] as number;
  return Math.round(Number(match[1]) * scale);
}

/**
 * generateTree plus what a deployable OS needs: a kernel and initramfs in
 * usr/lib/modules/6.1.0, an os-release, and /etc moved to usr/etc. ostree 2022.7's etc →
 * usr/etc compatibility rename fails right after renaming ("Preparing /etc: No such file or
 * directory: /usr/etc"), so the sysroot benchmarks commit the modern layout.
 */
export async function generateBootableTree(root: string, spec: TreeSpec): Promise<TreeStats> {
  const stats = await generateTree(root, spec);
  await mkdir(join(root, 'usr/lib/modules/6.1.0'), { recursive: true });
  await writeFile(join(root, 'usr/lib/modules/6.1.0/vmlinuz'), Buffer.alloc(8 * 1024 * 1024, 1));
  await writeFile(join(root, 'usr/lib/modules/6.1.0/initramfs.img'), Buffer.alloc(16 * 1024 * 1024, 2));
  await writeFile(join(root, 'usr/lib/os-release'), 'ID=bench\nPRETTY_NAME="Bench OS"\n');
  await rename(join(root, 'etc'), join(root, 'usr/etc'));
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  const option = (name: string, fallback: string): string => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? (args[index + 1] as string) : fallback;
  };
  if (!dir) {
    console.error('usage: gen-tree DIR [--files N] [--size BYTES] [--seed N]');
    process.exit(2);
  }
  const stats = await generateTree(dir, {
    files: Number(option('files', '50000')),
    totalBytes: parseSize(option('size', '1.5G')),
    seed: Number(option('seed', '1')),
  });
  console.log(JSON.stringify(stats));
}
