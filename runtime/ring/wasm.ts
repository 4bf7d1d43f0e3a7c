/**
 * Loader of the wasm ring engine: compiles runtime/ring/wasm/build/ring.wasm (built
 * from runtime/ring/wasm/assembly/ by `npm run build:wasm`) synchronously and wraps
 * its raw exports as FlatKernels.
 *
 * Each call copies its inputs once into wasm linear memory, runs one kernel and
 * copies the result once into `out`. Memory is a bump arena above the module's
 * static data, reset on every call (calls are synchronous, so nothing outlives
 * one) and grown in 64 KiB pages when a call needs more. Wasm memory cannot
 * shrink, so it stays at the largest call's size for the life of the process.
 * Arguments are checked here, before anything touches wasm memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { packageRoot } from '../package-root.js';
import type { FlatKernels } from './flat.js';

/** The slice of the WebAssembly JS API used here (the project's `lib` has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: Record<string, never>) => { readonly exports: Record<string, unknown> };
}

/** Exports of ring.wasm; addresses are byte offsets into `memory`, counts are elements. */
interface RingExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  add(a: number, b: number, out: number, n: number): void;
  sub(a: number, b: number, out: number, n: number): void;
  mul(a: number, b: number, out: number, n: number): void;
  and(a: number, b: number, out: number, n: number): void;
  xor(a: number, b: number, out: number, n: number): void;
  or(a: number, b: number, out: number, n: number): void;
  neg(a: number, out: number, n: number): void;
  not(a: number, out: number, n: number): void;
  shr(a: number, k: number, out: number, n: number): void;
  sar(a: number, k: number, out: number, n: number): void;
  shl(a: number, k: number, out: number, n: number): void;
  rowSum(a: number, rows: number, cols: number, out: number): void;
  matmulScratchBytes(k: number, n: number): number;
  matmul(a: number, b: number, c: number, m: number, k: number, n: number, scratch: number): void;
}

const EXPORT_NAMES: readonly (keyof RingExports)[] = [
  'memory', 'heapBase', 'add', 'sub', 'mul', 'and', 'xor', 'or', 'neg', 'not', 'shr', 'sar', 'shl', 'rowSum', 'matmulScratchBytes', 'matmul',
];

/** Wasm pages are 64 KiB. */
const PAGE = 65536;
/** wasm32 linear memory tops out at 65536 pages (4 GiB). */
const MAX_BYTES = 65536 * PAGE;
/** Regions start on cache-line boundaries (64 bytes), which also satisfies v128 alignment. */
const ALIGN = 64;

const alignUp = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/** Where `npm run build:wasm` writes the module (undefined if the package root is not found). */
export function wasmModulePath(): string | undefined {
  const root = packageRoot();
  return root === undefined ? undefined : join(root, 'runtime', 'ring', 'wasm', 'build', 'ring.wasm');
}

function argError(kernel: string, message: string): TfeError {
  return new TfeError('E_ARG', `wasm ring kernel ${kernel}: ${message}`);
}

function checkArray(kernel: string, name: string, x: unknown): void {
  if (!(x instanceof BigUint64Array)) throw argError(kernel, `${name} must be a BigUint64Array`);
}

function checkCount(kernel: string, name: string, x: number): void {
  if (!Number.isSafeInteger(x) || x < 0) throw argError(kernel, `${name} = ${x} is not a non-negative integer`);
}

/** A bump allocator over the module's linear memory, reset by every call. */
class Arena {
  private readonly memory: WasmMemory;
  private readonly base: number;
  private top: number;
  private view: BigUint64Array;

  constructor(memory: WasmMemory, base: number) {
    this.memory = memory;
    this.base = alignUp(base);
    this.top = this.base;
    this.view = new BigUint64Array(memory.buffer);
  }

  /** Starts a call: the whole arena is free again. */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` (rounded up to ALIGN) and returns their byte address. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = at + alignUp(bytes);
    return at;
  }

  /** Grows memory to hold everything allocated since reset(); call before writing. */
  commit(kernel: string): void {
    if (this.top > MAX_BYTES) {
      throw new TfeError('E_ARG', `wasm ring kernel ${kernel}: operands need ${this.top} bytes, more than the 4 GiB of wasm32 memory`,
        'split the tensor, or use the native backend');
    }
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      try {
        this.memory.grow(Math.ceil((this.top - have) / PAGE));
      } catch (e) {
        throw new TfeError('E_BACKEND', `wasm ring kernel ${kernel}: cannot grow wasm memory to ${this.top} bytes (${(e as Error).message})`);
      }
    }
    // growing replaces (detaches) the buffer, so the view is rebuilt when it changed
    if (this.view.buffer !== this.memory.buffer) this.view = new BigUint64Array(this.memory.buffer);
  }

  /** Copies `x` into memory at byte address `at`. */
  put(at: number, x: BigUint64Array): void {
    this.view.set(x, at / 8);
  }

  /** Copies `out.length` elements at byte address `at` into `out`. */
  get(at: number, out: BigUint64Array): void {
    out.set(this.view.subarray(at / 8, at / 8 + out.length));
  }
}

type BinaryExport = (a: number, b: number, out: number, n: number) => void;
type UnaryExport = (a: number, out: number, n: number) => void;
type ShiftExport = (a: number, k: number, out: number, n: number) => void;

function wrap(ex: RingExports): FlatKernels {
  const arena = new Arena(ex.memory, ex.heapBase());

  const binary = (name: string, f: BinaryExport) => (a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void => {
    checkArray(name, 'a', a);
    checkArray(name, 'b', b);
    checkArray(name, 'out', out);
    if (a.length !== b.length || a.length !== out.length) {
      throw argError(name, `operand lengths differ (a ${a.length}, b ${b.length}, out ${out.length})`);
    }
    const n = a.length;
    if (n === 0) return;
    arena.reset();
    const pa = arena.alloc(n * 8);
    const pb = arena.alloc(n * 8);
    arena.commit(name);
    arena.put(pa, a);
    arena.put(pb, b);
    f(pa, pb, pa, n); // in place over a's copy: one region less
    arena.get(pa, out);
  };

  /** One operand copied in, transformed in place over its copy, copied out. */
  const inPlace = (name: string, a: BigUint64Array, out: BigUint64Array, run: (p: number, n: number) => void): void => {
    checkArray(name, 'a', a);
    checkArray(name, 'out', out);
    if (a.length !== out.length) throw argError(name, `operand lengths differ (a ${a.length}, out ${out.length})`);
    const n = a.length;
    if (n === 0) return;
    arena.reset();
    const pa = arena.alloc(n * 8);
    arena.commit(name);
    arena.put(pa, a);
    run(pa, n);
    arena.get(pa, out);
  };

  const unary = (name: string, f: UnaryExport) => (a: BigUint64Array, out: BigUint64Array): void =>
    inPlace(name, a, out, (p, n) => f(p, p, n));

  const shift = (name: string, f: ShiftExport) => (a: BigUint64Array, k: number, out: BigUint64Array): void => {
    if (!Number.isInteger(k) || k < 0 || k > 63) throw argError(name, `shift amount ${k} outside 0..63`);
    inPlace(name, a, out, (p, n) => f(p, k, p, n));
  };

  return {
    add: binary('add', ex.add),
    sub: binary('sub', ex.sub),
    mul: binary('mul', ex.mul),
    and: binary('and', ex.and),
    xor: binary('xor', ex.xor),
    or: binary('or', ex.or),
    neg: unary('neg', ex.neg),
    not: unary('not', ex.not),
    shr: shift('shr', ex.shr),
    sar: shift('sar', ex.sar),
    shl: shift('shl', ex.shl),

    matmul(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number): void {
      checkArray('matmul', 'a', a);
      checkArray('matmul', 'b', b);
      checkArray('matmul', 'out', out);
      checkCount('matmul', 'm', m);
      checkCount('matmul', 'k', k);
      checkCount('matmul', 'n', n);
      if (a.length !== m * k) throw argError('matmul', `a has ${a.length} elements, expected m*k = ${m}*${k} = ${m * k}`);
      if (b.length !== k * n) throw argError('matmul', `b has ${b.length} elements, expected k*n = ${k}*${n} = ${k * n}`);
      if (out.length !== m * n) throw argError('matmul', `out has ${out.length} elements, expected m*n = ${m}*${n} = ${m * n}`);
      if (m * n === 0) return;
      arena.reset();
      const pa = arena.alloc(m * k * 8);
      const pb = arena.alloc(k * n * 8);
      const pc = arena.alloc(m * n * 8);
      const ps = arena.alloc(ex.matmulScratchBytes(k, n));
      arena.commit('matmul');
      arena.put(pa, a);
      arena.put(pb, b);
      ex.matmul(pa, pb, pc, m, k, n, ps);
      arena.get(pc, out);
    },

    rowSum(a: BigUint64Array, rows: number, cols: number, out: BigUint64Array): void {
      checkArray('rowSum', 'a', a);
      checkArray('rowSum', 'out', out);
      checkCount('rowSum', 'rows', rows);
      checkCount('rowSum', 'cols', cols);
      if (a.length !== rows * cols) throw argError('rowSum', `a has ${a.length} elements, expected rows*cols = ${rows}*${cols} = ${rows * cols}`);
      if (out.length !== rows) throw argError('rowSum', `out has ${out.length} elements, expected rows = ${rows}`);
      if (rows === 0) return;
      arena.reset();
      const pa = arena.alloc(rows * cols * 8);
      const po = arena.alloc(rows * 8);
      arena.commit('rowSum');
      arena.put(pa, a);
      ex.rowSum(pa, rows, cols, po);
      arena.get(po, out);
    },

    setThreads(n: number): void {
      // wasm runs on the calling thread only: a valid request is accepted and has no effect
      if (!Number.isInteger(n) || n < 1) throw argError('setThreads', `thread count ${n} is not a positive integer`);
    },
    threads: () => 1,
  };
}

/**
 * Flat kernels over the module at `path`, freshly instantiated (no caching), or
 * undefined when the file does not exist. A file that exists but does not
 * compile, or lacks an export, is an E_BACKEND error.
 */
export function loadWasmKernelsFrom(path: string): FlatKernels | undefined {
  if (!existsSync(path)) return undefined;
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  let exports: Record<string, unknown>;
  try {
    const module = new api.Module(readFileSync(path));
    exports = new api.Instance(module, {}).exports;
  } catch (e) {
    throw new TfeError('E_BACKEND', `cannot instantiate the wasm ring module ${path}: ${(e as Error).message}`, 'run `npm run build:wasm` to rebuild it');
  }
  const missing = EXPORT_NAMES.filter((name) => exports[name] === undefined);
  if (missing.length > 0) {
    throw new TfeError('E_BACKEND', `the wasm ring module ${path} lacks export(s) ${missing.join(', ')}`, 'run `npm run build:wasm` to rebuild it');
  }
  return wrap(exports as unknown as RingExports);
}

let cached: FlatKernels | undefined;

/**
 * The wasm engine's flat kernels (one instance per thread, made on first use), or
 * undefined when ring.wasm has not been built.
 */
export function loadWasmKernels(): FlatKernels | undefined {
  if (cached) return cached;
  const path = wasmModulePath();
  cached = path === undefined ? undefined : loadWasmKernelsFrom(path);
  return cached;
}
