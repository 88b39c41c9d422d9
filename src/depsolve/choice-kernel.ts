/**
 * The first pass of the choice rules (libsolv's solver_addchoicerules) as a WebAssembly kernel:
 * of the package rules, the requires rules (a negative first literal, two or more literals, a
 * positive second) of a requirer that is not an orphan, with a provider that is not installed
 * and that may replace nothing installed, and a provider that is installed or may replace an
 * installed package (without one the rule gives no choice rule). RpmSolver's JS loop scans every package rule for this
 * in baseline code (~25,000 rules on the bench's distupgrade, ~4 ms); here it gets the few
 * candidates and does each exactly as before. Per package the kernel reads one byte of flags
 * (installed, orphaned, has obsoletes, replaces an installed package of its name: a package on
 * an installed package's update list, RpmSolver.fillAllUpdates, which has the same-name and
 * multilib color tests); it is conservative where the JS knows more: a provider with obsoletes
 * counts as possibly free and possibly replacing, the JS decides.
 */

import { assembleModule, instantiate, wasm, wasmCode } from '../util/index.js';

const { block, loop, when, br, brIf, c, get, set, add, sub, ge, gt, lt, eq, and, or, not, ld, ld8, st, assemble } = wasmCode;
type Node = wasmCode.Node;

// scan(r, heads, lens, starts, lits, flags, out) -> count
const R = 0, HEADS = 1, LENS = 2, STARTS = 3, LITS = 4, FLAGS = 5, OUT = 6;
const PARAMS = 7;
let next = PARAMS;
const RID = next++, LEN = next++, ST = next++, K = next++, P = next++, F = next++, FREE = next++, M = next++, HASQ = next++;
const LOCALS = next - PARAMS;

/** Per-package flag bits of the scan's input. */
export const CF_INSTALLED = 1;
export const CF_ORPHANED = 2;
export const CF_OBSOLETES = 4;
export const CF_REPLACES = 8;

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
        brIf(and(ld8(get(FLAGS), sub(c(0), ld(get(LITS), get(ST)))), c(CF_ORPHANED)), 'next-rule'),
        set(FREE, c(0)),
        set(HASQ, c(0)),
        set(K, c(1)),
        [block('lits-end',
          [loop('lits',
            brIf(or(ge(get(K), get(LEN)), and(get(FREE), get(HASQ))), 'lits-end'),
            [block('next-lit',
              set(P, ld(get(LITS), add(get(ST), get(K)))),
              brIf(not(gt(get(P), c(0))), 'next-lit'),
              set(F, ld8(get(FLAGS), get(P))),
              // an installed provider: maybe the choice's alternative (HASQ)
              when(and(get(F), c(CF_INSTALLED)), [set(HASQ, c(1)), br('next-lit')]),
              // obsoletes: the JS decides
              when(and(get(F), c(CF_OBSOLETES)), [set(FREE, c(1)), set(HASQ, c(1)), br('next-lit')]),
              // replaces an installed package of its name (HASQ), or nothing (free)
              when(and(get(F), c(CF_REPLACES)), [set(HASQ, c(1))], [set(FREE, c(1))]),
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

// validated when the solver's code loads (program start-up); Node 20 compiles each wasm
// function lazily, at its first call
const compiled = new wasm.Module(
  assembleModule([{ name: 'scan', params: PARAMS, result: true, locals: LOCALS, body: [...assemble(SCAN), 0x0b] }]),
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
  /** per package: CF_* bits */
  flags: Uint8Array;
}

/** The bytes choiceCandidatesIn needs besides the clause arrays. */
export function choiceScratchBytes(size: number, rules: number): number {
  return ((size + 7) & ~7) + 4 * rules + 16;
}

/**
 * choiceCandidates on the engine's kernel memory, where the clause arrays already are (views of
 * `memory`: read in place, not copied); the flags are copied to the scratch at `at`
 * (choiceScratchBytes long). The result is a copy.
 */
export function choiceCandidatesIn(memory: { buffer: ArrayBuffer }, at: number, inp: ChoiceScanInput): Int32Array {
  const buffer = memory.buffer;
  for (const a of [inp.heads, inp.lens, inp.starts, inp.lits]) if (a.buffer !== buffer) throw new TypeError('choiceCandidatesIn: clause arrays outside the memory');
  const n = inp.size;
  const base = (at + 7) & ~7;
  const pOut = base + ((n + 7) & ~7);
  new Uint8Array(buffer, base, n).set(inp.flags.subarray(0, n));
  const scan = new wasm.Instance(compiled, { env: { mem: memory } }).exports['scan'] as (...x: number[]) => number;
  const m = scan(inp.rules, inp.heads.byteOffset, inp.lens.byteOffset, inp.starts.byteOffset, inp.lits.byteOffset, base, pOut);
  return new Int32Array(buffer, pOut, m).slice();
}

/** The package rule ids that may give a choice rule, ascending. */
export function choiceCandidates(inp: ChoiceScanInput): Int32Array {
  const n = inp.size;
  const r = inp.rules;
  let top = 0;
  const at = (bytes: number): number => {
    const p = top;
    top += (bytes + 7) & ~7;
    return p;
  };
  const pHeads = at(4 * r), pLens = at(4 * r), pStarts = at(4 * r), pLits = at(4 * inp.litTop), pFlags = at(n), pOut = at(4 * r);
  const { buffer, exports } = instantiate(compiled, top);
  const i32 = (p: number, len: number): Int32Array => new Int32Array(buffer, p, len);
  i32(pHeads, r).set(inp.heads.subarray(0, r));
  i32(pLens, r).set(inp.lens.subarray(0, r));
  i32(pStarts, r).set(inp.starts.subarray(0, r));
  i32(pLits, inp.litTop).set(inp.lits.subarray(0, inp.litTop));
  new Uint8Array(buffer, pFlags, n).set(inp.flags.subarray(0, n));
  const m = (exports['scan'] as (...x: number[]) => number)(r, pHeads, pLens, pStarts, pLits, pFlags, pOut);
  return i32(pOut, m);
}
