import { join } from 'node:path';

/**
 * Every path convention of an OSTree sysroot (ostree-format.md §6.1) in one place, so no other
 * file builds a sysroot path by hand. Paths are absolute (joined onto `root`); the `rel*`
 * helpers give the strings OSTree writes into symlinks and BLS entries.
 */
export class SysrootLayout {
  constructor(readonly root: string) {}

  get bootDir(): string {
    return join(this.root, 'boot');
  }
  get ostreeDir(): string {
    return join(this.root, 'ostree');
  }
  get repoDir(): string {
    return join(this.root, 'ostree', 'repo');
  }
  get deployRoot(): string {
    return join(this.root, 'ostree', 'deploy');
  }
  /** `boot/loader`, the symlink whose rename is the single commit point of a deploy. */
  get loaderLink(): string {
    return join(this.bootDir, 'loader');
  }
  get loaderTmpLink(): string {
    return join(this.bootDir, 'loader.tmp');
  }
  loaderDir(bootversion: number): string {
    return join(this.bootDir, `loader.${bootversion}`);
  }
  entriesDir(bootversion: number): string {
    return join(this.loaderDir(bootversion), 'entries');
  }
  /** `ostree/boot.N`, pointing at `boot.N.M`. */
  bootLink(bootversion: number): string {
    return join(this.ostreeDir, `boot.${bootversion}`);
  }
  bootLinkDir(bootversion: number, subbootversion: number): string {
    return join(this.ostreeDir, `boot.${bootversion}.${subbootversion}`);
  }
  /** `ostree/boot.N.M/OS/BOOTCSUM/SERIAL`. */
  bootSerialLink(bootversion: number, subbootversion: number, osname: string, bootcsum: string, bootserial: number): string {
    return join(this.bootLinkDir(bootversion, subbootversion), osname, bootcsum, String(bootserial));
  }
  /** What the bootserial symlink points at, relative to its own directory. */
  relBootSerialTarget(osname: string, deployDirName: string): string {
    return `../../../deploy/${osname}/deploy/${deployDirName}`;
  }
  /** The `ostree=` kernel argument (ostree-format.md §6.3). */
  ostreeKarg(bootversion: number, osname: string, bootcsum: string, bootserial: number): string {
    return `/ostree/boot.${bootversion}/${osname}/${bootcsum}/${bootserial}`;
  }
  stateroot(osname: string): string {
    return join(this.deployRoot, osname);
  }
  staterootVar(osname: string): string {
    return join(this.deployRoot, osname, 'var');
  }
  stateDeployDir(osname: string): string {
    return join(this.deployRoot, osname, 'deploy');
  }
  deploymentDir(osname: string, csum: string, deployserial: number): string {
    return join(this.stateDeployDir(osname), deploymentDirName(csum, deployserial));
  }
  originFile(osname: string, csum: string, deployserial: number): string {
    return `${this.deploymentDir(osname, csum, deployserial)}.origin`;
  }
  /** `boot/ostree`, holding one `OS-BOOTCSUM/` directory per kernel. */
  get bootOstreeDir(): string {
    return join(this.bootDir, 'ostree');
  }
  bootfsDir(osname: string, bootcsum: string): string {
    return join(this.bootOstreeDir, bootfsDirName(osname, bootcsum));
  }
  /** `/ostree/OS-BOOTCSUM`, the prefix of `linux`/`initrd` lines (relative to the /boot partition). */
  relBootfsDir(osname: string, bootcsum: string): string {
    return `/ostree/${bootfsDirName(osname, bootcsum)}`;
  }
  /** The sysroot lock (one writer); OSTree uses `ostree/lock` too. */
  get lockFile(): string {
    return join(this.ostreeDir, 'lock');
  }
}

export function deploymentDirName(csum: string, deployserial: number): string {
  return `${csum}.${deployserial}`;
}

export function bootfsDirName(osname: string, bootcsum: string): string {
  return `${osname}-${bootcsum}`;
}

const DEPLOY_NAME = /^([0-9a-f]{64})\.([0-9]+)$/;

/** Parse `CSUM.SERIAL`; undefined for anything else. */
export function parseDeploymentDirName(name: string): { csum: string; deployserial: number } | undefined {
  const m = DEPLOY_NAME.exec(name);
  if (!m) return undefined;
  return { csum: m[1] as string, deployserial: Number(m[2]) };
}

/** Parse `OS-BOOTCSUM` (the last `-` separates: stateroot names may contain dashes). */
export function parseBootfsDirName(name: string): { osname: string; bootcsum: string } | undefined {
  const m = /^(.+)-([0-9a-f]{64})$/.exec(name);
  if (!m) return undefined;
  return { osname: m[1] as string, bootcsum: m[2] as string };
}

const OSTREE_KARG = /^\/ostree\/boot\.([01])\/([^/]+)\/([^/]+)\/([0-9]+)$/;

/** Parse an `ostree=` value with OSTree's own regex (§6.3). */
export function parseOstreeKarg(value: string): { bootversion: number; osname: string; bootcsum: string; bootserial: number } | undefined {
  const m = OSTREE_KARG.exec(value);
  // The stateroot and bootcsum become path components: refuse `..` and the like.
  if (!m || !isValidOsname(m[2] as string) || !/^[0-9a-f]{64}$/.test(m[3] as string)) return undefined;
  return { bootversion: Number(m[1]), osname: m[2] as string, bootcsum: m[3] as string, bootserial: Number(m[4]) };
}

/** Stateroot names become path components and BLS file names: keep them plain. */
export function isValidOsname(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(name) && name !== '.' && name !== '..';
}
