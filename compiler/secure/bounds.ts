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
 */
import type { Tensor } from '../../src/ir/eval/tensor.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { batch1, evalLinearish } from './float-ops.js';
import { tableOf, tableRange } from './piecewise.js';
import { evalPoly } from './poly.js';

/** Slack for the polynomial activations beyond [0, 1] / [-1, 1]: their errors are below 5e-2. */
const ACTIVATION_SLACK = 0.05;

export interface Interval {
  readonly lo: Tensor;
  readonly hi: Tensor;
}

function fill(shape: readonly number[], v: number): Tensor {
  const s = batch1(shape);
  return { shape: s, data: new Float64Array(s.reduce((a, d) => a * d, 1)).fill(v) };
}

function map(t: Tensor, f: (x: number) => number): Tensor {
  return { shape: t.shape, data: t.data.map(f) };
}

function zip(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  return { shape: a.shape, data: a.data.map((x, i) => f(x, b.data[i])) };
}

function maxAbs(iv: Interval): number {
  let m = 0;
  for (const x of iv.lo.data) m = Math.max(m, Math.abs(x));
  for (const x of iv.hi.data) m = Math.max(m, Math.abs(x));
  return m;
}

function both(n: RingNode, ivs: Interval[]): Interval {
  return { lo: evalLinearish(n, ivs.map((v) => v.lo)), hi: evalLinearish(n, ivs.map((v) => v.hi)) };
}

function product(n: RingNode, ins: Interval[], consts: (Float64Array | undefined)[]): Interval {
  const k = consts[1] !== undefined ? 1 : consts[0] !== undefined ? 0 : -1;
  if (k < 0) {
    // secret x secret: magnitudes
    const m = evalLinearish(n, ins.map((v) => zip(v.lo, v.hi, (a, b) => Math.max(Math.abs(a), Math.abs(b)))));
    return { lo: map(m, (x) => -x), hi: m };
  }
  const w = ins[k].hi;
  const pos = map(w, (x) => Math.max(x, 0));
  const neg = map(w, (x) => Math.min(x, 0));
  const x = ins[1 - k];
  const apply = (xs: Tensor, ws: Tensor): Tensor => evalLinearish(n, k === 1 ? [xs, ws] : [ws, xs]);
  const add = (a: Tensor, b: Tensor): Tensor => zip(a, b, (p, q) => p + q);
  return { lo: add(apply(x.lo, pos), apply(x.hi, neg)), hi: add(apply(x.hi, pos), apply(x.lo, neg)) };
}

function nodeInterval(n: RingNode, ins: Interval[], consts: (Float64Array | undefined)[], range: readonly [number, number]): Interval {
  switch (n.op) {
    case 'input': {
      // A one-hot input (client-one-hot pass) holds 0s and 1s whatever the declared range.
      const r = typeof n.attrs.one_hot_depth === 'number' ? [0, 1] : range;
      return { lo: fill(n.shape, r[0]), hi: fill(n.shape, r[1]) };
    }
    case 'const': {
      const t = { shape: batch1(n.shape), data: n.value as Float64Array };
      return { lo: t, hi: t };
    }
    case 'matmul':
    case 'conv2d':
    case 'depthwise_conv2d':
    case 'mul':
      return product(n, ins, consts);
    case 'sub':
      return { lo: evalLinearish({ ...n, op: 'sub' }, [ins[0].lo, ins[1].hi]), hi: evalLinearish({ ...n, op: 'sub' }, [ins[0].hi, ins[1].lo]) };
    case 'neg':
      return { lo: map(ins[0].hi, (x) => -x), hi: map(ins[0].lo, (x) => -x) };
    case 'trunc':
      return ins[0];
    case 'rescale': {
      const d = 2 ** Number(n.attrs.shift);
      return { lo: map(ins[0].lo, (x) => x / d), hi: map(ins[0].hi, (x) => x / d) };
    }
    case 'sigmoid':
      return { lo: fill(n.shape, -ACTIVATION_SLACK), hi: fill(n.shape, 1 + ACTIVATION_SLACK) };
    case 'tanh':
      return { lo: fill(n.shape, -1 - ACTIVATION_SLACK), hi: fill(n.shape, 1 + ACTIVATION_SLACK) };
    case 'poly': {
      const c = n.attrs.coeffs as number[];
      let lo = Infinity;
      let hi = -Infinity;
      const a = Math.min(...ins[0].lo.data);
      const b = Math.max(...ins[0].hi.data);
      for (let i = 0; i <= 2000; i++) {
        const y = evalPoly(c, a + ((b - a) * i) / 2000);
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
      const pad = 0.01 * Math.max(Math.abs(lo), Math.abs(hi));
      return { lo: fill(n.shape, lo - pad), hi: fill(n.shape, hi + pad) };
    }
    case 'piecewise': {
      const [lo, hi] = tableRange(tableOf(n.id, n.attrs), ins[0].lo.data.reduce((a, v) => Math.min(a, v), Infinity), ins[0].hi.data.reduce((a, v) => Math.max(a, v), -Infinity));
      const pad = 0.01 * Math.max(Math.abs(lo), Math.abs(hi));
      return { lo: fill(n.shape, lo - pad), hi: fill(n.shape, hi + pad) };
    }
    case 'argmax': {
      const k = ins[0].lo.shape[ins[0].lo.shape.length - 1] ?? 1;
      return { lo: fill(n.shape, 0), hi: fill(n.shape, Math.max(0, k - 1)) };
    }
    default:
      // add, relu, pools, sum, layout ops, output: monotone in each operand
      return both(n, ins);
  }
}

/** The element intervals of every node (batch 1), from the declared input range. */
export function elementIntervals(g: RingGraph, range: readonly [number, number]): Map<string, Interval> {
  const out = new Map<string, Interval>();
  const values = new Map(g.nodes.filter((n) => n.op === 'const').map((n) => [n.id, n.value]));
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => out.get(i) as Interval);
    let iv = nodeInterval(n, ins, n.inputs.map((i) => values.get(i)), range);
    const cap = n.attrs.clampBound;
    if (typeof cap === 'number') iv = { lo: map(iv.lo, (x) => Math.max(x, -cap)), hi: map(iv.hi, (x) => Math.min(x, cap)) };
    out.set(n.id, iv);
  }
  return out;
}

/** The bound on |real value| (max over elements) of every node. */
export function nodeBounds(g: RingGraph, range: readonly [number, number]): Map<string, number> {
  return new Map([...elementIntervals(g, range)].map(([id, iv]) => [id, maxAbs(iv)]));
}
