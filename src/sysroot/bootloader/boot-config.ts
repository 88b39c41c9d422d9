/**
 * A BLS entry as OSTree's `OstreeBootconfigParser` reads and writes it (ostree-format.md
 * §6.3). Pure: text in, text out.
 *
 * Reading: only lines starting with an ASCII letter count; each is split once at the first
 * space or tab; a repeated key replaces the earlier value, except that a second `initrd`
 * becomes an overlay initrd. Writing: `title, version, options, devicetree, linux, initrd`
 * (then overlay initrds) in that order, then the other keys in the order they were first set,
 * each as `key value\n`.
 */
const ORDERED_KEYS = ['title', 'version', 'options', 'devicetree', 'linux', 'initrd'] as const;

export class BootConfig {
  private readonly values = new Map<string, string>();
  overlayInitrds: string[] = [];

  static parse(text: string): BootConfig {
    const config = new BootConfig();
    for (const line of text.split('\n')) {
      if (!/^[A-Za-z]/.test(line)) continue;
      const sep = line.search(/[ \t]/);
      if (sep < 0) continue; // g_strsplit_set gives one item: ignored
      const key = line.slice(0, sep);
      const value = line.slice(sep + 1);
      if (key === 'initrd' && config.values.has('initrd')) config.overlayInitrds.push(value);
      else config.values.set(key, value);
    }
    return config;
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  set(key: string, value: string): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  clone(): BootConfig {
    const copy = new BootConfig();
    for (const [k, v] of this.values) copy.values.set(k, v);
    copy.overlayInitrds = [...this.overlayInitrds];
    return copy;
  }

  serialize(): string {
    let out = '';
    for (const key of ORDERED_KEYS) {
      const value = this.values.get(key);
      if (value === undefined) continue;
      out += `${key} ${value}\n`;
      if (key === 'initrd') for (const overlay of this.overlayInitrds) out += `initrd ${overlay}\n`;
    }
    for (const [key, value] of this.values) {
      if ((ORDERED_KEYS as readonly string[]).includes(key)) continue;
      out += `${key} ${value}\n`;
    }
    return out;
  }
}
