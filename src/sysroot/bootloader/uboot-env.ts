import { AtollError } from '../../errors/index.js';
import type { BootConfig } from './boot-config.js';
import { KernelArgs } from './kernel-args.js';

/**
 * libostree's U-Boot backend (ostree-bootloader-uboot.c, 2022.7): `boot/loader.N/uEnv.txt`
 * made from the bootloader entries in deployment order: `kernel_image`, `ramdisk_image`,
 * `fdt_file` (devicetree), `fdtdir` (each `/boot` + the entry's path, even when /boot is a
 * partition of its own), `bootargs`, suffixed 2, 3... after the first; after the
 * first entry's `bootargs`, the `usr/lib/ostree-boot/uEnv.txt` of its deployment (found
 * through its `ostree=` argument; `readSystemUenv` gets that path relative to the sysroot).
 * Lines are joined as _ostree_sysroot_join_lines does (a repeated empty line is dropped).
 */
export function ubootEnv(entries: readonly BootConfig[], readSystemUenv: (relativePath: string) => string | undefined): string {
  const lines: string[] = [];
  entries.forEach((entry, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    const linux = entry.get('linux');
    if (linux === undefined) throw new AtollError('SYSROOT_BOOTLOADER_CONFIG', 'No "linux" key in bootloader config');
    // Paths as seen from the root filesystem: libostree prefixes /boot whatever the layout.
    lines.push(`kernel_image${suffix}=/boot${linux}`);
    const keys: Array<[string, string]> = [['initrd', 'ramdisk_image'], ['devicetree', 'fdt_file'], ['fdtdir', 'fdtdir']];
    for (const [key, name] of keys) {
      const value = entry.get(key);
      if (value !== undefined) lines.push(`${name}${suffix}=/boot${value}`);
    }
    const options = entry.get('options');
    if (options === undefined) return;
    lines.push(`bootargs${suffix}=${options}`);
    if (i !== 0) return;
    const ostree = KernelArgs.parse(options).getLastValue('ostree');
    if (ostree === undefined) throw new AtollError('SYSROOT_BOOTLOADER_CONFIG', 'No ostree= kernel argument found in boot loader configuration file');
    const uenv = readSystemUenv(`${ostree.slice(1)}/usr/lib/ostree-boot/uEnv.txt`);
    if (uenv !== undefined) lines.push(uenv);
  });
  let out = '';
  let previousEmpty = false;
  lines.forEach((line, i) => {
    if (line === '') {
      if (previousEmpty || i === 0) return;
      previousEmpty = true;
    }
    out += `${line}\n`;
  });
  return out;
}
