/**
 * os-release parsing as OSTree's `parse_os_release` does it: `KEY=VALUE` lines, `#` comments
 * skipped, values unquoted with GLib's `g_shell_unquote` rules (a value that fails to unquote
 * is dropped).
 */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const value = shellUnquote(line.slice(eq + 1));
    if (value === undefined) continue;
    out.set(line.slice(0, eq), value);
  }
  return out;
}

/** GLib's g_shell_unquote: single quotes literal, double quotes with `\\ \" \$ \`` escapes. */
export function shellUnquote(text: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\') {
      // Outside quotes a backslash escapes the next character; backslash-newline vanishes.
      i++;
      if (i < text.length) {
        if (text[i] !== '\n') out += text[i];
        i++;
      } else out += '\\';
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += text.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < text.length && '"\\`$\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] !== '\n') out += text[i + 1];
          i += 2;
          continue;
        }
        out += c;
        i++;
      }
      if (!closed) return undefined;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
