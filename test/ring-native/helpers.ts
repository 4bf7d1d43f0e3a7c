/**
 * Shared helpers for the native ring engine tests: the kernels under test
 * (undefined when the addon is not built, so the suites skip with a message),
 * random ring data from node:crypto seasoned with edge values, exact comparison,
 * and a BigInt dot product for spot checks of products too large for the
 * reference backend.
 */
import { randomBytes } from 'node:crypto';
import { loadNativeKernels, nativeLoadError, type NativeKernels } from '../../runtime/ring/native.js';

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

export { EDGES, assertSameData, assertSameTensor, assertTfeError, randomRing, randomTensor } from '../support/ring-check.js';

/** A uniformly random integer in [0, n). */
export function randomIndex(n: number): number {
  return randomBytes(4).readUInt32LE(0) % n;
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
