/** Fixed-point encoding: round to nearest, two's complement, range checked, decode inverts encode. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode, maxMagnitude } from '../../src/fixed/index.js';
import { TfeError } from '../../src/errors.js';

test('encode rounds to nearest and is two\'s complement', () => {
  const e = encode([0, 1, -1, 0.5, -0.5, 1.4999 / 65536, 1.5 / 65536, -2.5 / 65536], 16);
  assert.deepEqual([...e].map((v) => BigInt.asIntN(64, v)), [0n, 65536n, -65536n, 32768n, -32768n, 1n, 2n, -3n]);
});

test('encode/decode round trip within half an ulp, exactly for multiples of 2^-f', () => {
  const xs = [3.14159, -2.71828, 1234.5678, -0.0001, 2 ** 40 + 0.25, -(2 ** 46)];
  const back = decode(encode(xs, 16), 16);
  xs.forEach((x, i) => assert.ok(Math.abs(back[i] - x) <= 2 ** -17, `${x} -> ${back[i]}`));
  assert.equal(decode(encode([2 ** 46 + 0.5], 16), 16)[0], 2 ** 46 + 0.5);
});

test('values at the edge of the range encode exactly; beyond it is an E_RANGE error naming the element', () => {
  const f = 16;
  const edge = maxMagnitude(f) - 1; // 2^47 - 1, still representable
  assert.equal(BigInt.asIntN(64, encode([-maxMagnitude(f)], f)[0]), -(1n << 63n));
  assert.equal(BigInt.asIntN(64, encode([edge], f)[0]), BigInt(edge) << 16n);
  assert.throws(() => encode([0, maxMagnitude(f)], f, 'input'), (e: unknown) => e instanceof TfeError && e.code === 'E_RANGE' && /input\[1\]/.test(e.message));
  assert.throws(() => encode([Number.NaN], f), (e: unknown) => e instanceof TfeError && e.code === 'E_RANGE');
  assert.throws(() => encode([Infinity], f), TfeError);
  assert.throws(() => encode([1], 63), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG');
});

test('a different number of fractional bits scales accordingly', () => {
  assert.equal(BigInt.asIntN(64, encode([1.5], 8)[0]), 384n);
  assert.equal(decode(encode([-7.25], 20), 20)[0], -7.25);
});
