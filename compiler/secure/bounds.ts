/**
 * Headroom bounds: an interval [lo, hi] for every element of every ring node, by
 * interval arithmetic from the declared input range, and from it the bound on
 * |real value| the fixed-point pass checks against the ring's headroom.
 *
 * Linear layers use the actual weights, split by sign: for y = W x,
 * hi(y) = W+ hi(x) + W- lo(x) and lo(y) = W+ lo(x) + W- hi(x) (W+ / W- the positive
 * and negative parts), plus the bias; this is never looser than the L1 norm of a
 * weight column times the input bound plus |bias|, and after a relu (lo = 0) about
 * half of it. relu clips lo and hi at 0; maxpool, avgpool, sum and the layout ops
 * apply to lo and hi alike (they are monotone); a product of two secrets uses the
 * magnitudes; sigmoid is within [-0.05, 1.05] and tanh within +-1.05 (their
 * approximations' error included); a polynomial's or a piecewise approximation's
 * interval is its sampled range on its input's interval (plus 1% of its magnitude,
 * far above their fixed-point errors); `attrs.clampBound` caps a node whose operands
 * were clamped (Relu6), which interval arithmetic cannot see. The bounds are conservative: worst case over every input in the range.
 * Each op's rule is its entry in compiler/secure/ops (RingOpRule.interval); this is the driver.
 */
import { TfeError } from '../../src/errors.js';
import type { RingGraph } from '../../src/ir/ring-ops.js';
import { mapT, maxAbs, type Interval } from './interval.js';
import { RING_OP_RULES } from './ops/index.js';

export type { Interval } from './interval.js';

/**
 * The most elements (at batch 1) of one node the analysis holds intervals for: 2^24,
 * two float64 arrays of 128 MiB each, 1,456 times net C's largest tensor (11,520). A
 * model declaring a larger tensor (typically an input whose batch dimension is fixed
 * to a huge size instead of -1: found by fuzzing, it made the compiler allocate 24 GB)
 * is refused before anything is allocated.
 */
export const MAX_ANALYSED_ELEMENTS = 2 ** 24;

function checkSizes(g: RingGraph): void {
  for (const n of g.nodes) {
    const count = n.shape.reduce((a, d) => a * (d < 0 ? 1 : d), 1);
    if (count > MAX_ANALYSED_ELEMENTS) {
      throw new TfeError('E_UNSUPPORTED', `tensor of node '${n.source}' has shape [${n.shape.join(',')}]: ${count} elements at batch 1, over the ${MAX_ANALYSED_ELEMENTS} the compiler analyses`,
        'a fixed dimension may stand where the batch dimension (-1) should be: check the model\'s input shapes, or give them with --input NAME=SHAPE');
    }
  }
}

/** The element intervals of every node (batch 1), from the declared input range. */
export function elementIntervals(g: RingGraph, range: readonly [number, number]): Map<string, Interval> {
  checkSizes(g);
  const out = new Map<string, Interval>();
  const values = new Map(g.nodes.filter((n) => n.op === 'const').map((n) => [n.id, n.value]));
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => out.get(i) as Interval);
    let iv = RING_OP_RULES[n.op].interval(n, ins, { consts: n.inputs.map((i) => values.get(i)), range });
    const cap = n.attrs.clampBound;
    if (typeof cap === 'number') iv = { lo: mapT(iv.lo, (x) => Math.max(x, -cap)), hi: mapT(iv.hi, (x) => Math.min(x, cap)) };
    out.set(n.id, iv);
  }
  return out;
}

/** The bound on |real value| (max over elements) of every node. */
export function nodeBounds(g: RingGraph, range: readonly [number, number]): Map<string, number> {
  return new Map([...elementIntervals(g, range)].map(([id, iv]) => [id, maxAbs(iv)]));
}
