/**
 * Just enough of the WebAssembly binary format to assemble the solver's kernels from their
 * instructions in TypeScript (the repository holds no binary and the build needs no toolchain):
 * instruction bytes, LEB128, sections, and a module of i32 functions over one imported memory.
 */

export const BLOCK = 0x02;
export const LOOP = 0x03;
export const IF = 0x04;
export const ELSE = 0x05;
export const VOID = 0x40;
export const END = 0x0b;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const RETURN = 0x0f;
export const CALL = 0x10;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const LOCAL_TEE = 0x22;
export const I32_LOAD = 0x28;
export const I32_STORE = 0x36;
export const I32_CONST = 0x41;
export const I32_EQZ = 0x45;
export const I32_EQ = 0x46;
export const I32_NE = 0x47;
export const I32_LT_S = 0x48;
export const I32_GT_S = 0x4a;
export const I32_LE_S = 0x4c;
export const I32_GE_S = 0x4e;
export const I32_GE_U = 0x4f;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_SHL = 0x74;
export const I32 = 0x7f;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const operands). */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A WebAssembly memory page (memories grow by whole pages). */
export const PAGE = 65536;

/** i32.const with a small signed value (-64..63: one byte of signed LEB128) */
export function i32(v: number): number[] {
  if (v < -64 || v > 63) throw new TypeError('i32: constant out of the one-byte range');
  return [I32_CONST, v & 0x7f];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export interface AsmFunction {
  /** its export name; '' for a function only the module's own code calls */
  name: string;
  params: number;
  /** whether it returns an i32 */
  result: boolean;
  /** extra i32 locals after the parameters */
  locals: number;
  /** the body, ending with END */
  body: number[];
}

/** A module importing memory `env.mem` and exporting the named functions (function i has type i). */
export function assembleModule(funcs: AsmFunction[]): Uint8Array {
  const types: number[] = [];
  for (const f of funcs) types.push(0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(I32), ...(f.result ? [1, I32] : [0]));
  const codes: number[] = [];
  for (const f of funcs) {
    const code = [...(f.locals ? [1, ...uleb(f.locals), I32] : [0]), ...f.body];
    codes.push(...uleb(code.length), ...code);
  }
  const exports: number[] = [];
  funcs.forEach((f, i) => {
    if (f.name) exports.push(...name(f.name), 0x00, ...uleb(i));
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(funcs.length), ...types]),
    ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 0x00]), // memory, min 0 pages
    ...section(3, [...uleb(funcs.length), ...funcs.map((_, i) => i)]),
    ...section(7, [...uleb(funcs.filter((f) => f.name).length), ...exports]),
    ...section(10, [...uleb(funcs.length), ...codes]),
  ];
  return Uint8Array.from(bytes);
}

// the few WebAssembly JS API members used (the project's type libraries have no DOM/wasm types)
export interface WasmMemory {
  /** replaced by a larger one when the memory grows: views of the old one are detached */
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number }) => WasmMemory;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A fresh zeroed memory of at least `bytes` and the kernel module instantiated on it. */
export function instantiate(module: object, bytes: number): { buffer: ArrayBuffer; exports: Record<string, unknown> } {
  const mem = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  const inst = new wasm.Instance(module, { env: { mem } });
  return { buffer: mem.buffer, exports: inst.exports };
}
