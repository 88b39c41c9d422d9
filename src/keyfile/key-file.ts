import { AtollError } from '../errors/index.js';

/**
 * GLib's GKeyFile (the format of an OSTree repo `config`, remotes and deployment `.origin`
 * files), modelled the way GLib stores it so that a parse/serialize round trip keeps every
 * comment and blank line: each group holds its entries in order, and comment or blank lines
 * belong to the group they follow (GLib does the same, so a comment above `[group]` sits at
 * the end of the previous group). Lines before the first group live in a nameless group.
 *
 * Serialization mirrors `g_key_file_to_data`: `[name]` then `key=value` lines, with a blank
 * line inserted between groups unless one is already there.
 */
type Entry = { key: string; value: string } | { key: undefined; value: string };

interface Group {
  name: string | undefined;
  entries: Entry[];
}

const LIST_SEPARATOR = ';';

export class KeyFile {
  private readonly groups: Group[] = [{ name: undefined, entries: [] }];

  /** Parse keyfile text; malformed lines are a coded error naming the line. */
  static parse(text: string): KeyFile {
    const file = new KeyFile();
    let current = file.groups[0] as Group;
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    lines.forEach((rawLine, index) => {
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      const trimmed = line.replace(/^[ \t\n\v\f\r]+/, '');
      if (trimmed === '' || trimmed.startsWith('#')) {
        current.entries.push({ key: undefined, value: line });
        return;
      }
      if (trimmed.startsWith('[')) {
        const close = trimmed.indexOf(']');
        const name = close < 0 ? '' : trimmed.slice(1, close);
        if (close < 0 || !isValidGroupName(name)) {
          throw new AtollError('KEYFILE_SYNTAX', `key file contains line ${index + 1} '${line}' which is not a valid group name`);
        }
        if (file.groups.some((g) => g.name === name)) {
          // GLib merges a repeated group into the first one.
          current = file.groups.find((g) => g.name === name) as Group;
          return;
        }
        current = { name, entries: [] };
        file.groups.push(current);
        return;
      }
      const eq = trimmed.indexOf('=');
      if (eq < 0) {
        throw new AtollError('KEYFILE_SYNTAX', `key file contains line ${index + 1} '${line}' which is not a key-value pair, group, or comment`);
      }
      const key = trimmed.slice(0, eq).replace(/[ \t\n\v\f\r]+$/, '');
      const value = trimmed.slice(eq + 1).replace(/^[ \t\n\v\f\r]+/, '');
      if (current.name === undefined) {
        throw new AtollError('KEYFILE_SYNTAX', `key file does not start with a group (line ${index + 1})`);
      }
      if (!isValidKeyName(key)) {
        throw new AtollError('KEYFILE_SYNTAX', `key file contains invalid key name '${key}' on line ${index + 1}`);
      }
      // A repeated key: GLib keeps the last value.
      const existing = current.entries.findIndex((e) => e.key === key);
      if (existing >= 0) current.entries.splice(existing, 1);
      current.entries.push({ key, value });
    });
    return file;
  }

  /** The text GLib's g_key_file_to_data would write. */
  serialize(): string {
    let out = '';
    for (const group of this.groups) {
      if (group.name === undefined && group.entries.length === 0) continue;
      if (out.length >= 2 && out[out.length - 2] !== '\n') out += '\n';
      if (group.name !== undefined) out += `[${group.name}]\n`;
      for (const entry of group.entries) {
        out += entry.key === undefined ? `${entry.value}\n` : `${entry.key}=${entry.value}\n`;
      }
    }
    return out;
  }

  toString(): string {
    return this.serialize();
  }

  groupNames(): string[] {
    return this.groups.filter((g) => g.name !== undefined).map((g) => g.name as string);
  }

  hasGroup(group: string): boolean {
    return this.findGroup(group) !== undefined;
  }

  keys(group: string): string[] {
    const g = this.findGroup(group);
    if (!g) throw new AtollError('KEYFILE_NO_GROUP', `key file does not have group '${group}'`);
    return g.entries.filter((e) => e.key !== undefined).map((e) => e.key as string);
  }

  hasKey(group: string, key: string): boolean {
    return this.rawValue(group, key) !== undefined;
  }

  /** The stored text of a key, escapes intact; undefined when absent. */
  rawValue(group: string, key: string): string | undefined {
    return this.findGroup(group)?.entries.find((e) => e.key === key)?.value;
  }

  /** A string value with escapes decoded. Throws KEYFILE_NO_KEY when absent. */
  getString(group: string, key: string): string {
    return unescapeValue(this.requireRaw(group, key), false)[0] as string;
  }

  /** Like getString, but `fallback` when the group or key is absent. */
  getStringOr(group: string, key: string, fallback: string): string;
  getStringOr(group: string, key: string, fallback: undefined): string | undefined;
  getStringOr(group: string, key: string, fallback: string | undefined): string | undefined {
    const raw = this.rawValue(group, key);
    return raw === undefined ? fallback : (unescapeValue(raw, false)[0] as string);
  }

  getBoolean(group: string, key: string): boolean {
    const raw = this.requireRaw(group, key).trim();
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new AtollError('KEYFILE_BAD_VALUE', `key file contains key '${key}' in group '${group}' which has a value that cannot be interpreted as a boolean`);
  }

  getBooleanOr(group: string, key: string, fallback: boolean): boolean {
    return this.hasKey(group, key) ? this.getBoolean(group, key) : fallback;
  }

  getInteger(group: string, key: string): number {
    const raw = this.requireRaw(group, key).trim();
    if (!/^[-+]?\d+$/.test(raw)) {
      throw new AtollError('KEYFILE_BAD_VALUE', `value '${raw}' of key '${key}' in group '${group}' cannot be interpreted as a number`);
    }
    return Number.parseInt(raw, 10);
  }

  getStringList(group: string, key: string): string[] {
    return unescapeValue(this.requireRaw(group, key), true);
  }

  setString(group: string, key: string, value: string): void {
    this.setRaw(group, key, escapeValue(value, false));
  }

  setBoolean(group: string, key: string, value: boolean): void {
    this.setRaw(group, key, value ? 'true' : 'false');
  }

  setInteger(group: string, key: string, value: number): void {
    this.setRaw(group, key, String(Math.trunc(value)));
  }

  setStringList(group: string, key: string, values: readonly string[]): void {
    this.setRaw(group, key, values.map((v) => `${escapeValue(v, true)}${LIST_SEPARATOR}`).join(''));
  }

  /** Store a value verbatim (the caller has escaped it). */
  setRaw(group: string, key: string, raw: string): void {
    if (!isValidGroupName(group)) throw new AtollError('KEYFILE_BAD_NAME', `invalid key file group name '${group}'`);
    if (!isValidKeyName(key)) throw new AtollError('KEYFILE_BAD_NAME', `invalid key file key name '${key}'`);
    if (raw.includes('\n')) throw new TypeError('raw key file value contains a newline');
    let g = this.findGroup(group);
    if (!g) {
      g = { name: group, entries: [] };
      this.groups.push(g);
    }
    const entry = g.entries.find((e) => e.key === key);
    if (entry) {
      entry.value = raw;
      return;
    }
    // GLib appends a new key at the end of its group, after any comment or blank line there.
    g.entries.push({ key, value: raw });
  }

  removeKey(group: string, key: string): boolean {
    const g = this.findGroup(group);
    if (!g) return false;
    const index = g.entries.findIndex((e) => e.key === key);
    if (index < 0) return false;
    g.entries.splice(index, 1);
    return true;
  }

  removeGroup(group: string): boolean {
    const index = this.groups.findIndex((g) => g.name === group);
    if (index < 0) return false;
    this.groups.splice(index, 1);
    return true;
  }

  private findGroup(group: string): Group | undefined {
    return this.groups.find((g) => g.name === group);
  }

  private requireRaw(group: string, key: string): string {
    const g = this.findGroup(group);
    if (!g) throw new AtollError('KEYFILE_NO_GROUP', `key file does not have group '${group}'`);
    const raw = g.entries.find((e) => e.key === key)?.value;
    if (raw === undefined) throw new AtollError('KEYFILE_NO_KEY', `key file does not have key '${key}' in group '${group}'`);
    return raw;
  }
}

/** GLib: no `[`, `]` or control characters; not empty. `remote "origin"` is fine. */
export function isValidGroupName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length > 0 && !/[[\]\x00-\x1f\x7f]/.test(name);
}

/** GLib: not empty, no `=`, no newline, no leading/trailing space, no `[`/`]` outside a locale suffix. */
export function isValidKeyName(key: string): boolean {
  if (key.length === 0 || /[=\n]/.test(key) || /^\s|\s$/.test(key)) return false;
  const open = key.indexOf('[');
  if (open < 0) return !key.includes(']');
  return key.endsWith(']') && open > 0 && key.indexOf('[', open + 1) < 0;
}

/** g_key_file_parse_string_as_value. */
export function escapeValue(value: string, escapeSeparator: boolean): string {
  let out = '';
  let leading = true;
  for (const ch of value) {
    if (ch === ' ') out += leading ? '\\s' : ' ';
    else if (ch === '\t') out += leading ? '\\t' : '\t';
    else {
      leading = false;
      if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\\') out += '\\\\';
      else if (escapeSeparator && ch === LIST_SEPARATOR) out += `\\${LIST_SEPARATOR}`;
      else out += ch;
    }
  }
  return out;
}

/**
 * g_key_file_parse_value_as_string; with `asList`, also splits at unescaped separators and
 * drops the empty piece after a trailing one (GLib's string-list reading).
 */
export function unescapeValue(raw: string, asList: boolean): string[] {
  const pieces: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === '\\') {
      const next = raw[i + 1];
      i++;
      switch (next) {
        case 's': current += ' '; break;
        case 'n': current += '\n'; break;
        case 't': current += '\t'; break;
        case 'r': current += '\r'; break;
        case '\\': current += '\\'; break;
        case undefined:
          throw new AtollError('KEYFILE_BAD_VALUE', 'key file contains escape character at end of line');
        default:
          if (asList && next === LIST_SEPARATOR) {
            current += LIST_SEPARATOR;
            break;
          }
          throw new AtollError('KEYFILE_BAD_VALUE', `key file contains invalid escape sequence '\\${next}'`);
      }
    } else if (asList && ch === LIST_SEPARATOR) {
      pieces.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (!asList || current !== '') pieces.push(current);
  return pieces;
}
