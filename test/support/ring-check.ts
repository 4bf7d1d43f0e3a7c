/**
 * Shared checks of the ring engine tests (native and wasm): random ring data with the
 * edge values mixed in (from node:crypto), exact comparisons that name the first
 * differing element, and TfeError assertions.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TfeError } from '../../src/errors.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../runtime/ring/tensor.js';

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
