/**
 * Booting a sysroot in QEMU (`atoll demo --boot`, and the harness of the boot tests in test/boot):
 * a disk image of the sysroot directory (`mkfs.ext4 -d`, no loop mounts), the caller as the
 * bootloader (its OWN BLS reader over debugfs, so the product's entries are read back the way a
 * bootloader reads them, not through atoll's parser), qemu under TCG with the kernel/initrd/options
 * of the chosen entry, the serial console parsed for the one `ATOLL-BOOTED key=value ...` line the
 * boot-test init prints, and a kill timeout per boot. Facts: shared/docs/boot-test.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AtollError } from '../errors/index.js';

export const BOOT_TIMEOUT_MS = Number(process.env.ATOLL_BOOT_TIMEOUT_MS ?? 120_000);

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error !== undefined || r.status !== 0) {
    throw new AtollError('DEMO_BOOT_TOOL_FAILED', `${cmd} ${args.join(' ')} exited ${r.status ?? 'without status'}: ${(r.stderr ?? '').trim() || r.error?.message}`, {
      hint: 'the boot needs qemu-system-x86_64, e2fsprogs (mkfs.ext4, debugfs) and cpio (scripts/setup-peers.sh installs them)',
    });
  }
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

/** Run one debugfs request against IMG (read-only) and return its output. */
export function debugfs(img: string, request: string): string {
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
  /** Each chunk of console output as it arrives (the demo shows the boot live). */
  onConsole?: (chunk: Buffer) => void;
}

/** Boot one entry of IMG. Resolves on qemu exit (or after the kill timeout). */
export async function bootImage(img: string, opts: BootOptions): Promise<BootResult> {
  const entries = readEntries(img);
  const entry = entries[opts.entry ?? 0];
  if (!entry) throw new AtollError('DEMO_BOOT_NO_ENTRY', `boot ${opts.name}: no boot loader entry #${opts.entry ?? 0} in ${img} (it has ${entries.length})`);
  const dir = join(opts.workDir, opts.name);
  mkdirSync(dir, { recursive: true });
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd');
  debugfs(img, `dump /boot${entry.linux} ${kernel}`);
  debugfs(img, `dump /boot${entry.initrd} ${initrd}`);
  if (statSync(kernel).size === 0) throw new AtollError('DEMO_BOOT_NO_ENTRY', `boot ${opts.name}: kernel /boot${entry.linux} of entry ${entry.file} not found in the image`);
  opts.mangleInitrd?.(initrd);
  const append = [entry.options, ...(opts.kargs ?? []), 'console=ttyS0', 'panic=-1'].join(' ');
  // -accel tcg always: KVM hangs on the machines this was measured on (boot-test.md).
  const args = ['-accel', 'tcg', '-machine', 'q35', '-m', '512', '-nodefaults', '-no-user-config', '-display', 'none',
    '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-kernel', kernel, '-initrd', initrd, '-append', append,
    '-drive', `file=${img},format=raw,if=virtio`,
    ...(opts.extraDisks ?? []).flatMap((d) => ['-drive', `file=${d},format=raw,if=virtio,readonly=on`])];
  const logPath = join(dir, 'console.log');
  const logFile = createWriteStream(logPath);
  const started = Date.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (b: Buffer): void => { log += b.toString('latin1'); logFile.write(b); opts.onConsole?.(b); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? BOOT_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (cause) => reject(new AtollError('DEMO_BOOT_TOOL_FAILED', `cannot start qemu-system-x86_64: ${cause.message}`, {
      hint: 'install qemu-system-x86 (scripts/setup-peers.sh installs it)', cause,
    })));
    child.on('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
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

/** One sentence on why a boot did not report, for assertion and error messages. */
export function explainBoot(r: BootResult): string {
  if (r.booted) return `booted ${r.fields.version}`;
  const tail = r.log.split('\n').slice(-8).join('\n  ');
  if (r.timedOut) return `boot killed after its timeout without an ATOLL-BOOTED line (log ${r.logPath}); last lines:\n  ${tail}`;
  if (r.initrdFail) return `initramfs failed: ${r.initrdFail} (log ${r.logPath})`;
  return `qemu exited ${r.exitCode} without an ATOLL-BOOTED line (log ${r.logPath}); last lines:\n  ${tail}`;
}
