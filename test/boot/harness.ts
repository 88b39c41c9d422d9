// The boot-test harness: disk image from a sysroot directory (mkfs.ext4 -d, no loop mounts),
// the harness as bootloader (its OWN BLS reader over debugfs, so the product is not confirmed by
// itself), qemu under TCG with the kernel/initrd/options of the chosen entry, the serial
// console parsed for the ATOLL-BOOTED line, a kill timeout per boot, and the syncback of what
// the guest wrote on its disk.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const BOOT_TIMEOUT_MS = Number(process.env.ATOLL_BOOT_TIMEOUT_MS ?? 120_000);

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function countEntries(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    n++;
    if (e.isDirectory()) n += countEntries(join(dir, e.name));
  }
  return n;
}

/** ext4 image of DIR (hard links and ownership kept). 4 KiB blocks and enough inodes. */
export function makeImage(dir: string, img: string, sizeMiB = 256): void {
  rmSync(img, { force: true });
  run('truncate', ['-s', `${sizeMiB}M`, img]);
  const inodes = countEntries(dir) * 3 + 8192;
  run('mkfs.ext4', ['-q', '-F', '-b', '4096', '-N', String(inodes), '-E', 'root_owner=0:0', '-d', dir, img]);
}

function debugfs(img: string, request: string): string {
  return run('debugfs', ['-R', request, img]);
}

export interface BlsEntry { file: string; title: string; version: string; options: string; linux: string; initrd: string }

/** The BLS entries of the image, sorted as GRUB's blscfg/systemd-boot do: highest version first. */
export function readEntries(img: string): BlsEntry[] {
  const names = debugfs(img, 'ls -p /boot/loader/entries').split('\n')
    .map((line) => line.split('/')[5] ?? '').filter((n) => n.endsWith('.conf'));
  const entries = names.map((file) => {
    const text = debugfs(img, `cat /boot/loader/entries/${file}`);
    const field = (k: string): string => (text.match(new RegExp(`^${k}\\s+(.*)$`, 'm')) ?? [])[1]?.trim() ?? '';
    return { file, title: field('title'), version: field('version'), options: field('options'), linux: field('linux'), initrd: field('initrd') };
  });
  return entries.sort((a, b) => b.version.localeCompare(a.version, 'en', { numeric: true }));
}

export interface BootResult {
  entry: BlsEntry;
  fields: Record<string, string>;
  booted: boolean;
  initrdFail?: string;
  cmds: string[];
  timedOut: boolean;
  exitCode: number | null;
  log: string;
  logPath: string;
  seconds: number;
}

export interface BootOptions {
  entry?: number; // index in the sorted menu; 0 = default
  kargs?: string[]; // appended to the entry's options
  extraDisks?: string[]; // read-only virtio disks after the system disk
  timeoutMs?: number;
  workDir: string;
  name: string;
  /** Replace the initrd dumped from the image (the negative test corrupts it this way). */
  mangleInitrd?: (path: string) => void;
}

/** Boot one entry of IMG. Resolves on qemu exit (or after the kill timeout). */
export async function bootImage(img: string, opts: BootOptions): Promise<BootResult> {
  const entries = readEntries(img);
  const entry = entries[opts.entry ?? 0];
  if (!entry) throw new Error(`boot ${opts.name}: no BLS entry #${opts.entry ?? 0} (have ${entries.length})`);
  const dir = join(opts.workDir, opts.name);
  mkdirSync(dir, { recursive: true });
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd');
  debugfs(img, `dump /boot${entry.linux} ${kernel}`);
  debugfs(img, `dump /boot${entry.initrd} ${initrd}`);
  if (statSync(kernel).size === 0) throw new Error(`boot ${opts.name}: kernel /boot${entry.linux} not found in the image`);
  opts.mangleInitrd?.(initrd);
  const append = [entry.options, ...(opts.kargs ?? []), 'console=ttyS0', 'panic=-1'].join(' ');
  const args = ['-accel', 'tcg', '-machine', 'q35', '-m', '512', '-nodefaults', '-no-user-config', '-display', 'none',
    '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-kernel', kernel, '-initrd', initrd, '-append', append,
    '-drive', `file=${img},format=raw,if=virtio`,
    ...(opts.extraDisks ?? []).flatMap((d) => ['-drive', `file=${d},format=raw,if=virtio,readonly=on`])];
  const logPath = join(dir, 'console.log');
  const logFile = createWriteStream(logPath);
  const started = Date.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (b: Buffer) => { log += b.toString('latin1'); logFile.write(b); });
  child.stderr.on('data', (b: Buffer) => { log += b.toString('latin1'); logFile.write(b); });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? BOOT_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  await new Promise<void>((resolve) => logFile.end(resolve));
  const clean = log.replace(/\r/g, '');
  const line = clean.split('\n').find((l) => l.startsWith('ATOLL-BOOTED '));
  const fields: Record<string, string> = {};
  for (const kv of (line ?? '').split(' ').slice(1)) {
    const eq = kv.indexOf('=');
    if (eq > 0) fields[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const fail = clean.split('\n').find((l) => l.startsWith('ATOLL-INITRD-FAIL:'));
  return {
    entry, fields, booted: line !== undefined, initrdFail: fail, timedOut, exitCode, log: clean, logPath,
    cmds: clean.split('\n').filter((l) => l.startsWith('ATOLL-CMD ')),
    seconds: (Date.now() - started) / 1000,
  };
}

/** One sentence on why a boot did not report, for assertion messages. */
export function explain(r: BootResult): string {
  if (r.booted) return `booted ${r.fields.version}`;
  const tail = r.log.split('\n').slice(-8).join('\n  ');
  if (r.timedOut) return `boot killed after its timeout without an ATOLL-BOOTED line (log ${r.logPath}); last lines:\n  ${tail}`;
  if (r.initrdFail) return `initramfs failed: ${r.initrdFail} (log ${r.logPath})`;
  return `qemu exited ${r.exitCode} without an ATOLL-BOOTED line (log ${r.logPath}); last lines:\n  ${tail}`;
}

/**
 * Carry the guest's writes back into the sysroot directory: the stateroot /var and each
 * deployment's /etc are dumped from the image (read-only) and copied over the directory's.
 */
export function syncBack(img: string, sysroot: string, os: string, workDir: string): void {
  const tmp = join(workDir, `syncback-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  const deployRoot = `ostree/deploy/${os}`;
  const targets = [`${deployRoot}/var`];
  for (const d of readdirSync(join(sysroot, deployRoot, 'deploy'))) {
    if (!d.endsWith('.origin')) targets.push(`${deployRoot}/deploy/${d}/etc`);
  }
  for (const rel of targets) {
    const out = join(tmp, rel.replace(/\//g, '_'));
    mkdirSync(out, { recursive: true });
    debugfs(img, `rdump /${rel} ${out}`);
    const base = rel.split('/').pop() as string;
    // chattr +i on a deployment root would forbid replacing etc/ itself: copy the contents in place.
    run('cp', ['-a', '--remove-destination', join(out, base) + '/.', join(sysroot, rel) + '/']);
  }
  rmSync(tmp, { recursive: true, force: true });
}
