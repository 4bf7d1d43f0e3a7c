/**
 * Shared helpers for the native ring engine tests: the kernels under test
 * (undefined when the addon is not built, so the suites skip with a message),
 * random ring data from node:crypto seasoned with edge values, exact comparison,
 * and a BigInt dot product for spot checks of products too large for the
 * reference backend.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TfeError } from '../../src/errors.js';
import { loadNativeKernels, nativeLoadError, type NativeKernels } from '../../runtime/ring/native.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../runtime/ring/tensor.js';

export const native: NativeKernels | undefined = loadNativeKernels();

/** `skip` option for describe(): a message when the addon is missing, false otherwise. */
export const skipUnlessBuilt: string | false = native
  ? false
  : `native ring addon not available: ${nativeLoadError() ?? 'unknown reason'}`;

/** The loaded kernels; only called inside suites that skip when the addon is missing. */
export function kernels(): NativeKernels {
  if (!native) throw new Error('native ring addon not loaded');
  return native;
}

/** 0, 1, 2^63, 2^63 - 1, 2^64 - 1: the values where wrap-around and sign bugs show. */
export const EDGES: readonly bigint[] = [0n, 1n, 1n << 63n, (1n << 63n) - 1n, (1n << 64n) - 1n];

/** n uniformly random u64; roughly one in four replaced by an edge value. */
export function randomRing(n: number): BigUint64Array {
  const out = new BigUint64Array(n);
  if (n === 0) return out;
  const bytes = randomBytes(n * 8);
  out.set(new BigUint64Array(bytes.buffer, bytes.byteOffset, n));
  const pick = randomBytes(n);
  for (let i = 0; i < n; i++) {
    if (pick[i] < 64) out[i] = EDGES[pick[i] % EDGES.length];
  }
  return out;
}

export function randomTensor(shape: Shape): RingTensor {
  return ringTensor(shape, randomRing(sizeOf(shape)));
}

/** A uniformly random integer in [0, n). */
export function randomIndex(n: number): number {
  return randomBytes(4).readUInt32LE(0) % n;
}

/** Exact equality of two u64 arrays, naming the first differing index. */
export function assertSameData(actual: BigUint64Array, expected: BigUint64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

export function assertSameTensor(actual: RingTensor, expected: RingTensor, what: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  assertSameData(actual.data, expected.data, what);
}

/** Asserts that `f` throws a TfeError with the given code and a message matching `re`. */
export function assertTfeError(f: () => unknown, code: string, re: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TfeError, `expected a TfeError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, re);
    return true;
  });
}

/** sum_p a[i, p] * b[p, j] mod 2^64 in BigInt, for a[m x k], b[k x n] row-major. */
export function dotRef(a: BigUint64Array, b: BigUint64Array, k: number, n: number, i: number, j: number): bigint {
  let s = 0n;
  for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
  return BigInt.asUintN(64, s);
}

/** Runs `f` with the given ISA and thread count, restoring the previous ones after. */
export function withSettings<T>(k: NativeKernels, isa: ReturnType<NativeKernels['isa']>, threads: number, f: () => T): T {
  const [isa0, threads0] = [k.isa(), k.threads()];
  k.setIsa(isa);
  k.setThreads(threads);
  try {
    return f();
  } finally {
    k.setIsa(isa0);
    k.setThreads(threads0);
  }
}
