import { AtollError } from '../../errors/index.js';
import { runProgram } from '../../util/index.js';

/**
 * `ostree commit --timestamp` goes through gnulib's parse_datetime, the parser of GNU
 * `date -d`. The common shapes are parsed here (so no process is spawned for them): `@EPOCH`,
 * `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.frac]]` with an optional `Z`, `UTC`, `±HH[:]MM` or
 * ` +HHMM` zone (no zone = local time, as gnulib). Anything else is handed to GNU `date -d`,
 * which *is* gnulib's parser. Returns seconds since the epoch.
 */
export async function parseTimestamp(text: string): Promise<number> {
  const quick = parseCommonTimestamp(text);
  if (quick !== undefined) return quick;
  const result = await runProgram('date', ['-d', text, '+%s']).catch(() => undefined);
  if (result && result.status === 0) {
    const value = Number(result.stdout.toString('utf8').trim());
    if (Number.isSafeInteger(value)) return value;
  }
  throw new AtollError('OSTREE_COMMIT_BAD_TIMESTAMP', `could not parse '${text}'`, {
    hint: "use a form such as '2026-01-01 00:00:00 +0000' or '@1767225600'",
  });
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseCommonTimestamp(text: string): number | undefined {
  const trimmed = text.trim();
  const epoch = /^@(-?\d+)$/.exec(trimmed);
  if (epoch) return Number(epoch[1]);
  const m = DATE_TIME.exec(trimmed);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  if (fields[1] > 11 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 || fields[4] > 59 || fields[5] > 60) return undefined;
  if (zone === undefined) {
    return Math.floor(new Date(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]).getTime() / 1000);
  }
  const utc = Date.UTC(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]) / 1000;
  if (/^(Z|UTC|GMT)$/i.test(zone)) return utc;
  const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!zm) return undefined;
  const offset = (Number(zm[2]) * 60 + Number(zm[3] ?? '0')) * 60;
  return zm[1] === '+' ? utc - offset : utc + offset;
}
