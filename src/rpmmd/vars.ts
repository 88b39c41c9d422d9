/**
 * dnf variable substitution (rpm-md.md §7.3), dnf 4.14 semantics: `$name` (longest run of
 * `[A-Za-z0-9_]`) or `${name}`; unknown variables stay verbatim. `${name:-word}` is NOT
 * expanded (Debian 12's dnf 4.14 leaves it as is; so do we).
 */
export type RepoVars = Readonly<Record<string, string>>;

export function substituteVars(text: string, vars: RepoVars): string {
  if (!text.includes('$')) return text;
  return text.replace(/\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = vars[name];
    return value === undefined ? whole : value;
  });
}

/** `$basearch` for a machine arch (§7.3). */
export function baseArch(arch: string): string {
  if (/^(i[3-6]86|athlon|geode)$/.test(arch)) return 'i386';
  if (/^(x86_64|amd64|ia32e)$/.test(arch)) return 'x86_64';
  if (/^(armv7hl|armv6hl|armv7hnl|armv8hl)$/.test(arch)) return 'armhfp';
  if (/^armv[5-8]/.test(arch)) return 'arm';
  return arch;
}

/** Machine arch of this process in rpm's spelling. */
export function hostArch(): string {
  switch (process.arch) {
    case 'x64':
      return 'x86_64';
    case 'arm64':
      return 'aarch64';
    case 'ia32':
      return 'i686';
    case 'ppc64':
      return 'ppc64le';
    default:
      return process.arch;
  }
}

/**
 * Variables for a target: environment (`DNF_VAR_name`, `DNF0`..`DNF9`) < vars files <
 * explicit values; `arch`/`basearch` always come from the target architecture.
 */
export function buildVars(options: {
  arch?: string;
  releasever?: string;
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
  explicit?: Record<string, string>;
}): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) continue;
    if (key.startsWith('DNF_VAR_') && key.length > 8) vars[key.slice(8)] = value;
    else if (/^DNF[0-9]$/.test(key)) vars[key] = value;
  }
  Object.assign(vars, options.files ?? {}, options.explicit ?? {});
  if (options.releasever !== undefined) vars.releasever = options.releasever;
  const arch = options.arch ?? hostArch();
  vars.arch = arch;
  vars.basearch = baseArch(arch);
  return vars;
}
