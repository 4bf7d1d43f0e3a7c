/**
 * poly_s: p(x) = sum_k c_k x^k for public real coefficients attrs.coeffs = [c_0, ..., c_d]
 * (d >= 1) on a secret x of scale attrs.fracBits = f; the result has scale f.
 * Powers are built level by level (x^(h+1..2h) = x^h * x^(1..h)), each level one
 * batched Beaver product and one batched truncation; then sum_{k>=1} enc_f(c_k) x^k
 * + enc_2f(c_0) (scale 2f) is truncated once. Rounds: 2 ceil(log2 d) + 1.
 * Error against p evaluated exactly at the input (in ulps, 1 ulp = 2^-f), for |x| <= B:
 * each truncation adds at most 1, a product of two computed powers carries their
 * errors scaled by the other factor, and each coefficient's encoding error 2^-(f+1)
 * is scaled by |x|^k. polyErrorUlps(coeffs, B) computes the resulting bound; it is
 * dominated by sum_k B^k / 2 for large B. The approximation error of the polynomial
 * itself is the compiler's to state (it chooses the coefficients and the range).
 */
import { TfeError } from '../../../src/errors.js';
import { encode } from '../../../src/fixed/index.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { intAttr, numsAttr } from '../attrs.js';
import { beaver } from '../beaver.js';
import { isServerCtx } from '../open.js';
import { secret, type Cost, type Kernel, type KernelAttrs, type PartyContext, type Secret } from '../types.js';
import { truncate } from './trunc.js';

function levels(d: number): number[][] {
  // the new powers computed at each level
  const out: number[][] = [];
  let have = 1;
  while (have < d) {
    const top = Math.min(2 * have, d);
    out.push(Array.from({ length: top - have }, (_, i) => have + 1 + i));
    have = top;
  }
  return out;
}

/** Upper bound (ulps) on |poly_s(x) - p(x)| for |x| <= bound; see the file comment. */
export function polyErrorUlps(coeffs: readonly number[], bound: number, fracBits = 16): number {
  const d = coeffs.length - 1;
  const ulp = 2 ** -fracBits;
  const e = new Map<number, number>([[1, 0]]);
  for (const ks of levels(d)) {
    const h = ks[0] - 1;
    for (const k of ks) {
      const eh = e.get(h) as number;
      const ek = e.get(k - h) as number;
      e.set(k, 1 + bound ** h * ek + bound ** (k - h) * eh + eh * ek * ulp);
    }
  }
  let total = 1 + 0.5; // final truncation, encoding of c_0 at scale 2f
  for (let k = 1; k <= d; k++) total += (Math.abs(coeffs[k]) + ulp / 2) * (e.get(k) as number) + bound ** k / 2;
  return total;
}

function coeffs(attrs: KernelAttrs): number[] {
  const c = numsAttr('poly_s', attrs, 'coeffs');
  if (c.length < 2) throw new TfeError('E_PLAN', 'poly_s: needs at least coefficients c_0 and c_1');
  return c;
}

function stack(parts: readonly (RingTensor | undefined)[], n: number): RingTensor | undefined {
  if (parts.some((p) => !p)) return undefined;
  const out = new BigUint64Array(parts.length * n);
  parts.forEach((p, i) => out.set((p as RingTensor).data, i * n));
  return ringTensor([parts.length * n], out);
}

async function run(ctx: PartyContext, x: Secret, c: readonly number[], f: number): Promise<Secret> {
  const shape: Shape = x.shape;
  const n = sizeOf(shape);
  const d = c.length - 1;
  const pow = new Map<number, RingTensor | undefined>([[1, x.share]]);
  for (const ks of levels(d)) {
    const h = ks[0] - 1;
    const lhs = secret([ks.length * n], stack(ks.map(() => pow.get(h)), n));
    const rhs = secret([ks.length * n], stack(ks.map((k) => pow.get(k - h)), n));
    const prod = await beaver(ctx, lhs, rhs, (a, b) => ctx.ring.mul(a, b), [ks.length * n]);
    const t = await truncate(ctx, prod, f);
    ks.forEach((k, i) => pow.set(k, t.share ? ringTensor(shape, t.share.data.subarray(i * n, (i + 1) * n)) : undefined));
  }
  let acc: RingTensor | undefined;
  if (isServerCtx(ctx)) {
    const enc = encode(c.slice(1), f, 'poly_s coefficient');
    for (let k = 1; k <= d; k++) {
      const pk = pow.get(k) as RingTensor;
      const term = ctx.ring.mul(pk, ringTensor([], enc.subarray(k - 1, k)));
      acc = acc ? ctx.ring.add(acc, term) : term;
    }
    if (ctx.role === 'server0') acc = ctx.ring.add(acc as RingTensor, ringTensor([], encode([c[0]], 2 * f, 'poly_s c_0')));
  }
  return truncate(ctx, secret(shape, acc), f);
}

export const polyS: Kernel = {
  name: 'poly_s',
  summary: 'p(x) for public coefficients attrs.coeffs on scale attrs.fracBits, output at the same scale',
  reveals: false,
  operands: ['secret'],
  outputShapes: (s) => [s[0]],
  cost(s, attrs): Cost {
    const n = sizeOf(s[0]);
    const lv = levels(coeffs(attrs).length - 1);
    let server = 8 * n; // final truncation
    let dealer = 16 * n;
    for (const ks of lv) {
      server += 8 * (2 * ks.length * n) + 8 * ks.length * n;
      dealer += 8 * ks.length * n + 16 * ks.length * n;
    }
    return { rounds: 2 * lv.length + 1, bytes: { server0: server, server1: server }, dealerBytes: dealer };
  },
  async run(ctx, [x], attrs) {
    if (x.kind !== 'secret') throw new TfeError('E_PLAN', 'poly_s: operand must be secret');
    return [await run(ctx, x, coeffs(attrs), intAttr('poly_s', attrs, 'fracBits', 1, 30))];
  },
};
