/**
 * The wasm engine's flat kernels (runtime/ring/wasm.ts over ring.wasm) against the
 * BigInt reference backend, exactly: every kernel on random data with edge values,
 * sizes that are not multiples of the SIMD width or the matmul blocks, inputs big
 * enough to grow wasm memory, aliasing, and argument errors; and module loading
 * (missing, corrupt or incomplete modules).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FlatKernels } from '../../runtime/ring/flat.js';
import { jsBackend } from '../../runtime/ring/js.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import { loadWasmKernelsFrom, wasmModulePath } from '../../runtime/ring/wasm.js';
import { assertSameData, assertTfeError, EDGES, kernels, randomRing, skipUnlessBuilt } from './helpers.js';

const M64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** Lengths around the 2-lane SIMD width plus one long odd length. */
const LENGTHS = [0, 1, 2, 3, 4, 5, 17, 1001];

type BinaryName = 'add' | 'sub' | 'mul' | 'and' | 'xor' | 'or';
const BINARY: readonly BinaryName[] = ['add', 'sub', 'mul', 'and', 'xor', 'or'];
type ShiftName = 'shr' | 'sar' | 'shl';
const SHIFTS: readonly ShiftName[] = ['shr', 'sar', 'shl'];
const SHIFT_AMOUNTS = [0, 1, 7, 31, 32, 33, 62, 63];

/** Direct BigInt product, for sizes where the generic jsBackend.matmul would be too slow. */
function bigintMatmul(a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number): BigUint64Array {
  const out = new BigUint64Array(m * n);
  const acc = new Array<bigint>(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0n);
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p];
      if (x === 0n) continue;
      for (let j = 0; j < n; j++) acc[j] += x * b[p * n + j];
    }
    for (let j = 0; j < n; j++) out[i * n + j] = M64(acc[j]);
  }
  return out;
}

describe('wasm flat kernels', { skip: skipUnlessBuilt }, () => {
  const k = kernels as FlatKernels;

  it('every edge value pair for the binary kernels', () => {
    const a = new BigUint64Array(EDGES.length * EDGES.length);
    const b = new BigUint64Array(a.length);
    EDGES.forEach((x, i) => EDGES.forEach((y, j) => {
      a[i * EDGES.length + j] = x;
      b[i * EDGES.length + j] = y;
    }));
    for (const name of BINARY) {
      const out = new BigUint64Array(a.length);
      k[name](a, b, out);
      const want = jsBackend[name](ringTensor([a.length], a), ringTensor([b.length], b));
      assertSameData(out, want.data, `${name} on edge pairs`);
    }
  });

  for (const name of BINARY) {
    it(`${name} matches the BigInt reference`, () => {
      for (const n of LENGTHS) {
        const a = randomRing(n);
        const b = randomRing(n);
        const out = new BigUint64Array(n);
        k[name](a, b, out);
        assertSameData(out, jsBackend[name](ringTensor([n], a), ringTensor([n], b)).data, `${name} n=${n}`);
      }
    });
  }

  it('neg and not match the BigInt reference', () => {
    for (const n of LENGTHS) {
      const a = randomRing(n);
      const out = new BigUint64Array(n);
      k.neg(a, out);
      assertSameData(out, jsBackend.neg(ringTensor([n], a)).data, `neg n=${n}`);
      k.not(a, out);
      assertSameData(out, jsBackend.not(ringTensor([n], a)).data, `not n=${n}`);
    }
  });

  it('shr, sar and shl match the BigInt reference for every kind of shift amount', () => {
    const a = randomRing(37);
    const t = ringTensor([37], a);
    for (const name of SHIFTS) {
      for (const s of SHIFT_AMOUNTS) {
        const out = new BigUint64Array(a.length);
        k[name](a, s, out);
        assertSameData(out, jsBackend[name](t, s).data, `${name} by ${s}`);
      }
    }
  });

  it('elementwise kernels may write over an input', () => {
    const a = randomRing(33);
    const b = randomRing(33);
    const want = jsBackend.mul(ringTensor([33], a), ringTensor([33], b)).data;
    const x = a.slice();
    k.mul(x, b, x);
    assertSameData(x, want, 'mul with out === a');
    const y = b.slice();
    k.mul(a, y, y);
    assertSameData(y, want, 'mul with out === b');
    const z = a.slice();
    k.sar(z, 5, z);
    assertSameData(z, jsBackend.sar(ringTensor([33], a), 5).data, 'sar with out === a');
  });

  it('kernels read subarray views at their offset', () => {
    const big = randomRing(40);
    const a = big.subarray(3, 20);
    const b = big.subarray(21, 38);
    const out = new BigUint64Array(17);
    k.add(a, b, out);
    assertSameData(out, jsBackend.add(ringTensor([17], a.slice()), ringTensor([17], b.slice())).data, 'add on views');
  });

  const SHAPES: readonly (readonly [number, number, number])[] = [
    [1, 1, 1], [1, 784, 128], [7, 13, 5], [33, 65, 17], [4, 4, 4], [5, 3, 9], [2, 1, 7], [1, 5, 3],
    // n = 1 takes the matrix-vector path; k around its 4-element steps
    [3, 8, 1], [9, 37, 1], [4, 2, 1], [2, 5, 1],
  ];
  for (const [m, kk, n] of SHAPES) {
    it(`matmul ${m}x${kk}x${n} matches the BigInt reference`, () => {
      const a = randomRing(m * kk);
      const b = randomRing(kk * n);
      const out = new BigUint64Array(m * n);
      k.matmul(a, b, out, m, kk, n);
      const want = jsBackend.matmul(ringTensor([m, kk], a), ringTensor([kk, n], b));
      assertSameData(out, want.data, `matmul ${m}x${kk}x${n}`);
    });
  }

  it('matmul across several depth and column panels, with leftover rows and columns', () => {
    // k > 128 and n > 256 exercise the panel loops; m % 4 and n % 4 the edge kernels
    const [m, kk, n] = [37, 300, 530];
    const a = randomRing(m * kk);
    const b = randomRing(kk * n);
    const out = new BigUint64Array(m * n);
    k.matmul(a, b, out, m, kk, n);
    assertSameData(out, bigintMatmul(a, b, m, kk, n), `matmul ${m}x${kk}x${n}`);
  });

  it('matmul of edge values only (products overflow every way)', () => {
    const [m, kk, n] = [6, 10, 7];
    const pick = (i: number): bigint => EDGES[(i * 7 + 3) % EDGES.length];
    const a = BigUint64Array.from({ length: m * kk }, (_, i) => pick(i));
    const b = BigUint64Array.from({ length: kk * n }, (_, i) => pick(i * 3 + 1));
    const out = new BigUint64Array(m * n);
    k.matmul(a, b, out, m, kk, n);
    assertSameData(out, jsBackend.matmul(ringTensor([m, kk], a), ringTensor([kk, n], b)).data, 'matmul of edges');
  });

  it('matmul with an empty dimension', () => {
    // run a product first so the arena holds stale data that k = 0 must not leak
    const warm = new BigUint64Array(9);
    k.matmul(randomRing(9), randomRing(9), warm, 3, 3, 3);
    const out = new BigUint64Array(6).fill(99n);
    k.matmul(new BigUint64Array(0), new BigUint64Array(0), out, 2, 0, 3);
    assertSameData(out, new BigUint64Array(6), 'matmul 2x0x3 is zero');
    k.matmul(new BigUint64Array(0), randomRing(12), new BigUint64Array(0), 0, 4, 3);
    k.matmul(randomRing(8), new BigUint64Array(0), new BigUint64Array(0), 2, 4, 0);
  });

  it('rowSum matches the BigInt reference', () => {
    for (const [rows, cols] of [[1, 1], [3, 1], [1, 7], [5, 4], [4, 33], [9, 128], [2, 0]] as const) {
      const a = randomRing(rows * cols);
      const out = new BigUint64Array(rows);
      k.rowSum(a, rows, cols, out);
      assertSameData(out, jsBackend.sum(ringTensor([rows, cols], a), [1]).data, `rowSum ${rows}x${cols}`);
    }
  });

  it('grows wasm memory for large inputs and keeps working after', () => {
    // 3 Mi elements = 24 MiB per operand, far past the initial 64 KiB of linear memory
    const n = 3 * 1024 * 1024 + 1;
    const a = randomRing(n);
    const b = randomRing(n);
    const out = new BigUint64Array(n);
    k.add(a, b, out);
    for (let i = 0; i < n; i += 997) assert.equal(out[i], M64(a[i] + b[i]), `big add at ${i}`);
    assert.equal(out[n - 1], M64(a[n - 1] + b[n - 1]));
    k.xor(a, b, out);
    for (let i = 0; i < n; i += 997) assert.equal(out[i], a[i] ^ b[i], `big xor at ${i}`);
    // a product whose operands and packing scratch need about 40 MiB
    const [m, kk, nn] = [1030, 1500, 1030];
    const x = randomRing(m * kk);
    const y = randomRing(kk * nn);
    const z = new BigUint64Array(m * nn);
    k.matmul(x, y, z, m, kk, nn);
    for (const [i, j] of [[0, 0], [m - 1, nn - 1], [517, 3], [1029, 514], [2, 1029]]) {
      let s = 0n;
      for (let p = 0; p < kk; p++) s += x[i * kk + p] * y[p * nn + j];
      assert.equal(z[i * nn + j], M64(s), `big matmul at (${i}, ${j})`);
    }
    // small calls after growth still see fresh views of memory
    const s = randomRing(5);
    const t = randomRing(5);
    const u = new BigUint64Array(5);
    k.sub(s, t, u);
    assertSameData(u, jsBackend.sub(ringTensor([5], s), ringTensor([5], t)).data, 'sub after growth');
  });

  it('threads: a single thread, whatever is requested', () => {
    k.setThreads(4);
    assert.equal(k.threads(), 1);
    k.setThreads(1);
    assertTfeError(() => k.setThreads(0), 'E_ARG', /thread count 0/);
  });

  it('rejects bad arguments with E_ARG before running', () => {
    const a6 = randomRing(6);
    assertTfeError(() => k.matmul(a6, randomRing(6), new BigUint64Array(4), 2, 4, 2), 'E_ARG', /matmul: a has 6 elements, expected m\*k = 2\*4 = 8/);
    assertTfeError(() => k.matmul(randomRing(8), a6, new BigUint64Array(4), 2, 4, 2), 'E_ARG', /matmul: b has 6 elements, expected k\*n = 4\*2 = 8/);
    assertTfeError(() => k.matmul(randomRing(8), randomRing(8), new BigUint64Array(3), 2, 4, 2), 'E_ARG', /out has 3 elements, expected m\*n/);
    assertTfeError(() => k.matmul(a6, a6, new BigUint64Array(9), -3, -2, -3), 'E_ARG', /m = -3 is not a non-negative integer/);
    assertTfeError(() => k.matmul(a6, a6, new BigUint64Array(4), 2.5, 2, 2), 'E_ARG', /m = 2.5/);
    assertTfeError(() => k.add(a6, randomRing(5), new BigUint64Array(6)), 'E_ARG', /add: operand lengths differ \(a 6, b 5, out 6\)/);
    assertTfeError(() => k.xor(a6, a6, new BigUint64Array(7)), 'E_ARG', /xor: operand lengths differ/);
    assertTfeError(() => k.neg(a6, new BigUint64Array(2)), 'E_ARG', /neg: operand lengths differ/);
    assertTfeError(() => k.shl(a6, 64, new BigUint64Array(6)), 'E_ARG', /shl: shift amount 64 outside 0\.\.63/);
    assertTfeError(() => k.sar(a6, -1, new BigUint64Array(6)), 'E_ARG', /shift amount -1/);
    assertTfeError(() => k.rowSum(a6, 4, 2, new BigUint64Array(4)), 'E_ARG', /rowSum: a has 6 elements, expected rows\*cols = 4\*2 = 8/);
    assertTfeError(() => k.rowSum(a6, 3, 2, new BigUint64Array(2)), 'E_ARG', /rowSum: out has 2 elements, expected rows = 3/);
    const notRing = new Float64Array(6) as unknown as BigUint64Array;
    assertTfeError(() => k.add(notRing, a6, new BigUint64Array(6)), 'E_ARG', /a must be a BigUint64Array/);
    // the engine still works after refusing
    const out = new BigUint64Array(6);
    k.add(a6, a6, out);
    assertSameData(out, jsBackend.add(ringTensor([6], a6), ringTensor([6], a6)).data, 'add after errors');
  });
});

describe('wasm module loading', () => {
  it('reports a missing module as unavailable, not as an error', () => {
    assert.equal(loadWasmKernelsFrom(join(tmpdir(), `tfe-no-such-${randomBytes(6).toString('hex')}.wasm`)), undefined);
  });

  it('finds the module under the package root', () => {
    assert.match(wasmModulePath() ?? '', /runtime[/\\]ring[/\\]wasm[/\\]build[/\\]ring\.wasm$/);
  });

  it('rejects a corrupt module or one without the kernels with E_BACKEND', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfe-wasm-'));
    try {
      const junk = join(dir, 'junk.wasm');
      writeFileSync(junk, randomBytes(64));
      assertTfeError(() => loadWasmKernelsFrom(junk), 'E_BACKEND', /cannot instantiate the wasm ring module/);
      const empty = join(dir, 'empty.wasm');
      writeFileSync(empty, Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])); // header only: no exports
      assertTfeError(() => loadWasmKernelsFrom(empty), 'E_BACKEND', /lacks export\(s\) memory, heapBase, add/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
