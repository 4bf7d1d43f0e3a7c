/**
 * poly_s: p(x) = sum_k c_k x^k for public real coefficients attrs.coeffs = [c_0, ..., c_d]
 * (d >= 1) on a secret x of scale attrs.fracBits = f; the result has scale f.
 * Powers are built level by level (x^(h+1..2h) = x^h * x^(1..h)), each level one
 * batched Beaver product and one batched truncation; then sum_{k>=1} enc_f(c_k) x^k
 * + enc_2f(c_0) (scale 2f) is truncated once. Rounds: 2 ceil(log2 d) + 1.
 * Error against p evaluated exactly at the input (in ulps, 1 ulp = 2^-f), for |x| <= B:
 * each truncation adds at most 1, a product of two computed powers carries their
 * errors scaled by the other factor, and each coefficient's encoding error 2^-(f+1)
 * is scaled by |x|^k. polyErrorUlps(coeffs, B) (src/protocols/pond.ts) computes the resulting bound; it is
 * dominated by sum_k B^k / 2 for large B. The approximation error of the polynomial
 * itself is the compiler's to state (it chooses the coefficients and the range).
 */
import { TfeError } from '../../../src/errors.js';
import { encode } from '../../../src/fixed/index.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { intAttr } from '../../../src/protocols/attrs.js';
import { polyCoeffs, polyLevels, pondSpec } from '../../../src/protocols/pond.js';
import { beaver } from './beaver.js';
import { isServerCtx } from '../open.js';
import { implement, secret, type PartyContext, type Secret } from '../types.js';
import { truncate } from './trunc.js';

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
  for (const ks of polyLevels(d)) {
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

export const polyS = implement(pondSpec('poly_s'), async (ctx, [x], attrs) => {
  if (x.kind !== 'secret') throw new TfeError('E_PLAN', 'poly_s: operand must be secret');
  return [await run(ctx, x, polyCoeffs(attrs), intAttr('poly_s', attrs, 'fracBits', 1, 30))];
});
