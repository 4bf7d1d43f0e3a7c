/**
 * Exact comparison with zero by function secret sharing, and products with its
 * result, in ONE online round: the same contract as compareMul (compare.ts): for
 * secret x and payloads y_j, shares of b = [x >= 0] (x a signed 64-bit ring element,
 * no range condition) and of b y_j.
 *
 * Identity. The dealer draws r; the servers open c = x + r (uniform). Write
 * x = x_h 2^63 + x', r = r_h 2^63 + r', c = c_h 2^63 + c' (x', r', c' < 2^63). Then
 * c' = x' + r' - 2^63 t with the carry t = [x' + r' >= 2^63] = [c' < r'], and
 * c_h = x_h ^ r_h ^ t, so msb(x) = x_h = c_h ^ w with w = r_h ^ t. In arithmetic
 * shares: w = r_h + (1 - 2 r_h) t and msb(x) = c_h + (1 - 2 c_h) w (c_h public), so
 * b = 1 - c_h - (1 - 2 c_h) w. The dealer shares r_h, and a DCF for
 * f(z) = beta if z < alpha with alpha = r', beta_0 = 1 - 2 r_h, evaluated at z = c',
 * gives shares of (1 - 2 r_h) t (Boyle et al., Eurocrypt 2021, sec. 4 uses the same
 * split of the top bit). Tested exhaustively on a small ring in test/fss/identity.test.ts.
 *
 * Products in the same round (better than a Beaver product after b is known, which
 * would cost a second round): with a uniform a_j from the dealer the servers open
 * e_j = y_j - a_j together with c, and b y_j = b e_j + b a_j, where
 * b a_j = (1 - c_h) a_j - (1 - 2 c_h) w a_j and w a_j = r_h a_j + (1 - 2 r_h) a_j t:
 * the dealer gives [r_h a_j] and puts beta_j = (1 - 2 r_h) a_j as a further output
 * word of the same DCF key. So every term is a public coefficient times a share.
 *
 * Cost for n elements and m payloads (src/protocols/pond-fss.ts compareCostFss):
 * 1 round, 8n(1 + m) bytes per server; the dealer 8n(1 + m) to server1 and
 * 8n(2*63 + 64(1 + m)) bytes of key to each server.
 * Privacy: each server sees c and e_j (uniform, masked by r and a_j) and its DCF key
 * (pseudorandom given the other key is unseen: it hides r' and beta).
 */
import { TfeError } from '../../../../src/errors.js';
import { FSS_DCF_BITS } from '../../../../src/protocols/pond-fss.js';
import { sameShapes } from '../../../../src/protocols/shapes.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../../ring/tensor.js';
import { isServerCtx, openA } from '../../open.js';
import { secret, type PartyContext, type Secret } from '../../types.js';
import type { CompareResult } from '../compare.js';
import { dcfEval } from './dcf.js';
import { fssCompareMaterial } from './material.js';

function fill(shape: Shape, v: bigint): RingTensor {
  return ringTensor(shape, new BigUint64Array(sizeOf(shape)).fill(v));
}

export async function compareMulFss(ctx: PartyContext, x: Secret, payloads: readonly Secret[]): Promise<CompareResult> {
  const shape = x.shape;
  for (const y of payloads) sameShapes(y.shape, shape, 'compare payload');
  const mat = ctx.dealer ? await fssCompareMaterial(ctx.dealer, shape, payloads.length) : undefined;
  if (!isServerCtx(ctx)) return { b: secret(shape), products: payloads.map((y) => secret(y.shape)) };
  if (!mat || !x.share || payloads.some((y) => !y.share)) {
    throw new TfeError('E_PROTOCOL', `fss compare: ${ctx.role} lacks its shares or material`);
  }
  const ring = ctx.ring;
  const s0 = ctx.role === 'server0';
  const n = sizeOf(shape);
  const k = 1 + payloads.length;
  const ys = payloads.map((y) => y.share as RingTensor);

  // the one round: c = x + r and e_j = y_j - a_j
  const opened = await openA(ctx, [ring.add(x.share, mat.r), ...ys.map((y, j) => ring.sub(y, mat.a[j]))]);
  const c = opened[0];
  const ONE = fill(shape, 1n);
  const cLow = ring.and(c, fill(shape, (1n << 63n) - 1n));
  const cH = ring.shr(c, 63);
  const d = dcfEval(s0 ? 0 : 1, { bits: FSS_DCF_BITS, outWords: k, count: n }, mat.root, mat.key, cLow.data);
  const col = (q: number): RingTensor => {
    const out = new BigUint64Array(n);
    for (let e = 0; e < n; e++) out[e] = d[e * k + q];
    return ringTensor(shape, out);
  };
  const w = ring.add(mat.rMsb, col(0));
  const coef = ring.sub(ONE, ring.shl(cH, 1)); // 1 - 2 c_h, public
  let bA = ring.neg(ring.mul(coef, w));
  if (s0) bA = ring.add(bA, ring.sub(ONE, cH));
  const notCh = ring.sub(ONE, cH);
  const products = ys.map((_, j) => {
    const wa = ring.add(mat.rMsbA[j], col(1 + j));
    const ba = ring.sub(ring.mul(notCh, mat.a[j]), ring.mul(coef, wa));
    return secret(shape, ring.add(ring.mul(bA, opened[1 + j]), ba));
  });
  return { b: secret(shape, bA), products };
}
