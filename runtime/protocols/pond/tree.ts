/**
 * Tournament reduction with exact comparisons: pairs (a, b) of candidates are
 * compared all at once per level (one compareMul over the stacked differences, 8
 * rounds), keeping a where a - b >= 0 (so ties keep the earlier candidate) and
 * carrying along any extra fields (the index, for ArgMax). ceil(log2 k) levels.
 * Values must satisfy |a - b| < 2^63 for the comparison of the difference to be
 * the comparison of the values (the callers require |v| < 2^62).
 */
import { TfeError } from '../../../src/errors.js';
import { reshape, ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { isServerCtx } from '../open.js';
import { tournamentPairs } from '../../../src/protocols/pond.js';
import { secret, type PartyContext } from '../types.js';
import { compareMul } from './compare.js';
import type { Comparator } from './fss/dispatch.js';

/** A candidate: its value followed by any fields that travel with it (all one shape). */
export type Candidate = readonly RingTensor[];

/** The tensors' elements one after another, as a flat tensor. */
export function stack(ts: readonly RingTensor[]): RingTensor {
  const n = ts.reduce((a, t) => a + t.data.length, 0);
  const out = new BigUint64Array(n);
  let off = 0;
  for (const t of ts) {
    out.set(t.data, off);
    off += t.data.length;
  }
  return ringTensor([n], out);
}

function unstack(t: RingTensor, count: number, shape: Shape): RingTensor[] {
  const m = sizeOf(shape);
  return Array.from({ length: count }, (_, i) => ringTensor(shape, t.data.subarray(i * m, (i + 1) * m)));
}

/**
 * Runs the tournament on this party's shares (`cands` is empty on non-servers, which
 * still take part in the dealer's side: they pass `k`). Returns the winner's fields.
 * `compare`: the kernel's comparison (exact by default; fss/dispatch.ts).
 */
export async function tournament(ctx: PartyContext, k: number, shape: Shape, fields: number, cands: Candidate[], compare: Comparator = compareMul): Promise<Candidate | undefined> {
  const server = isServerCtx(ctx);
  if (server && cands.length !== k) throw new TfeError('E_PROTOCOL', `tournament: ${cands.length} candidates, expected ${k}`);
  const ring = ctx.ring;
  let count = k;
  let cur = cands;
  for (const pairs of tournamentPairs(k)) {
    const m = pairs * sizeOf(shape);
    let diffs: RingTensor[] = [];
    if (server) {
      // per field f: stacked (a_f - b_f) over all pairs
      diffs = Array.from({ length: 1 + fields }, (_, f) => stack(Array.from({ length: pairs }, (_, p) => ring.sub(cur[2 * p][f], cur[2 * p + 1][f]))));
    }
    // the difference is its own first payload (the same operand: the exact comparison opens nothing more for it)
    const d0 = secret([m], server ? diffs[0] : undefined);
    const { products } = await compare(ctx, d0, [d0, ...Array.from({ length: fields }, (_, f) => secret([m], server ? diffs[f + 1] : undefined))]);
    if (server) {
      const chosen = products.map((p) => unstack(p.share as RingTensor, pairs, shape));
      const next: Candidate[] = [];
      for (let p = 0; p < pairs; p++) next.push(cur[2 * p + 1].map((b, f) => reshape(ring.add(b, chosen[f][p]), shape)));
      if (count % 2 === 1) next.push(cur[count - 1]);
      cur = next;
    }
    count = Math.ceil(count / 2);
  }
  return server ? cur[0] : undefined;
}
