/**
 * DCF keys (runtime/protocols/pond/fss/dcf.ts) against the function they share,
 * computed directly with BigInt: Eval_0(x) + Eval_1(x) = beta if x < alpha else 0,
 * exhaustively over small domains (every alpha and x), and on random and edge points
 * of the 63-bit domain the comparison uses. Also: one key alone does not equal the
 * output (the shares are not the value in the clear), and a tampered correction word
 * breaks correctness (the test can fail).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { dcfEval, dcfGen, dcfKeyWords, type DcfShape } from '../../runtime/protocols/pond/fss/dcf.js';

const M = (1n << 64n) - 1n;

function words(n: number): BigUint64Array {
  return new BigUint64Array(randomBytes(8 * n).buffer);
}

/** Generates and evaluates keys for pairs (alpha_e, x_e); returns the reconstructed outputs. */
function run(bits: number, k: number, alpha: bigint[], x: bigint[], beta: BigUint64Array): { sum: bigint[]; s0: bigint[] } {
  const s: DcfShape = { bits, outWords: k, count: alpha.length };
  const roots: [BigUint64Array, BigUint64Array] = [words(2 * s.count), words(2 * s.count)];
  const key = dcfGen(s, BigUint64Array.from(alpha), beta, roots);
  assert.equal(key.length, s.count * dcfKeyWords(bits, k));
  const xs = BigUint64Array.from(x);
  const y0 = dcfEval(0, s, roots[0], key, xs);
  const y1 = dcfEval(1, s, roots[1], key, xs);
  return { sum: [...y0].map((v, i) => (v + y1[i]) & M), s0: [...y0] };
}

function expected(alpha: bigint[], x: bigint[], beta: BigUint64Array, k: number): bigint[] {
  const out: bigint[] = [];
  alpha.forEach((a, e) => {
    for (let q = 0; q < k; q++) out.push(x[e] < a ? beta[e * k + q] : 0n);
  });
  return out;
}

describe('DCF (Boyle et al. 2021) vs the comparison it shares', () => {
  for (const [bits, k] of [[1, 1], [3, 1], [5, 2], [6, 3]] as const) {
    test(`exhaustive: every alpha and x over ${bits} bits, ${k} output words`, () => {
      const alpha: bigint[] = [];
      const x: bigint[] = [];
      for (let a = 0; a < 2 ** bits; a++) for (let v = 0; v < 2 ** bits; v++) {
        alpha.push(BigInt(a));
        x.push(BigInt(v));
      }
      const beta = words(alpha.length * k);
      const { sum } = run(bits, k, alpha, x, beta);
      assert.deepEqual(sum, expected(alpha, x, beta, k));
    });
  }

  test('63 bits: random points and edges (0, 1, 2^63 - 1, alpha - 1, alpha, alpha + 1, shared prefixes)', () => {
    const top = (1n << 63n) - 1n;
    const alpha: bigint[] = [];
    const x: bigint[] = [];
    const rnd = (): bigint => words(1)[0] & top;
    const edges = [0n, 1n, 2n, top - 1n, top, 1n << 62n, (1n << 62n) - 1n];
    for (const a of edges) for (const v of edges) {
      alpha.push(a);
      x.push(v);
    }
    for (let i = 0; i < 3000; i++) {
      const a = rnd();
      alpha.push(a, a, a, a, a);
      // x equal to alpha, one off, sharing a long prefix with alpha, independent
      x.push(a, (a + 1n) & top, (a - 1n) & top, a ^ (1n << BigInt(i % 63)), rnd());
    }
    const beta = words(alpha.length * 2);
    const { sum, s0 } = run(63, 2, alpha, x, beta);
    assert.deepEqual(sum, expected(alpha, x, beta, 2));
    // a single key's output is not the value: it differs from f(x) nearly everywhere
    const want = expected(alpha, x, beta, 2);
    assert.ok(s0.filter((v, i) => v === want[i]).length < 5);
  });

  test('a tampered correction word gives wrong outputs (the check can fail)', () => {
    const s: DcfShape = { bits: 8, outWords: 1, count: 256 };
    const roots: [BigUint64Array, BigUint64Array] = [words(512), words(512)];
    const alpha = new BigUint64Array(256).fill(100n);
    const beta = new BigUint64Array(256).fill(1n);
    const key = dcfGen(s, alpha, beta, roots);
    for (let e = 0; e < 256; e++) key[2 * (4 * 256 + e)] ^= 1n << 7n; // the seed corrections of level 4
    const xs = BigUint64Array.from({ length: 256 }, (_, i) => BigInt(i));
    const y0 = dcfEval(0, s, roots[0], key, xs);
    const y1 = dcfEval(1, s, roots[1], key, xs);
    const got = [...y0].map((v, i) => (v + y1[i]) & M);
    assert.notDeepEqual(got, [...xs].map((v) => (v < 100n ? 1n : 0n)));
  });
});
