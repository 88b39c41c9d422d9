/**
 * Structured WebAssembly code for the solver's kernels: instructions as arrays of bytes, with
 * blocks, loops and ifs named by labels (branches name their target; flatten() turns the names
 * into depths), and small expression helpers over i32 locals and i32/u8 arrays in memory.
 */

import { BLOCK, BR, BR_IF, ELSE, END, I32_ADD, I32_CONST, I32_EQ, I32_EQZ, I32_GE_S, I32_GE_U, I32_GT_S, I32_LOAD, I32_LT_S, I32_NE, I32_SHL, I32_STORE, I32_SUB, IF, LOCAL_GET, LOCAL_SET, LOOP, VOID, sleb, uleb } from './wasm-assembler.js';

const I32_LOAD8_U = 0x2d;
const I32_STORE8 = 0x3a;
const I32_AND = 0x71;
const I32_OR = 0x72;
export const SELECT = 0x1b;


/** Code with symbolic branch targets: resolved to depths by flatten(). */
export type Node = number | { op: 'block' | 'loop'; label: string; body: Node[] } | { op: 'if'; label: string; then: Node[]; else?: Node[] } | { op: 'br' | 'br_if'; label: string };

export const block = (label: string, ...body: Node[][]): Node => ({ op: 'block', label, body: body.flat() });
export const loop = (label: string, ...body: Node[][]): Node => ({ op: 'loop', label, body: body.flat() });
/** if (cond) then [else] */
export const when = (cond: Node[], then: Node[][], otherwise?: Node[][]): Node[] => [...cond, { op: 'if', label: '', then: then.flat(), else: otherwise?.flat() }];
export const br = (label: string): Node[] => [{ op: 'br', label }];
export const brIf = (cond: Node[], label: string): Node[] => [...cond, { op: 'br_if', label }];

export function flatten(nodes: Node[], labels: string[], out: number[]): void {
  for (const n of nodes) {
    if (typeof n === 'number') out.push(n);
    else if (n.op === 'block' || n.op === 'loop') {
      out.push(n.op === 'block' ? BLOCK : LOOP, VOID);
      flatten(n.body, [n.label, ...labels], out);
      out.push(END);
    } else if (n.op === 'if') {
      out.push(IF, VOID);
      flatten(n.then, [n.label, ...labels], out);
      if (n.else) {
        out.push(ELSE);
        flatten(n.else, [n.label, ...labels], out);
      }
      out.push(END);
    } else {
      const depth = labels.indexOf(n.label);
      if (depth < 0) throw new TypeError(`wasm code: branch to unknown label ${n.label}`);
      out.push(n.op === 'br' ? BR : BR_IF, ...uleb(depth));
    }
  }
}


export const c = (v: number): Node[] => [I32_CONST, ...sleb(v)];
export const get = (l: number): Node[] => [LOCAL_GET, l];
export const set = (l: number, ...e: Node[][]): Node[] => [...e.flat(), LOCAL_SET, l];
export const add = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_ADD];
export const sub = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_SUB];
export const eq = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_EQ];
export const ne = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_NE];
export const lt = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_LT_S];
export const ge = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_GE_S];
/** unsigned a >= b (a range check in one compare: `x - lo >=u n`) */
export const geU = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_GE_U];
export const gt = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_GT_S];
export const and = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_AND];
export const or = (a: Node[], b: Node[]): Node[] => [...a, ...b, I32_OR];
export const not = (a: Node[]): Node[] => [...a, I32_EQZ];

/** i32 element idx of the array at byte address base */
export const addr = (base: Node[], idx: Node[]): Node[] => [...base, ...idx, ...c(2), I32_SHL, I32_ADD];
export const ld = (base: Node[], idx: Node[]): Node[] => [...addr(base, idx), I32_LOAD, 2, 0];
export const st = (base: Node[], idx: Node[], v: Node[]): Node[] => [...addr(base, idx), ...v, I32_STORE, 2, 0];
export const ld8 = (base: Node[], idx: Node[]): Node[] => [...base, ...idx, I32_ADD, I32_LOAD8_U, 0, 0];
export const st8 = (base: Node[], idx: Node[], v: Node[]): Node[] => [...base, ...idx, I32_ADD, ...v, I32_STORE8, 0, 0];
export const loadAt = (ptr: Node[]): Node[] => [...ptr, I32_LOAD, 2, 0];

/** The function body bytes of structured code (branch labels resolved). */
export function assemble(nodes: Node[]): number[] {
  const out: number[] = [];
  flatten(nodes, [], out);
  return out;
}
