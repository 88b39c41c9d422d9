/**
 * The first pass of the choice rules (libsolv's solver_addchoicerules) as a WebAssembly kernel:
 * of the package rules, the requires rules (a negative first literal, two or more literals, a
 * positive second) of a requirer that is not an orphan, with a provider that is not installed
 * and that may replace nothing installed, and a provider that is installed or may replace an
 * installed package (without one the rule gives no choice rule). RpmSolver's JS loop scans every package rule for this
 * in baseline code (~25,000 rules on the bench's distupgrade, ~4 ms); here it gets the few
 * candidates and does each exactly as before. The kernel is conservative: a provider whose
 * installed same-name packages it cannot judge (more than one) or that has obsoletes counts as
 * possibly free, the JS decides.
 */

import { assembleModule, instantiate, wasm, wasmCode } from '../util/index.js';

const { block, loop, when, br, brIf, c, get, set, add, sub, ge, gt, lt, eq, ne, and, or, not, ld, ld8, st, assemble } = wasmCode;
type Node = wasmCode.Node;

// scan(r, heads, lens, starts, lits, inst, orphan, nameOf, instCount, instFirst, archOf, color, obs, colors, out) -> count
const R = 0, HEADS = 1, LENS = 2, STARTS = 3, LITS = 4, INST = 5, ORPHAN = 6, NAMEOF = 7, ICOUNT = 8, IFIRST = 9;
const ARCHOF = 10, COLOR = 11, OBS = 12, COLORS = 13, OUT = 14;
let next = 15;
const RID = next++, LEN = next++, ST = next++, K = next++, P = next++, NK = next++, CNT = next++, IP = next++, FREE = next++, M = next++;
const CA = next++, CB = next++, MATCH = next++, HASQ = next++;
const LOCALS = next - 15;

const SCAN: Node[] = [
  ...set(M, c(0)),
  ...set(RID, c(1)),
  block('rules-end',
    [loop('rules',
      brIf(ge(get(RID), get(R)), 'rules-end'),
      [block('next-rule',
        set(LEN, ld(get(LENS), get(RID))),
        brIf(or(ge(ld(get(HEADS), get(RID)), c(0)), lt(get(LEN), c(2))), 'next-rule'),
        set(ST, ld(get(STARTS), get(RID))),
        brIf(and(eq(get(LEN), c(2)), not(gt(ld(get(LITS), add(get(ST), c(1))), c(0)))), 'next-rule'),
        brIf(ld8(get(ORPHAN), sub(c(0), ld(get(LITS), get(ST)))), 'next-rule'),
        set(FREE, c(0)),
        set(HASQ, c(0)),
        set(K, c(1)),
        [block('lits-end',
          [loop('lits',
            brIf(or(ge(get(K), get(LEN)), and(get(FREE), get(HASQ))), 'lits-end'),
            [block('next-lit',
              set(P, ld(get(LITS), add(get(ST), get(K)))),
              brIf(not(gt(get(P), c(0))), 'next-lit'),
              // an installed provider: maybe the choice's alternative (HASQ)
              when(ld8(get(INST), get(P)), [set(HASQ, c(1)), br('next-lit')]),
              // obsoletes: the JS decides
              when(ld8(get(OBS), get(P)), [set(FREE, c(1)), set(HASQ, c(1)), br('next-lit')]),
              set(NK, ld(get(NAMEOF), get(P))),
              set(CNT, ld(get(ICOUNT), get(NK))),
              // no installed package of the name: replaces nothing
              when(eq(get(CNT), c(0)), [set(FREE, c(1)), br('next-lit')]),
              // several: the JS decides
              when(gt(get(CNT), c(1)), [set(FREE, c(1)), set(HASQ, c(1)), br('next-lit')]),
              set(IP, ld(get(IFIRST), get(NK))),
              set(MATCH, c(1)),
              when(and(get(COLORS), ne(ld(get(ARCHOF), get(P)), ld(get(ARCHOF), get(IP)))), [
                set(CA, ld(get(COLOR), ld(get(ARCHOF), get(P)))),
                set(CB, ld(get(COLOR), ld(get(ARCHOF), get(IP)))),
                set(MATCH, or(or(not(get(CA)), not(get(CB))), ne(and(get(CA), get(CB)), c(0)))),
              ]),
              // the installed package of its name is not a color match: replaces nothing; else it
              // replaces that one (HASQ)
              when(not(get(MATCH)), [set(FREE, c(1))], [set(HASQ, c(1))]),
            )],
            set(K, add(get(K), c(1))),
            br('lits'),
          )],
        )],
        when(and(get(FREE), get(HASQ)), [st(get(OUT), get(M), get(RID)), set(M, add(get(M), c(1)))]),
      )],
      set(RID, add(get(RID), c(1))),
      br('rules'),
    )],
  ),
  ...get(M),
];

// compiled when the solver's code loads (program start-up), like the rest of its code
const compiled = new wasm.Module(
  assembleModule([{ name: 'scan', params: 15, result: true, locals: LOCALS, body: [...assemble(SCAN), 0x0b] }]),
);

export interface ChoiceScanInput {
  /** package rules are ids 1 .. rules - 1 */
  rules: number;
  heads: Int32Array;
  lens: Int32Array;
  starts: Int32Array;
  lits: Int32Array;
  litTop: number;
  size: number;
  installed: Uint8Array;
  orphaned: Uint8Array;
  nameOf: Int32Array;
  names: number;
  instCount: Int32Array;
  instFirst: Int32Array;
  archOf: Int32Array;
  archColor: Uint8Array;
  withObsoletes: Uint8Array;
  colors: boolean;
}

/** Layout of the inputs other than the clause arrays (byte offsets from 0; `bytes` in all). */
function layoutRest(inp: { size: number; names: number; archColors: number; rules: number }): Record<'inst' | 'orphan' | 'nameOf' | 'count' | 'first' | 'archOf' | 'color' | 'obs' | 'out' | 'bytes', number> {
  const n = inp.size;
  let top = 0;
  const at = (bytes: number): number => {
    const p = top;
    top += (bytes + 7) & ~7;
    return p;
  };
  const inst = at(n), orphan = at(n), nameOf = at(4 * n), count = at(4 * inp.names), first = at(4 * inp.names);
  const archOf = at(4 * n), color = at(4 * inp.archColors), obs = at(n), out = at(4 * inp.rules);
  return { inst, orphan, nameOf, count, first, archOf, color, obs, out, bytes: top + 8 };
}

/** The bytes choiceCandidatesIn needs besides the clause arrays. */
export function choiceScratchBytes(size: number, names: number, archColors: number, rules: number): number {
  return layoutRest({ size, names, archColors, rules }).bytes;
}

/**
 * choiceCandidates on the engine's kernel memory, where the clause arrays already are (views of
 * `memory`: read in place, not copied); the other inputs are copied to the scratch at `at`
 * (choiceScratchBytes long). The result is a copy.
 */
export function choiceCandidatesIn(memory: { buffer: ArrayBuffer }, at: number, inp: ChoiceScanInput): Int32Array {
  const buffer = memory.buffer;
  for (const a of [inp.heads, inp.lens, inp.starts, inp.lits]) if (a.buffer !== buffer) throw new TypeError('choiceCandidatesIn: clause arrays outside the memory');
  const n = inp.size;
  const r = inp.rules;
  const l = layoutRest({ size: n, names: inp.names, archColors: inp.archColor.length, rules: r });
  const base = (at + 7) & ~7;
  const i32 = (p: number, len: number): Int32Array => new Int32Array(buffer, base + p, len);
  const u8 = (p: number, len: number): Uint8Array => new Uint8Array(buffer, base + p, len);
  u8(l.inst, n).set(inp.installed.subarray(0, n));
  u8(l.orphan, n).set(inp.orphaned.subarray(0, n));
  i32(l.nameOf, n).set(inp.nameOf.subarray(0, n));
  i32(l.count, inp.names).set(inp.instCount.subarray(0, inp.names));
  i32(l.first, inp.names).set(inp.instFirst.subarray(0, inp.names));
  i32(l.archOf, n).set(inp.archOf.subarray(0, n));
  i32(l.color, inp.archColor.length).set(inp.archColor);
  u8(l.obs, n).set(inp.withObsoletes.subarray(0, n));
  const scan = new wasm.Instance(compiled, { env: { mem: memory } }).exports['scan'] as (...x: number[]) => number;
  const m = scan(
    r, inp.heads.byteOffset, inp.lens.byteOffset, inp.starts.byteOffset, inp.lits.byteOffset,
    base + l.inst, base + l.orphan, base + l.nameOf, base + l.count, base + l.first, base + l.archOf, base + l.color, base + l.obs,
    inp.colors ? 1 : 0, base + l.out,
  );
  return i32(l.out, m).slice();
}

/** The package rule ids that may give a choice rule, ascending. */
export function choiceCandidates(inp: ChoiceScanInput): Int32Array {
  const n = inp.size;
  const r = inp.rules;
  const a = inp.archColor.length;
  let top = 0;
  const at = (bytes: number): number => {
    const p = top;
    top += (bytes + 7) & ~7;
    return p;
  };
  const pHeads = at(4 * r), pLens = at(4 * r), pStarts = at(4 * r), pLits = at(4 * inp.litTop);
  const pInst = at(n), pOrphan = at(n), pNameOf = at(4 * n), pCount = at(4 * inp.names), pFirst = at(4 * inp.names);
  const pArchOf = at(4 * n), pColor = at(4 * a), pObs = at(n), pOut = at(4 * r);
  const { buffer, exports } = instantiate(compiled, top);
  const i32 = (p: number, len: number): Int32Array => new Int32Array(buffer, p, len);
  const u8 = (p: number, len: number): Uint8Array => new Uint8Array(buffer, p, len);
  i32(pHeads, r).set(inp.heads.subarray(0, r));
  i32(pLens, r).set(inp.lens.subarray(0, r));
  i32(pStarts, r).set(inp.starts.subarray(0, r));
  i32(pLits, inp.litTop).set(inp.lits.subarray(0, inp.litTop));
  u8(pInst, n).set(inp.installed.subarray(0, n));
  u8(pOrphan, n).set(inp.orphaned.subarray(0, n));
  i32(pNameOf, n).set(inp.nameOf.subarray(0, n));
  i32(pCount, inp.names).set(inp.instCount.subarray(0, inp.names));
  i32(pFirst, inp.names).set(inp.instFirst.subarray(0, inp.names));
  i32(pArchOf, n).set(inp.archOf.subarray(0, n));
  i32(pColor, a).set(inp.archColor);
  u8(pObs, n).set(inp.withObsoletes.subarray(0, n));
  const m = (exports['scan'] as (...x: number[]) => number)(
    r, pHeads, pLens, pStarts, pLits, pInst, pOrphan, pNameOf, pCount, pFirst, pArchOf, pColor, pObs, inp.colors ? 1 : 0, pOut,
  );
  return i32(pOut, m);
}
