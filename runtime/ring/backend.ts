/**
 * The ring backend interface: every tensor kernel over Z_2^64 the protocols use.
 * Three implementations sit behind it (runtime/ring/index.ts picks one):
 *  - `native`: C++ through Node-API (runtime/ring/native/), built by node-gyp at install;
 *  - `wasm`: AssemblyScript compiled to WebAssembly with 128-bit SIMD (runtime/ring/wasm/);
 *  - `js`: a BigInt reference in TypeScript (runtime/ring/js.ts), the oracle in tests.
 * All arithmetic wraps modulo 2^64. Inputs are never modified; outputs are fresh tensors,
 * except where a caller passes `out` (add, sub, mul, and, xor, or, matmul, conv2d): then the result
 * is written into `out` (which must have the result's shape, else E_SHAPE) and `out`
 * itself is returned. An elementwise `out` may be one of its inputs (in place); a
 * matmul or conv2d `out` must not overlap its inputs (E_ARG). Out-parameters exist so
 * that a caller that owns a buffer (runtime/ring/pool.ts) avoids a fresh allocation
 * per call (fresh memory costs a page fault per 4 KB on first touch); the caller is
 * responsible for `out` not being referenced by anything else (see pool.ts).
 */
import type { RingTensor, Shape } from './tensor.js';

export type BackendName = 'native' | 'wasm' | 'js';

export type { Padding } from '../../src/shape.js';
import type { Padding } from '../../src/shape.js';

/** 2-D convolution geometry. Input NHWC, filter HWIO (depthwise: [KH, KW, C, M]). */
export interface Conv2dOptions {
  readonly strides: readonly [number, number];
  readonly padding: Padding;
}

export interface RingBackend {
  readonly name: BackendName;

  /** Elementwise a + b, a - b, a * b mod 2^64 with NumPy broadcasting. */
  add(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor;
  sub(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor;
  mul(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor;
  neg(a: RingTensor): RingTensor;

  /**
   * Matrix product over the last two axes: [..., m, k] x [..., k, n] -> [..., m, n].
   * Batch axes broadcast (a 2-D operand is shared by every batch entry).
   */
  matmul(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor;
  /** conv2d(x [N,H,W,C], w [KH,KW,C,O]) -> [N,OH,OW,O], TF's SAME/VALID geometry. */
  conv2d(x: RingTensor, w: RingTensor, opts: Conv2dOptions, out?: RingTensor): RingTensor;
  /** depthwiseConv2d(x [N,H,W,C], w [KH,KW,C,M]) -> [N,OH,OW,C*M] (output channel c*M+m). */
  depthwiseConv2d(x: RingTensor, w: RingTensor, opts: Conv2dOptions): RingTensor;

  /** Sum over the given axes (negative axes count from the end). */
  sum(a: RingTensor, axes: readonly number[], keepDims?: boolean): RingTensor;
  transpose(a: RingTensor, perm: readonly number[]): RingTensor;
  /** Constant padding: `paddings[i] = [before, after]` for axis i, filled with `value` (default 0). */
  pad(a: RingTensor, paddings: readonly (readonly [number, number])[], value?: bigint): RingTensor;
  slice(a: RingTensor, begin: readonly number[], size: readonly number[]): RingTensor;
  concat(ts: readonly RingTensor[], axis: number): RingTensor;
  /** Materialise `a` broadcast to `shape`. */
  broadcastTo(a: RingTensor, shape: Shape): RingTensor;

  /** Logical (zero-filling) and arithmetic (sign-filling) right shift, left shift; 0 <= k < 64. */
  shr(a: RingTensor, k: number): RingTensor;
  sar(a: RingTensor, k: number): RingTensor;
  shl(a: RingTensor, k: number): RingTensor;
  /** Bit i (0 = least significant) of each element, as 0 or 1. */
  bit(a: RingTensor, i: number): RingTensor;

  /**
   * Bit-sliced boolean ops: each 64-bit word holds 64 independent boolean values
   * (the bits of a boolean-shared ring element), so one op is 64 gates per element.
   */
  and(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor;
  xor(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor;
  or(a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor;
  not(a: RingTensor): RingTensor;

  /**
   * A tensor equal to `b` that later matmul / conv2d calls taking it as their second
   * operand (2-D [k, n], or an HWIO filter: k = KH*KW*C, n = O) may run faster with: the
   * native engine keeps a packed copy of it (made for the code path active now; after a
   * change of path it is ignored). The caller promises that b's data never changes
   * afterwards (model weights and their opened masks). Other backends return b itself.
   */
  prepareConstant(b: RingTensor): RingTensor;

  /** Threads used by the heavy kernels (1 for backends without threads). */
  setThreads(n: number): void;
  threads(): number;
}
