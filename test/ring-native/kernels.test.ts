/**
 * The native engine's flat kernels against the BigInt reference (runtime/ring/js.ts),
 * on every code path this CPU can run (avx2, portable and the AVX-512 source built
 * for the baseline ISA here; avx512 too on a machine that has it): elementwise ops
 * and shifts with edge values, matmul at sizes that are not multiples of any block
 * size, products above the thread threshold with 1, 2 and 3 threads (identical
 * results, spot-checked in BigInt), row sums, and argument checking.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsBackend } from '../../runtime/ring/js.js';
import type { NativeIsa } from '../../runtime/ring/native.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import {
  assertSameData, assertTfeError, dotRef, kernels, native, randomIndex, randomRing, skipUnlessBuilt, withSettings,
} from './helpers.js';

type BinaryName = 'add' | 'sub' | 'mul' | 'and' | 'xor' | 'or';
const BINARY: readonly BinaryName[] = ['add', 'sub', 'mul', 'and', 'xor', 'or'];
type ShiftName = 'shr' | 'sar' | 'shl';
const SHIFTS: readonly ShiftName[] = ['shr', 'sar', 'shl'];

// 0 and 1, ragged tails around the 8-element loop block, and 70001: above the
// 2^16-element threshold where elementwise kernels use the thread pool.
const ELEMENTWISE_SIZES = [0, 1, 7, 8, 9, 1000, 70001];

// Odd shapes: 1x1x1, the MNIST dense layer, sizes off every tile (2x8, 4x4, 8x16), k past
// one k-block (256 or 512; 784 spans several), m past one row block (96/128), n past one column panel
// (1024), and n = 1 (the matrix-vector kernel).
const MATMUL_SIZES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [1, 784, 128], [7, 13, 5], [33, 65, 17], [4, 8, 8], [8, 16, 16], [9, 257, 17], [5, 600, 3],
  [130, 3, 5], [2, 3, 1030], [3, 0, 4], [0, 5, 3], [4, 5, 0], [37, 300, 1], [5, 0, 1],
];

// Above the 2^18 multiply-add threshold: row split (ragged), column split (m below
// one row block), a wide-k product, and n past one 1024-column panel (the shared
// packed B then holds two column blocks), and a threaded matrix-vector product.
const THREADED_SIZES: readonly (readonly [number, number, number])[] = [
  [67, 300, 45], [2, 512, 600], [128, 784, 128], [17, 300, 1100], [1000, 301, 1],
];

const isas: readonly NativeIsa[] = native ? native.isas() : [];

describe('native flat kernels', { skip: skipUnlessBuilt }, () => {
  for (const isa of isas) {
    describe(`isa ${isa}`, () => {
      test('binary elementwise ops match the reference', () => {
        const k = kernels();
        withSettings(k, isa, 2, () => {
          for (const n of ELEMENTWISE_SIZES) {
            const a = randomRing(n);
            const b = randomRing(n);
            for (const op of BINARY) {
              const out = new BigUint64Array(n);
              k[op](a, b, out);
              const want = jsBackend[op](ringTensor([n], a), ringTensor([n], b)).data;
              assertSameData(out, want, `${isa} ${op} n=${n}`);
            }
          }
        });
      });

      test('elementwise ops may write in place', () => {
        const k = kernels();
        withSettings(k, isa, 2, () => {
          for (const n of [9, 70001]) {
            const a = randomRing(n);
            const b = randomRing(n);
            const want = jsBackend.mul(ringTensor([n], a), ringTensor([n], b)).data;
            const wantSq = jsBackend.mul(ringTensor([n], b), ringTensor([n], b)).data;
            const wantNeg = jsBackend.neg(ringTensor([n], a)).data;
            const a2 = a.slice();
            k.mul(a2, b, a2);
            assertSameData(a2, want, `${isa} mul in place (out = a) n=${n}`);
            const b2 = b.slice();
            k.mul(b2, b2, b2);
            assertSameData(b2, wantSq, `${isa} mul in place (out = a = b) n=${n}`);
            const a3 = a.slice();
            k.neg(a3, a3);
            assertSameData(a3, wantNeg, `${isa} neg in place n=${n}`);
          }
        });
      });

      test('neg, not and every shift amount match the reference', () => {
        const k = kernels();
        withSettings(k, isa, 2, () => {
          const a = randomRing(37);
          const t = ringTensor([37], a);
          for (const op of ['neg', 'not'] as const) {
            const out = new BigUint64Array(a.length);
            k[op](a, out);
            assertSameData(out, jsBackend[op](t).data, `${isa} ${op}`);
          }
          for (let s = 0; s < 64; s++) {
            for (const op of SHIFTS) {
              const out = new BigUint64Array(a.length);
              k[op](a, s, out);
              assertSameData(out, jsBackend[op](t, s).data, `${isa} ${op} by ${s}`);
            }
          }
          const big = randomRing(70001);
          const s = 1 + randomIndex(62);
          for (const op of SHIFTS) {
            const out = new BigUint64Array(big.length);
            k[op](big, s, out);
            assertSameData(out, jsBackend[op](ringTensor([big.length], big), s).data, `${isa} ${op} by ${s}, threaded`);
          }
        });
      });

      test('matmul at odd sizes matches the reference', () => {
        const k = kernels();
        withSettings(k, isa, 1, () => {
          for (const [m, kk, n] of MATMUL_SIZES) {
            const a = randomRing(m * kk);
            const b = randomRing(kk * n);
            const out = new BigUint64Array(m * n).fill(0xdeadn);
            k.matmul(a, b, out, m, kk, n);
            const want = jsBackend.matmul(ringTensor([m, kk], a), ringTensor([kk, n], b)).data;
            assertSameData(out, want, `${isa} matmul ${m}x${kk}x${n}`);
          }
        });
      });

      test('matmul above the thread threshold: identical for 1, 2 and 3 threads, and exact', () => {
        const k = kernels();
        for (const [m, kk, n] of THREADED_SIZES) {
          const a = randomRing(m * kk);
          const b = randomRing(kk * n);
          const results = [1, 2, 3].map((threads) =>
            withSettings(k, isa, threads, () => {
              const out = new BigUint64Array(m * n);
              k.matmul(a, b, out, m, kk, n);
              return out;
            }));
          assertSameData(results[1], results[0], `${isa} matmul ${m}x${kk}x${n}, 2 threads vs 1`);
          assertSameData(results[2], results[0], `${isa} matmul ${m}x${kk}x${n}, 3 threads vs 1`);
          for (let s = 0; s < 48; s++) {
            const i = randomIndex(m);
            const j = randomIndex(n);
            assert.equal(results[0][i * n + j], dotRef(a, b, kk, n, i, j), `${isa} matmul ${m}x${kk}x${n} at (${i}, ${j})`);
          }
          for (const j of [0, n - 1]) {
            for (const i of [0, m - 1]) assert.equal(results[1][i * n + j], dotRef(a, b, kk, n, i, j), `${isa} corner (${i}, ${j})`);
          }
        }
      });

      test('rowSum matches the reference, threaded by rows and by columns', () => {
        const k = kernels();
        for (const [rows, cols] of [[5, 7], [0, 3], [3, 0], [1, 1], [3, 30000], [1, 100003], [70001, 2]] as const) {
          const a = randomRing(rows * cols);
          const want = jsBackend.sum(ringTensor([rows, cols], a), [1]).data;
          for (const threads of [1, 2, 3]) {
            withSettings(k, isa, threads, () => {
              const out = new BigUint64Array(rows).fill(7n);
              k.rowSum(a, rows, cols, out);
              assertSameData(out, want, `${isa} rowSum ${rows}x${cols}, ${threads} threads`);
            });
          }
        }
      });
    });
  }

  test('every code path gives the same product as the portable one', () => {
    const k = kernels();
    const [m, kk, n] = [45, 520, 70];
    const a = randomRing(m * kk);
    const b = randomRing(kk * n);
    const run = (isa: NativeIsa): BigUint64Array => withSettings(k, isa, 2, () => {
      const out = new BigUint64Array(m * n);
      k.matmul(a, b, out, m, kk, n);
      return out;
    });
    const base = run('portable');
    for (const isa of isas) assertSameData(run(isa), base, `${isa} vs portable`);
  });

  test('misuse throws a TfeError and never touches memory', () => {
    const k = kernels();
    const a = randomRing(6);
    const out = new BigUint64Array(6);
    assertTfeError(() => k.add(a, new BigUint64Array(5), out), 'E_SHAPE', /add: lengths differ/);
    assertTfeError(() => k.add(a, new BigInt64Array(6) as unknown as BigUint64Array, out), 'E_ARG', /b must be a BigUint64Array, got a BigInt64Array/);
    assertTfeError(() => k.mul(a, new Float64Array(6) as unknown as BigUint64Array, out), 'E_ARG', /got a Float64Array/);
    assertTfeError(() => k.neg([1n, 2n] as unknown as BigUint64Array, out), 'E_ARG', /a must be a BigUint64Array/);
    assertTfeError(() => k.shr(a, 64, out), 'E_ARG', /outside 0\.\.63/);
    assertTfeError(() => k.shl(a, -1, out), 'E_ARG', /non-negative integer/);
    assertTfeError(() => k.sar(a, 1.5, out), 'E_ARG', /non-negative integer/);
    assertTfeError(() => k.matmul(a, a, out, 2, 3, 3), 'E_SHAPE', /b of 3 x 3/);
    assertTfeError(() => k.matmul(a, a, out, 2, 3, Number.NaN), 'E_ARG', /n must be a non-negative integer/);
    assertTfeError(() => k.matmul(a, a, new BigUint64Array(5), 2, 3, 2), 'E_SHAPE', /matmul/);
    assertTfeError(() => k.matmul(a.subarray(0, 4), a.subarray(2, 6), a.subarray(2, 6), 2, 2, 2), 'E_ARG', /must not overlap/);
    // partial overlap (out shifted by one element against a) is refused; exact aliasing is fine
    const buf = randomRing(10);
    assertTfeError(() => k.add(buf.subarray(0, 9), buf.subarray(0, 9), buf.subarray(1, 10)), 'E_ARG', /partially overlaps/);
    assertTfeError(() => k.rowSum(a, 2, 3, new BigUint64Array(3)), 'E_SHAPE', /rowSum/);
    assertTfeError(() => k.rowSum(a, 2, 3, a.subarray(0, 2)), 'E_ARG', /must not overlap/);
    assertTfeError(() => k.setThreads(0), 'E_ARG', /outside 1\.\.1024/);
    assertTfeError(() => k.setIsa('sse9' as NativeIsa), 'E_ARG', /unknown ring ISA 'sse9'/);
    const missing = (['avx512', 'avx2'] as const).filter((x) => !isas.includes(x));
    for (const isa of missing) assertTfeError(() => k.setIsa(isa), 'E_BACKEND', /does not support/);
    // a detached buffer reads as empty: a length error, not a crash
    const d = randomRing(6);
    const detached = d.buffer as ArrayBuffer;
    structuredClone(detached, { transfer: [detached] });
    assert.equal(d.length, 0, 'the test array is detached');
    assertTfeError(() => k.add(d, a, out), 'E_SHAPE', /lengths differ/);
    assert.deepEqual([...out], [0n, 0n, 0n, 0n, 0n, 0n]);
  });
});
