/**
 * The comparison's bit-plane kernels and compareMul against independent references:
 *  - the 64x64 transpose against a bit-by-bit BigInt transposition;
 *  - the carry tree, run on both servers' XOR shares (simulated openings, dealer
 *    triples), against the BigInt comparison [x >= 0] for random x and the edges
 *    0, -1, 1, 2^63 - 1, -2^63, with the TypeScript kernels and with the native ones,
 *    which must write word for word the same buffers;
 *  - compareMul over lockstep parties (dealer, both servers) against BigInt: b and
 *    b * y for random payloads, on the ring backend of the suite and on wasm / js
 *    (the TypeScript kernels), for sizes not a multiple of 64;
 *  - the bit injection, native and by ring ops, equal, and against BigInt.
 * Exact results: tolerance 0.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CARRY_GROUPS, CARRY_TREE, carryLevel, compareCost } from '../../src/protocols/pond.js';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { levelProducts, planeWords, STATE_PLANES, toPlanes, transpose32, TS_PLANE_KERNELS, unpackBits, type PlaneKernels } from '../../runtime/protocols/pond/bitplanes.js';
import { nativePlaneKernels, planeKernelsFor } from '../../runtime/protocols/pond/bitplanes-native.js';
import { compareMul } from '../../runtime/protocols/pond/compare.js';
import { nativeInjector, ringInjector } from '../../runtime/protocols/pond/inject.js';
import { secret } from '../../runtime/protocols/types.js';
import { tryBackend } from '../../runtime/ring/index.js';
import { jsBackend } from '../../runtime/ring/js.js';
import { ringTensor, type RingTensor } from '../../runtime/ring/tensor.js';
import { testBackend } from '../support/backend.js';

const MASK = (1n << 64n) - 1n;
const EDGES = [0n, MASK, 1n, (1n << 63n) - 1n, 1n << 63n, 2n, MASK - 1n, (1n << 63n) + 1n];

function rand(n: number): BigUint64Array {
  const b = randomBytes(8 * n);
  return new BigUint64Array(b.buffer, b.byteOffset, n).slice();
}

function withEdges(n: number): BigUint64Array {
  const x = rand(n);
  EDGES.forEach((v, i) => {
    if (i < n) x[i] = v;
  });
  // small magnitudes around 0 too
  for (let i = EDGES.length; i < Math.min(n, EDGES.length + 16); i++) x[i] = BigInt.asUintN(64, BigInt(i - EDGES.length - 8));
  return x;
}

const geq0 = (v: bigint): bigint => (BigInt.asIntN(64, v) >= 0n ? 1n : 0n);

describe('bit planes', () => {
  test('transpose32 transposes a 32x32 bit matrix', () => {
    const A = new Uint32Array(rand(16).buffer);
    const before = A.slice();
    transpose32(A);
    for (let i = 0; i < 32; i++) for (let k = 0; k < 32; k++) assert.equal((A[i] >>> k) & 1, (before[k] >>> i) & 1, `row ${i} bit ${k}`);
  });

  for (const n of [1, 63, 64, 65, 200]) {
    test(`toPlanes and the native transpose: bit i of element e at plane i, word e/64, bit e%64 (n = ${n})`, () => {
      const x = withEdges(n);
      const W = planeWords(n);
      const p = toPlanes(x);
      assert.equal(p.length, 64 * W);
      for (let i = 0; i < 64; i++) {
        for (let w = 0; w < W; w++) {
          let want = 0n;
          for (let k = 0; k < 64 && 64 * w + k < n; k++) want |= ((x[64 * w + k] >> BigInt(i)) & 1n) << BigInt(k);
          assert.equal(p[i * W + w], want, `plane ${i} word ${w}`);
        }
      }
      const nk = nativePlaneKernels();
      if (nk) {
        const q = new BigUint64Array(64 * W).fill(MASK); // garbage: every word must be written
        nk.transpose(x, q);
        assert.deepEqual(q, p);
      }
    });
  }
});

/** Both servers' side of the carry tree with kernels k, from x; returns the opened plane of [x >= 0] ^ s and every buffer written. */
function simulate(k: PlaneKernels, x: BigUint64Array, fixed: { r: BigUint64Array; r0: BigUint64Array; s: BigUint64Array; s0: BigUint64Array; triples: { a: BigUint64Array[]; b: BigUint64Array[]; c: BigUint64Array[] }[] }): { e: BigUint64Array; trace: BigUint64Array[] } {
  const n = x.length;
  const W = planeWords(n);
  const c = x.map((v, i) => BigInt.asUintN(64, v + fixed.r[i]));
  const rP = toPlanes(fixed.r);
  const rShare = [fixed.r0, rP.map((v, i) => v ^ fixed.r0[i])];
  const trace: BigUint64Array[] = [];
  const state = [0, 1].map(() => new BigUint64Array(STATE_PLANES * W));
  let mine = [0, 1].map((i) => {
    const out = new BigUint64Array(carryLevel(CARRY_GROUPS).opened * W);
    const t = fixed.triples[0];
    k.init(c, rShare[i], i === 0, state[i], t.a[i], t.b[i], out);
    return out;
  });
  trace.push(...state.map((s) => s.slice()), ...mine);
  CARRY_TREE.forEach((g, l) => {
    const t = fixed.triples[l];
    const nt = fixed.triples[l + 1];
    const outs = [0, 1].map((i) => {
      const out = nt ? new BigUint64Array(carryLevel(CARRY_TREE[l + 1]).opened * W) : new BigUint64Array(0);
      const e = new BigUint64Array(0);
      k.level(g, state[i], mine[i], mine[1 - i], t.a[i], t.b[i], t.c[i], i === 0, nt ? nt.a[i] : e, nt ? nt.b[i] : e, out);
      return out;
    });
    mine = outs;
    trace.push(...state.map((s) => s.slice()), ...mine);
  });
  const sShare = [fixed.s0, fixed.s.map((v, i) => v ^ fixed.s0[i])];
  const es = [0, 1].map((i) => {
    const out = new BigUint64Array(W);
    k.final(state[i], i === 0, sShare[i], out);
    return out;
  });
  trace.push(...es);
  return { e: es[0].map((v, i) => v ^ es[1][i] ^ fixed.s[i]), trace };
}

function material(n: number): Parameters<typeof simulate>[2] {
  const W = planeWords(n);
  const share = (v: BigUint64Array): BigUint64Array[] => {
    const v0 = rand(v.length);
    return [v0, v.map((w, i) => w ^ v0[i])];
  };
  return {
    r: rand(n),
    r0: rand(64 * W),
    s: rand(W),
    s0: rand(W),
    triples: CARRY_TREE.map((g) => {
      const { pairs, ands } = carryLevel(g);
      const a = rand(pairs * W);
      const b = rand(ands * W);
      const c = levelProducts(g, a, b);
      return { a: share(a), b: share(b), c: share(c) };
    }),
  };
}

describe('carry tree on shares', () => {
  const kernels: PlaneKernels[] = [TS_PLANE_KERNELS];
  const nk = nativePlaneKernels();
  if (nk) kernels.push(nk);
  for (const k of kernels) {
    for (const n of [1, 64, 100, 1000]) {
      test(`${k.name} kernels: [x >= 0] equals the BigInt comparison (n = ${n}, edges and random x)`, () => {
        const x = withEdges(n);
        const { e } = simulate(k, x, material(n));
        const b = unpackBits(e, [n]).data;
        for (let i = 0; i < n; i++) assert.equal(b[i], geq0(x[i]), `x = ${BigInt.asIntN(64, x[i])}`);
      });
    }
  }
  test('native and TypeScript kernels write the same words (random inputs)', (t) => {
    if (!nk) return t.skip('the native addon is not built');
    for (const n of [1, 63, 64, 129, 777]) {
      const x = rand(n);
      const mat = material(n);
      const a = simulate(TS_PLANE_KERNELS, x, mat);
      const b = simulate(nk, x, mat);
      assert.equal(a.trace.length, b.trace.length);
      a.trace.forEach((buf, i) => assert.deepEqual(b.trace[i], buf, `buffer ${i} (n = ${n})`));
    }
  });
  test('the kernels refuse buffers of the wrong size', () => {
    for (const k of kernels) {
      const W = 2;
      const st = new BigUint64Array(STATE_PLANES * W);
      assert.throws(() => k.init(new BigUint64Array(100), new BigUint64Array(64 * W), true, st, new BigUint64Array(31 * W), new BigUint64Array(61 * W), new BigUint64Array(91 * W)), /compare|out/);
      assert.throws(() => k.final(st, true, new BigUint64Array(W + 1), new BigUint64Array(W)), /s|length|words/);
      assert.throws(() => k.level(64, st, new BigUint64Array(0), new BigUint64Array(0), new BigUint64Array(0), new BigUint64Array(0), new BigUint64Array(0), true, new BigUint64Array(0), new BigUint64Array(0), new BigUint64Array(0)), /groups/);
    }
  });
});

describe('compareMul over lockstep parties', () => {
  const rings = [testBackend(), tryBackend('wasm') ?? jsBackend];
  for (const ring of rings) {
    for (const n of [1, 70, 300]) {
      test(`${ring.name} backend (${planeKernelsFor(ring).name} kernels): b, b * y and b * x equal BigInt (n = ${n}), cost as declared`, async () => {
        const x = withEdges(n);
        const y = rand(n);
        const x0 = rand(n);
        const y0 = rand(n);
        const share = (v: BigUint64Array, v0: BigUint64Array, s0: boolean): RingTensor => ringTensor([n], s0 ? v0 : v.map((w, i) => BigInt.asUintN(64, w - v0[i])));
        const dep = await LockstepParties.create({ ring });
        // payloads: y, and x itself (the same operand: no opening of its own)
        const { results, stats } = await dep.run(async (ctx) => {
          const server = ctx.role === 'server0' || ctx.role === 'server1';
          const s0 = ctx.role === 'server0';
          const xs = secret([n], server ? share(x, x0, s0) : undefined);
          const r = await compareMul(ctx, xs, [secret([n], server ? share(y, y0, s0) : undefined), xs]);
          return server ? [r.b.share as RingTensor, r.products[0].share as RingTensor, r.products[1].share as RingTensor] : undefined;
        });
        dep.close();
        const a = results.get('server0');
        const b = results.get('server1');
        assert.ok(a && b);
        for (let i = 0; i < n; i++) {
          const bit = BigInt.asUintN(64, a[0].data[i] + b[0].data[i]);
          assert.equal(bit, geq0(x[i]), `b at x = ${BigInt.asIntN(64, x[i])}`);
          assert.equal(BigInt.asUintN(64, a[1].data[i] + b[1].data[i]), bit * y[i], `b * y at ${i}`);
          assert.equal(BigInt.asUintN(64, a[2].data[i] + b[2].data[i]), bit * x[i], `b * x at ${i}`);
        }
        const cost = compareCost(n, 2, 1);
        assert.equal(stats.rounds, cost.rounds);
        assert.equal(stats.bytes.server0, cost.bytes.server0);
        assert.equal(stats.bytes.server1, cost.bytes.server1);
        assert.equal(stats.dealerBytes, cost.dealerBytes);
      });
    }
  }
});

describe('bit injection', () => {
  const ni = nativeInjector();
  test('native and ring-op injection give the same shares (random inputs, n not a multiple of 64)', (t) => {
    if (!ni) return t.skip('the native addon is not built');
    const ring = testBackend();
    const ri = ringInjector(ring);
    for (const n of [1, 65, 1000]) {
      const shape = [n];
      const e = rand(planeWords(n));
      const [y, ya, s, as] = [rand(n), rand(n), rand(n), rand(n)].map((d) => ringTensor(shape, d));
      for (const s0 of [true, false]) assert.deepEqual(ni.bit(e, shape, s0, s).data, ri.bit(e, shape, s0, s).data, `bit n = ${n} s0 = ${s0}`);
      assert.deepEqual(ni.product(e, shape, y, ya, s, as).data, ri.product(e, shape, y, ya, s, as).data, `product n = ${n}`);
    }
  });
  test('ring-op injection against BigInt: e ? [s0] - s : s and e ? y - (ya s + as) : ya s + as', () => {
    const ri = ringInjector(jsBackend);
    const n = 130;
    const shape = [n];
    const e = rand(planeWords(n));
    const [y, ya, s, as] = [rand(n), rand(n), rand(n), rand(n)].map((d) => ringTensor(shape, d));
    const bit = (k: number): boolean => ((e[k >> 6] >> BigInt(k & 63)) & 1n) === 1n;
    const b0 = ri.bit(e, shape, true, s).data;
    const p = ri.product(e, shape, y, ya, s, as).data;
    for (let k = 0; k < n; k++) {
      assert.equal(b0[k], bit(k) ? BigInt.asUintN(64, 1n - s.data[k]) : s.data[k]);
      const ys = BigInt.asUintN(64, ya.data[k] * s.data[k] + as.data[k]);
      assert.equal(p[k], bit(k) ? BigInt.asUintN(64, y.data[k] - ys) : ys);
    }
  });
  test('the native injection refuses arrays of the wrong size', (t) => {
    if (!ni) return t.skip('the native addon is not built');
    const s = ringTensor([100], new BigUint64Array(100));
    assert.throws(() => ni.bit(new BigUint64Array(1), [100], true, s), /e has 1 words, expected 2/);
  });
});
