// GOption-style argv parsing, as OSTree's CLI does it: options may follow positionals,
// `--opt=value` and `--opt value`, `-bvalue` and `-b value`, clustered short flags (`-UH`),
// `--` ends options, a repeated single-valued option is last-wins (`--repo`).

export interface OptionSpec {
  long: string;
  short?: string;
  /** Takes a value (shown as `--long=ARG` in help). */
  arg?: string;
  /** A flag that also takes `--name=VALUE` (GLib's G_OPTION_FLAG_OPTIONAL_ARG). */
  optionalArg?: boolean;
  /** Repeatable (all values kept, in order). */
  repeat?: boolean;
  help: string;
  /** Accepted for compatibility but without effect in atoll (e.g. `-z`, `--fsync`). */
  ignored?: boolean;
}

export interface ParsedArgs {
  options: Map<string, string[]>;
  positionals: string[];
  help: boolean;
}

export class GOptionError extends Error {}

export function parseGOptions(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  const put = (spec: OptionSpec, value: string): void => {
    const list = options.get(spec.long) ?? [];
    if (spec.repeat) list.push(value);
    else list.splice(0, list.length, value);
    options.set(spec.long, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h' || a === '-?') {
      help = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw new GOptionError(`Unknown option ${eq < 0 ? a : a.slice(0, eq)}`);
      if (spec.arg) {
        let value: string;
        if (eq >= 0) value = a.slice(eq + 1);
        else {
          if (i + 1 >= argv.length) throw new GOptionError(`Missing argument for --${name}`);
          value = argv[++i]!;
        }
        put(spec, value);
      } else {
        // G_OPTION_FLAG_OPTIONAL_ARG: `--name` alone or `--name=VALUE` (never a separate word).
        if (eq >= 0 && !spec.optionalArg) throw new GOptionError(`Unexpected argument to --${name}`);
        put(spec, eq >= 0 ? a.slice(eq + 1) : '');
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const spec = byShort.get(a[j]!);
        if (!spec) throw new GOptionError(`Unknown option -${a[j]}`);
        if (spec.arg) {
          let value = a.slice(j + 1);
          if (value === '') {
            if (i + 1 >= argv.length) throw new GOptionError(`Missing argument for -${a[j]}`);
            value = argv[++i]!;
          }
          put(spec, value);
          break;
        }
        put(spec, '');
      }
      continue;
    }
    positionals.push(a);
  }
  return { options, positionals, help };
}
