/**
 * Kernel command lines as OSTree's `OstreeKernelArgs` handles them: an ordered list of
 * `key[=value]` arguments where a key may repeat. Splitting honours double quotes
 * (`foo="a b"` is one argument), as ostree 2022.7 does.
 */
export class KernelArgs {
  private args: Array<{ key: string; value: string | undefined }> = [];

  static parse(text: string | undefined): KernelArgs {
    const kargs = new KernelArgs();
    if (text !== undefined) kargs.appendAll(splitKernelArgs(text));
    return kargs;
  }

  static fromArgs(args: readonly string[]): KernelArgs {
    const kargs = new KernelArgs();
    kargs.appendAll(args);
    return kargs;
  }

  /** Add at the end, even if the key exists (`ostree_kernel_args_append`). */
  append(arg: string): void {
    if (arg === '') return;
    const [key, value] = splitKeyValue(arg);
    this.args.push({ key, value });
  }

  appendAll(args: readonly string[]): void {
    for (const arg of args) this.append(arg);
  }

  /**
   * `ostree_kernel_args_replace`: the first argument with this key takes the new value in
   * place and later ones with the same key go; a new key is appended.
   */
  replace(arg: string): void {
    const [key, value] = splitKeyValue(arg);
    const first = this.args.findIndex((a) => a.key === key);
    if (first < 0) {
      this.args.push({ key, value });
      return;
    }
    this.args = this.args.filter((a, i) => a.key !== key || i === first);
    (this.args[first] as { key: string; value: string | undefined }).value = value;
  }

  replaceAll(args: readonly string[]): void {
    for (const arg of args) this.replace(arg);
  }

  /** Remove `key` (all values) or one exact `key=value`; returns whether anything went. */
  delete(arg: string): boolean {
    const [key, value] = splitKeyValue(arg);
    const before = this.args.length;
    if (value === undefined && !arg.includes('=')) this.args = this.args.filter((a) => a.key !== key);
    else {
      const index = this.args.findIndex((a) => a.key === key && a.value === value);
      if (index >= 0) this.args.splice(index, 1);
    }
    return this.args.length !== before;
  }

  has(key: string): boolean {
    return this.args.some((a) => a.key === key);
  }

  getLastValue(key: string): string | undefined {
    const found = this.args.filter((a) => a.key === key);
    return found.length === 0 ? undefined : found[found.length - 1]?.value;
  }

  toArgs(): string[] {
    return this.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`));
  }

  toString(): string {
    return this.toArgs().join(' ');
  }
}

/**
 * The arguments `ostree_kernel_args_append_proc_cmdline` takes from /proc/cmdline: split at
 * single spaces (no quote handling there), without the ones the boot loader adds
 * (`BOOT_IMAGE=`, `initrd=`).
 */
export function procCmdlineArgs(text: string): string[] {
  return text
    .trimEnd()
    .split(' ')
    .filter((arg) => arg !== '' && !arg.startsWith('BOOT_IMAGE=') && !arg.startsWith('initrd='));
}

function splitKeyValue(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** Split at spaces outside double quotes; quotes are kept in the argument. */
export function splitKernelArgs(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ' ' && !quoted) {
      if (current !== '') out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current !== '') out.push(current);
  return out;
}
