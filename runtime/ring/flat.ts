/**
 * The flat kernels a compute engine (native or wasm) provides: loops over
 * contiguous row-major BigUint64Arrays of matching length, writing into `out`.
 * `compose.ts` builds the full RingBackend (broadcasting, layouts, im2col) on top,
 * so the native and wasm engines implement only the arithmetic that matters.
 * All arithmetic is modulo 2^64. `out` may alias an input for elementwise kernels.
 */
export interface FlatKernels {
  add(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  sub(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  mul(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  and(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  xor(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  or(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  neg(a: BigUint64Array, out: BigUint64Array): void;
  not(a: BigUint64Array, out: BigUint64Array): void;
  /** Logical right, arithmetic right and left shift by k (0 <= k < 64). */
  shr(a: BigUint64Array, k: number, out: BigUint64Array): void;
  sar(a: BigUint64Array, k: number, out: BigUint64Array): void;
  shl(a: BigUint64Array, k: number, out: BigUint64Array): void;
  /** out[m x n] = a[m x k] . b[k x n], row-major; `out` does not alias a or b. */
  matmul(a: BigUint64Array, b: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number): void;
  /**
   * Optional (native): a packed copy of a constant b[k x n] for matmulPacked, made for the
   * current code path. Packing once per weight saves the per-call packing of b.
   */
  packB?(b: BigUint64Array, k: number, n: number): BigUint64Array;
  /** matmul reading b from `packed` (packB of the same values) when it fits the current code path, else from b. */
  matmulPacked?(a: BigUint64Array, b: BigUint64Array, packed: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number): void;
  /** out[r] = sum of row r of a[rows x cols]. */
  rowSum(a: BigUint64Array, rows: number, cols: number, out: BigUint64Array): void;
  setThreads(n: number): void;
  threads(): number;
}
