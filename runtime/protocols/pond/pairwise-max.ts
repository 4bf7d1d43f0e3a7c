/**
 * The maximum of a few candidates in one comparison layer: every pair (i < j) is
 * compared at once (one compareMul over the stacked differences, 8 rounds), giving
 * b_ij = [c_i >= c_j]. Candidate i wins when it beats every other candidate, with ties
 * going to the earlier one: w_ij = b_ij for j > i and 1 - b_ji for j < i, so exactly
 * one candidate wins. The maximum is sum_i c_i * prod_{j != i} w_ij, computed as one
 * product tree per candidate over its K factors (K-1 bits and its value), all
 * candidates' products of a level in one Beaver multiplication (1 round per level,
 * ceil(log2 K) levels). The bits are integers (scale 0), so the products need no
 * truncation and the result is exact. A zero candidate (a ReLU folded into the max)
 * takes part in the comparisons; its own product is 0 and is not computed.
 *
 * For K candidates over n elements: K(K-1)/2 * n comparisons and 8 + ceil(log2 K)
 * rounds, against K - 1 comparisons and 8 ceil(log2 K) (+ 1 per level) rounds for a
 * tournament (src/protocols/pond.ts pairwiseMaxCost). Requires |c_i - c_j| < 2^63, i.e.
 * |c| < 2^62.
 */
import { TfeError } from '../../../src/errors.js';
import { tournamentPairs } from '../../../src/protocols/pond.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { isServerCtx } from '../open.js';
import { secret, type PartyContext } from '../types.js';
import { beaver } from './beaver.js';
import { compareMul } from './compare.js';
import type { Comparator } from './fss/dispatch.js';
import { stack } from './tree.js';

/**
 * This party's share of the maximum of `cands` (and of 0 when `zero`), elementwise
 * over `shape`. Non-servers pass no candidates but the same `real` count (they take
 * part in the dealer's side). `compare`: the kernel's comparison (exact by default).
 */
export async function pairwiseMax(ctx: PartyContext, real: number, zero: boolean, shape: Shape, cands: readonly RingTensor[], compare: Comparator = compareMul): Promise<RingTensor | undefined> {
  const server = isServerCtx(ctx);
  if (server && cands.length !== real) throw new TfeError('E_PROTOCOL', `pairwise max: ${cands.length} candidates, expected ${real}`);
  const ring = ctx.ring;
  const n = sizeOf(shape);
  const k = real + (zero ? 1 : 0);
  const value = (i: number): RingTensor => (i < real ? cands[i] : ringTensor(shape, new BigUint64Array(n)));
  const pairs: [number, number][] = [];
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) pairs.push([i, j]);

  // b_ij = [c_i - c_j >= 0] for all pairs at once
  let bits: RingTensor | undefined;
  if (pairs.length > 0) {
    const diffs = server ? stack(pairs.map(([i, j]) => ring.sub(value(i), value(j)))) : undefined;
    const m = pairs.length * n;
    const { b } = await compare(ctx, secret([m], diffs), []);
    bits = b.share;
  }
  // factors of each real candidate: its K-1 "beats" bits, then its value
  let factors: RingTensor[][] = [];
  if (server) {
    if (pairs.length > 0 && !bits) throw new TfeError('E_PROTOCOL', `pairwise max: ${ctx.role} lacks its comparison bits`);
    // shares of 1 - b: server0 holds 1 - b0, server1 -b1
    const one = ringTensor(shape, new BigUint64Array(n).fill(ctx.role === 'server0' ? 1n : 0n));
    const bit = (p: number): RingTensor => ringTensor(shape, (bits as RingTensor).data.subarray(p * n, (p + 1) * n));
    const notBit = (p: number): RingTensor => ring.sub(one, bit(p));
    factors = Array.from({ length: real }, (_, i) => {
      const f: RingTensor[] = [];
      pairs.forEach(([a, b], p) => {
        if (a === i) f.push(bit(p));
        else if (b === i) f.push(notBit(p));
      });
      f.push(cands[i]);
      return f;
    });
  }
  // product trees, one Beaver multiplication per level for all candidates
  let count = k;
  for (const p of tournamentPairs(k)) {
    const m = p * real * n;
    const xs = server ? stack(factors.flatMap((f) => Array.from({ length: p }, (_, q) => f[2 * q]))) : undefined;
    const ys = server ? stack(factors.flatMap((f) => Array.from({ length: p }, (_, q) => f[2 * q + 1]))) : undefined;
    const z = await beaver(ctx, secret([m], xs), secret([m], ys), (a, b) => ring.mul(a, b), [m]);
    if (server) {
      const zs = z.share as RingTensor;
      factors = factors.map((f, i) => {
        const next = Array.from({ length: p }, (_, q) => ringTensor(shape, zs.data.subarray((i * p + q) * n, (i * p + q + 1) * n)));
        if (count % 2 === 1) next.push(f[count - 1]);
        return next;
      });
    }
    count = Math.ceil(count / 2);
  }
  if (!server) return undefined;
  let out = factors[0][0];
  for (let i = 1; i < real; i++) out = ring.add(out, factors[i][0]);
  return ringTensor(shape, out.data);
}
