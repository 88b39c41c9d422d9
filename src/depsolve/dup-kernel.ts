/**
 * The maps of a "distupgrade all" job (libsolv's solver_createdupmaps) as a WebAssembly kernel:
 * one pass over every package of the pool, where RpmSolver's JS loop pays ~100 ns a package in
 * baseline code (see provides-sort-kernel.ts). The packages whose part needs the pool's lists
 * (a file or namespace name, obsoletes) come back in a list for the JS code.
 */

import { assembleModule, instantiate, wasm, wasmCode } from '../util/index.js';

const { block, loop, when, br, brIf, c, get, set, add, ge, eq, ne, or, and, not, ld, ld8, st, st8, assemble } = wasmCode;
type Node = wasmCode.Node;

// dup(n, inst, installable, nameOf, special, withObs, own, inIndex, dup, involved, names, list) -> list length
const N = 0, INST = 1, INSTABLE = 2, NAMEOF = 3, SPECIAL = 4, WITHOBS = 5, OWN = 6, ININDEX = 7, DUP = 8, INV = 9, NAMES = 10, LIST = 11;
const P = 12, K = 13, M = 14, ANY = 15;

const forP = (name: string, body: Node[][]): Node[] => [
  ...set(P, c(2)),
  block(`${name}-end`,
    [loop(`${name}-loop`,
      brIf(ge(get(P), get(N)), `${name}-end`),
      [block(`${name}-next`, ...body)],
      set(P, add(get(P), c(1))),
      br(`${name}-loop`),
    )],
  ),
];

const DUP_BODY: Node[] = [
  ...set(M, c(0)),
  ...set(ANY, c(0)),
  ...forP('pkgs', [
    // installed packages and those not installable are not part of the upgrade
    brIf(ld8(get(INST), get(P)), 'pkgs-next'),
    brIf(not(ld8(get(INSTABLE), get(P))), 'pkgs-next'),
    st8(get(DUP), get(P), c(1)),
    // the memory's first word: whether any package went into the dup map
    st(c(0), c(0), c(1)),
    set(K, ld(get(NAMEOF), get(P))),
    when(ne(ld8(get(SPECIAL), get(K)), c(1)), [st8(get(NAMES), get(K), c(1)), set(ANY, c(1))]),
    st8(get(INV), get(P), c(1)),
    when(or(eq(ld8(get(SPECIAL), get(K)), c(1)), ld8(get(WITHOBS), get(P))), [st(get(LIST), get(M), get(P)), set(M, add(get(M), c(1)))]),
  ]),
  // every package on its own name's list (in the index, providing its name) of a marked name
  ...when(get(ANY), [
    forP('own', [
      when(and(and(ld8(get(OWN), get(P)), ld8(get(ININDEX), get(P))), ld8(get(NAMES), ld(get(NAMEOF), get(P)))), [
        st8(get(INV), get(P), c(1)),
      ]),
    ]),
  ]),
  ...get(M),
];

// compiled when the solver's code loads (program start-up), like the rest of its code
const compiled = new wasm.Module(
  assembleModule([{ name: 'dup', params: 12, result: true, locals: 4, body: [...assemble(DUP_BODY), 0x0b] }]),
);

export interface DupAllInput {
  size: number;
  installed: Uint8Array;
  installable: Uint8Array;
  nameOf: Int32Array;
  /** per name id: 1 for a file or namespace name */
  nameSpecial: Uint8Array;
  names: number;
  withObsoletes: Uint8Array;
  ownProvides: Uint8Array;
  inIndex: Uint8Array;
}

/**
 * The "distupgrade all" pass: sets dupMap (installable, not installed), involved (those, and
 * every package on the own-name list of their names) in place, and returns the packages the
 * caller finishes (special names, obsoletes) and whether dupMap got anything.
 */
export function dupAllMaps(inp: DupAllInput, dupMap: Uint8Array, involved: Uint8Array): { js: Int32Array; used: boolean } {
  const n = inp.size;
  let top = 8;
  const at = (bytes: number): number => {
    const a = top;
    top += (bytes + 7) & ~7;
    return a;
  };
  const pInst = at(n), pInstable = at(n), pNameOf = at(4 * n), pSpecial = at(inp.names), pWithObs = at(n), pOwn = at(n), pInIndex = at(n);
  const pDup = at(n), pInv = at(n), pNames = at(inp.names), pList = at(4 * n);
  const { buffer, exports } = instantiate(compiled, top);
  const u8 = (p: number, len: number): Uint8Array => new Uint8Array(buffer, p, len);
  u8(pInst, n).set(inp.installed.subarray(0, n));
  u8(pInstable, n).set(inp.installable.subarray(0, n));
  new Int32Array(buffer, pNameOf, n).set(inp.nameOf.subarray(0, n));
  u8(pSpecial, inp.names).set(inp.nameSpecial.subarray(0, inp.names));
  u8(pWithObs, n).set(inp.withObsoletes.subarray(0, n));
  u8(pOwn, n).set(inp.ownProvides.subarray(0, n));
  u8(pInIndex, n).set(inp.inIndex.subarray(0, n));
  u8(pDup, n).set(dupMap.subarray(0, n));
  u8(pInv, n).set(involved.subarray(0, n));
  const m = (exports['dup'] as (...a: number[]) => number)(n, pInst, pInstable, pNameOf, pSpecial, pWithObs, pOwn, pInIndex, pDup, pInv, pNames, pList);
  dupMap.set(u8(pDup, n));
  involved.set(u8(pInv, n));
  return { js: new Int32Array(buffer, pList, m), used: new Int32Array(buffer, 0, 1)[0] === 1 };
}
