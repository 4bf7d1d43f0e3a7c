/**
 * trunc_s: divide a secret by 2^bits (arithmetic shift), exact up to one unit in the
 * last place, with no large-error failure mode.
 *
 * Method ("MSB known to be zero" truncation; cf. Escudero, Ghosh, Keller, Rachuri,
 * Scholl, "Improved Primitives for MPC over Mixed Arithmetic-Binary Circuits",
 * CRYPTO 2020, sec. 4, and Dalskov, Escudero, Keller, "Secure Evaluation of Quantized
 * Neural Networks", PETS 2020): with |x| < 2^62, y = x + 2^62 lies in [0, 2^63). The
 * dealer supplies [r], [r' >> bits] with r' = r mod 2^63, and [msb(r)]. The servers
 * open c = y + r (uniform, so it reveals nothing) in one round. With c' = c mod 2^63,
 * s = y + r' < 2^64 has msb(s) = msb(c) XOR msb(r) and s = c' + 2^63 msb(s), so
 *     y >> bits = (c' >> bits) - (r' >> bits) + 2^(63-bits) msb(s) - {0 or 1},
 * all linear in the dealer's shares. Subtracting 2^(62-bits) undoes the shift.
 *
 * Bound: for every |x| < 2^62 the result t satisfies floor(x / 2^bits) <= t <=
 * floor(x / 2^bits) + 1, so |t - x / 2^bits| < 1 (one unit in the last place).
 * Outside that range the result is wrong: the compiler's headroom check keeps values
 * inside it. Cost: 1 round, |x| elements per server, 2|x| elements from the dealer.
 */
import { TfeError } from '../../../src/errors.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { intAttr } from '../../../src/protocols/attrs.js';
import { pondSpec } from '../../../src/protocols/pond.js';
import { isServerCtx, openA } from '../open.js';
import { implement, secret, type PartyContext, type Secret } from '../types.js';
import { truncation } from './material.js';

function constant(shape: Shape, v: bigint): RingTensor {
  return ringTensor(shape, new BigUint64Array(sizeOf(shape)).fill(BigInt.asUintN(64, v)));
}

/** Shares of x / 2^bits (see the file comment for the bound). */
export async function truncate(ctx: PartyContext, x: Secret, bits: number): Promise<Secret> {
  if (!Number.isInteger(bits) || bits < 1 || bits > 62) throw new TfeError('E_PLAN', `trunc_s: cannot truncate by ${bits} bits (1..62)`);
  const m = ctx.dealer ? await truncation(ctx.dealer, x.shape, bits) : undefined;
  if (!isServerCtx(ctx)) return secret(x.shape);
  if (!m || !x.share) throw new TfeError('E_PROTOCOL', `trunc_s: ${ctx.role} lacks its share or material`);
  const ring = ctx.ring;
  const s0 = ctx.role === 'server0';
  const shape = x.shape;
  const y = s0 ? ring.add(x.share, constant(shape, 1n << 62n)) : x.share;
  const [c] = await openA(ctx, [ring.add(y, m.r)]);
  const cMsb = ring.shr(c, 63);
  const cLowHigh = ring.shr(ring.and(c, constant(shape, (1n << 63n) - 1n)), bits);
  // [msb(s)] = c_msb + [r_msb] - 2 c_msb [r_msb]  (XOR with a public bit)
  const oneMinus2c = ring.sub(constant(shape, 1n), ring.shl(cMsb, 1));
  let sMsb = ring.mul(oneMinus2c, m.rMsb);
  if (s0) sMsb = ring.add(sMsb, cMsb);
  let t = ring.add(ring.neg(m.rHigh), ring.shl(sMsb, 63 - bits));
  if (s0) t = ring.add(t, ring.sub(cLowHigh, constant(shape, 1n << BigInt(62 - bits))));
  return secret(shape, t);
}

export const truncS = implement(pondSpec('trunc_s'), async (ctx, [x], attrs) => {
  if (x.kind !== 'secret') throw new TfeError('E_PLAN', 'trunc_s: operand must be secret');
  return [await truncate(ctx, x, intAttr('trunc_s', attrs, 'bits', 1, 62))];
});
