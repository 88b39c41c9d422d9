import { AtollError } from '../../errors/index.js';
import { BootConfig } from './boot-config.js';
import { KernelArgs } from './kernel-args.js';
import { parseOsRelease } from './os-release.js';

/** The boot files of one deployment, as installed under `/boot/ostree/OS-BOOTCSUM/`. */
export interface InstalledKernel {
  /** e.g. `vmlinuz-5.10.0` */
  kernelName: string;
  /** e.g. `initramfs-5.10.0.img`, or undefined when the tree has none */
  initramfsName: string | undefined;
  /** e.g. `devicetree-5.10.0` */
  devicetreeName: string | undefined;
  /** `dtb`: a directory of device trees (`fdtdir` key), when there is no single devicetree. */
  devicetreeDir?: string | undefined;
}

export interface EntryInput {
  /** The deployment's current boot config (kargs in `options`, extra keys kept). */
  base: BootConfig;
  osname: string;
  bootcsum: string;
  bootserial: number;
  /** The bootversion the entry is written for (the new one during a swap). */
  bootversion: number;
  /** Position in the new deployment list (0 = default) and the list's length. */
  index: number;
  deploymentCount: number;
  /** True when the list holds more than one stateroot: titles then carry the stateroot. */
  multipleStateroots: boolean;
  /** The tree's os-release text (`usr/lib/os-release`, else `etc/os-release`). */
  osRelease: string;
  /** The commit's `version` metadata, if any. */
  commitVersion: string | undefined;
  kernel: InstalledKernel;
}

/** `ostree-<K>-<stateroot>.conf`, K = count − index (2022.7 naming). */
export function entryFileName(osname: string, index: number, deploymentCount: number): string {
  return `ostree-${deploymentCount - index}-${osname}.conf`;
}

/** The title line's text, as `install_deployment_kernel` builds it. */
export function entryTitle(osRelease: string, commitVersion: string | undefined, osname: string, index: number, multipleStateroots: boolean): string {
  const fields = parseOsRelease(osRelease);
  const name = fields.get('PRETTY_NAME') ?? fields.get('ID');
  if (name === undefined) {
    throw new AtollError('SYSROOT_NO_OS_RELEASE_NAME', 'no PRETTY_NAME or ID in os-release of the deployment', {
      hint: 'the tree needs usr/lib/os-release (or etc/os-release) with PRETTY_NAME or ID',
    });
  }
  let title = name;
  if (commitVersion !== undefined && commitVersion !== '' && !name.includes(commitVersion)) title += ` ${commitVersion}`;
  title += multipleStateroots ? ` (ostree:${osname}:${index})` : ` (ostree:${index})`;
  return title;
}

/** The BLS entry OSTree 2022.7 writes for this deployment at this position. */
export function buildBlsEntry(input: EntryInput): BootConfig {
  const config = input.base.clone();
  const bootDir = `/ostree/${input.osname}-${input.bootcsum}`;
  config.set('version', String(input.deploymentCount - input.index));
  config.set('title', entryTitle(input.osRelease, input.commitVersion, input.osname, input.index, input.multipleStateroots));
  config.set('linux', `${bootDir}/${input.kernel.kernelName}`);
  if (input.kernel.initramfsName !== undefined) config.set('initrd', `${bootDir}/${input.kernel.initramfsName}`);
  else config.delete('initrd');
  if (input.kernel.devicetreeName !== undefined) config.set('devicetree', `${bootDir}/${input.kernel.devicetreeName}`);
  else if (input.kernel.devicetreeDir !== undefined) config.set('fdtdir', `${bootDir}/${input.kernel.devicetreeDir}`);
  const ostreeArg = `/ostree/boot.${input.bootversion}/${input.osname}/${input.bootcsum}/${input.bootserial}`;
  const kargs = KernelArgs.parse(config.get('options'));
  // OSTree replaces init= before ostree= (so a first entry reads `init=... ostree=...`).
  if (input.kernel.initramfsName === undefined) kargs.replace(`init=${ostreeArg}/usr/lib/ostree/ostree-prepare-root`);
  kargs.replace(`ostree=${ostreeArg}`);
  config.set('options', kargs.toString());
  return config;
}
