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

// validated when the solver's code loads (program start-up); Node 20 compiles each wasm
// function lazily, at its first call
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

/** Where dupAllMaps may work: room at byte `at` of `memory` (dupAllBytes long), nameOf there already at byte `nameOfAt`. */
export interface DupAllRoom {
  memory: { buffer: ArrayBuffer };
  at: number;
  nameOfAt: number;
}

/** The layout of the pass's arrays from byte 0 (nameOf only when it is copied in). */
function layout(n: number, names: number, withNameOf: boolean): Record<'inst' | 'instable' | 'nameOf' | 'special' | 'withObs' | 'own' | 'inIndex' | 'dup' | 'inv' | 'names' | 'list' | 'bytes', number> {
  let top = 0;
  const at = (bytes: number): number => {
    const a = top;
    top += (bytes + 7) & ~7;
    return a;
  };
  const inst = at(n), instable = at(n), nameOf = withNameOf ? at(4 * n) : 0, special = at(names), withObs = at(n), own = at(n), inIndex = at(n);
  const dup = at(n), inv = at(n), names_ = at(names), list = at(4 * n);
  return { inst, instable, nameOf, special, withObs, own, inIndex, dup, inv, names: names_, list, bytes: top + 8 };
}

/** The bytes dupAllMaps needs in a DupAllRoom. */
export function dupAllBytes(size: number, names: number): number {
  return layout(size, names, false).bytes;
}

/**
 * The "distupgrade all" pass: sets dupMap (installable, not installed), involved (those, and
 * every package on the own-name list of their names) in place, and returns the packages the
 * caller finishes (special names, obsoletes) and whether dupMap got anything. With a room
 * (the pool's scratch: the pool's memory, whose first word the pass uses as its flag, as the
 * kernel running on the memory) the pass reads nameOf in place and works there, in pages the
 * next kernel on that memory reuses; else in a memory of its own.
 */
export function dupAllMaps(inp: DupAllInput, dupMap: Uint8Array, involved: Uint8Array, room?: DupAllRoom): { js: Int32Array; used: boolean } {
  const n = inp.size;
  const l = layout(n, inp.names, room === undefined);
  let buffer: ArrayBuffer;
  let dup: (...a: number[]) => number;
  let base: number;
  let nameOfAt: number;
  if (room !== undefined) {
    buffer = room.memory.buffer;
    base = (room.at + 7) & ~7;
    nameOfAt = room.nameOfAt;
    dup = new wasm.Instance(compiled, { env: { mem: room.memory } }).exports['dup'] as typeof dup;
  } else {
    const own = instantiate(compiled, 8 + l.bytes);
    buffer = own.buffer;
    base = 8;
    nameOfAt = base + l.nameOf;
    new Int32Array(buffer, nameOfAt, n).set(inp.nameOf.subarray(0, n));
    dup = own.exports['dup'] as typeof dup;
  }
  const u8 = (p: number, len: number): Uint8Array => new Uint8Array(buffer, base + p, len);
  u8(l.inst, n).set(inp.installed.subarray(0, n));
  u8(l.instable, n).set(inp.installable.subarray(0, n));
  u8(l.special, inp.names).set(inp.nameSpecial.subarray(0, inp.names));
  u8(l.withObs, n).set(inp.withObsoletes.subarray(0, n));
  u8(l.own, n).set(inp.ownProvides.subarray(0, n));
  u8(l.inIndex, n).set(inp.inIndex.subarray(0, n));
  u8(l.dup, n).set(dupMap.subarray(0, n));
  u8(l.inv, n).set(involved.subarray(0, n));
  // (scratch of an earlier use: the name marks must start empty)
  u8(l.names, inp.names).fill(0);
  const flag = new Int32Array(buffer, 0, 1);
  flag[0] = 0;
  const m = dup(
    n, base + l.inst, base + l.instable, nameOfAt, base + l.special, base + l.withObs, base + l.own, base + l.inIndex,
    base + l.dup, base + l.inv, base + l.names, base + l.list,
  );
  dupMap.set(u8(l.dup, n));
  involved.set(u8(l.inv, n));
  return { js: new Int32Array(buffer, base + l.list, m).slice(), used: flag[0] === 1 };
}
