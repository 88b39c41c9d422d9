/**
 * glibc's strverscmp, which OSTree uses to order BLS entries by their `version` field
 * (ostree-format.md §6.3). A port of the glibc state machine, so odd inputs ("01", "1a")
 * order exactly as OSTree orders them.
 */
const S_N = 0x0;
const S_I = 0x3;
const S_F = 0x6;
const S_Z = 0x9;
const CMP = 2;
const LEN = 3;

const NEXT_STATE = [
  /* S_N */ S_N, S_I, S_Z,
  /* S_I */ S_N, S_I, S_I,
  /* S_F */ S_N, S_F, S_F,
  /* S_Z */ S_N, S_F, S_Z,
];

const RESULT_TYPE = [
  /* S_N */ CMP, CMP, CMP, CMP, LEN, CMP, CMP, CMP, CMP,
  /* S_I */ CMP, -1, -1, +1, LEN, LEN, +1, LEN, LEN,
  /* S_F */ CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP,
  /* S_Z */ CMP, +1, +1, -1, CMP, CMP, -1, CMP, CMP,
];

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function cls(c: number): number {
  return (c === 0x30 ? 1 : 0) + (isDigit(c) ? 1 : 0);
}

/** Negative, zero or positive as glibc's strverscmp(a, b); compares UTF-8 bytes. */
export function strverscmp(a: string, b: string): number {
  const p1 = Buffer.from(a, 'utf8');
  const p2 = Buffer.from(b, 'utf8');
  const at = (buf: Buffer, i: number): number => (i < buf.length ? (buf[i] as number) : 0);
  let i = 0;
  let c1 = at(p1, 0);
  let c2 = at(p2, 0);
  let state = S_N + cls(c1);
  let diff: number;
  while ((diff = c1 - c2) === 0) {
    if (c1 === 0) return 0;
    state = NEXT_STATE[state] as number;
    i++;
    c1 = at(p1, i);
    c2 = at(p2, i);
    state += cls(c1);
  }
  const result = RESULT_TYPE[state * 3 + cls(c2)] as number;
  if (result === CMP) return diff;
  if (result === LEN) {
    let j = i;
    for (;;) {
      const d1 = at(p1, j);
      const d2 = at(p2, j);
      j++;
      if (!isDigit(d1)) return isDigit(d2) ? -1 : diff;
      if (!isDigit(d2)) return 1;
    }
  }
  return result;
}
