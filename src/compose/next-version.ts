/**
 * rpm-ostree's automatic versioning (rust/src/utils.rs `next_version`): `<date:FORMAT>` in the
 * prefix is replaced by the date (UTC, strftime %Y %m %d %H %M %S %j %y), then: no previous
 * version, or one not starting with the prefix → the prefix; the prefix itself → prefix.1;
 * prefix.N → prefix.(N+1).
 */
export function nextVersion(prefix: string, previous: string | null, now: Date): string {
  const final = expandDate(prefix, now);
  if (previous === null || !previous.startsWith(final)) return final;
  const rest = previous.slice(final.length);
  if (rest === '') return `${final}.1`;
  const m = /^\.(\d+)$/.exec(rest);
  if (!m) return final;
  return `${final}.${Number(m[1]) + 1}`;
}

function expandDate(prefix: string, now: Date): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const start = Date.UTC(now.getUTCFullYear(), 0, 1);
  const yday = Math.floor((now.getTime() - start) / 86_400_000) + 1;
  const codes: Record<string, string> = {
    Y: String(now.getUTCFullYear()),
    y: pad(now.getUTCFullYear() % 100),
    m: pad(now.getUTCMonth() + 1),
    d: pad(now.getUTCDate()),
    H: pad(now.getUTCHours()),
    M: pad(now.getUTCMinutes()),
    S: pad(now.getUTCSeconds()),
    j: pad(yday, 3),
    '%': '%',
  };
  return prefix.replace(/<date:([^>]*)>/g, (_, fmt: string) => fmt.replace(/%(.)/g, (whole, c: string) => codes[c] ?? whole));
}
