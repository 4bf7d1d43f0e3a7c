/** Test inputs from node:crypto: uniform ring tensors and signed fixed-point-range values. */
import { randomBytes, randomInt } from 'node:crypto';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../runtime/ring/tensor.js';

export function uniformRing(shape: Shape): RingTensor {
  const n = sizeOf(shape);
  const out = new BigUint64Array(n);
  new Uint8Array(out.buffer).set(randomBytes(8 * n));
  return ringTensor(shape, out);
}

/** Uniform signed values in [-2^bits, 2^bits), as ring elements. */
export function signedRing(shape: Shape, bits: number): RingTensor {
  const t = uniformRing(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = BigInt.asUintN(64, BigInt.asIntN(64, t.data[i]) >> BigInt(63 - bits));
  return t;
}

/** Uniform integers in [lo, hi) as ring elements (two's complement). */
export function intRing(shape: Shape, lo: number, hi: number): RingTensor {
  const n = sizeOf(shape);
  const out = new BigUint64Array(n);
  for (let i = 0; i < n; i++) out[i] = BigInt.asUintN(64, BigInt(randomInt(lo, hi)));
  return ringTensor(shape, out);
}

/** Ring edge values: 0, 1, 2^63, 2^64-1, 2^63-1, and a few more. */
export const EDGE_VALUES: readonly bigint[] = [0n, 1n, 2n, 1n << 63n, (1n << 64n) - 1n, (1n << 63n) - 1n, (1n << 63n) + 1n, (1n << 32n) - 1n, 1n << 32n];
