/**
 * Element intervals [lo, hi] (batch 1) and the generic interval rules the ring op
 * table (compiler/secure/ops) builds its entries from; bounds.ts is the driver.
 */
import type { Tensor } from '../../src/ir/eval/tensor.js';
import type { RingNode } from '../../src/ir/ring-ops.js';
import { batch1 } from './float-ops.js';

export interface Interval {
  readonly lo: Tensor;
  readonly hi: Tensor;
}

/** A ring op evaluated on float64 tensors (batch 1). */
export type FloatRule = (n: RingNode, ins: Tensor[]) => Tensor;

export interface IntervalContext {
  /** Per operand, its values when it is a `const` node. */
  readonly consts: readonly (Float64Array | undefined)[];
  /** The declared range of every input element. */
  readonly range: readonly [number, number];
}

/** The interval of node `n` from its operands' intervals. */
export type IntervalRule = (n: RingNode, ins: Interval[], c: IntervalContext) => Interval;

export function fill(shape: readonly number[], v: number): Tensor {
  const s = batch1(shape);
  return { shape: s, data: new Float64Array(s.reduce((a, d) => a * d, 1)).fill(v) };
}

export function mapT(t: Tensor, f: (x: number) => number): Tensor {
  return { shape: t.shape, data: t.data.map(f) };
}

export function zip(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  return { shape: a.shape, data: a.data.map((x, i) => f(x, b.data[i])) };
}

export function maxAbs(iv: Interval): number {
  let m = 0;
  for (const x of iv.lo.data) m = Math.max(m, Math.abs(x));
  for (const x of iv.hi.data) m = Math.max(m, Math.abs(x));
  return m;
}

/** An op monotone non-decreasing in each operand: `ev` applied to the lo ends and to the hi ends. */
export function monotone(ev: FloatRule): IntervalRule {
  return (n, ivs) => ({ lo: ev(n, ivs.map((v) => v.lo)), hi: ev(n, ivs.map((v) => v.hi)) });
}

/** A constant interval over the node's shape. */
export function constant(n: RingNode, lo: number, hi: number): Interval {
  return { lo: fill(n.shape, lo), hi: fill(n.shape, hi) };
}

/** [lo, hi] widened by 1% of its magnitude (far above the fixed-point errors of an approximation). */
export function padded(n: RingNode, lo: number, hi: number): Interval {
  const pad = 0.01 * Math.max(Math.abs(lo), Math.abs(hi));
  return constant(n, lo - pad, hi + pad);
}

/** The smallest lo and largest hi over the elements. */
export function extent(iv: Interval): [number, number] {
  return [iv.lo.data.reduce((a, v) => Math.min(a, v), Infinity), iv.hi.data.reduce((a, v) => Math.max(a, v), -Infinity)];
}

/**
 * A bilinear product `ev`: with a constant operand W (the weights), split by sign,
 * hi(y) = W+ hi(x) + W- lo(x) and lo(y) = W+ lo(x) + W- hi(x); two non-constants: the
 * product of their magnitudes, either sign.
 */
export function bilinear(ev: FloatRule): IntervalRule {
  return (n, ins, c) => {
    const k = c.consts[1] !== undefined ? 1 : c.consts[0] !== undefined ? 0 : -1;
    if (k < 0) {
      const m = ev(n, ins.map((v) => zip(v.lo, v.hi, (a, b) => Math.max(Math.abs(a), Math.abs(b)))));
      return { lo: mapT(m, (x) => -x), hi: m };
    }
    const w = ins[k].hi;
    const pos = mapT(w, (x) => Math.max(x, 0));
    const neg = mapT(w, (x) => Math.min(x, 0));
    const x = ins[1 - k];
    const apply = (xs: Tensor, ws: Tensor): Tensor => ev(n, k === 1 ? [xs, ws] : [ws, xs]);
    const add = (a: Tensor, b: Tensor): Tensor => zip(a, b, (p, q) => p + q);
    return { lo: add(apply(x.lo, pos), apply(x.hi, neg)), hi: add(apply(x.hi, pos), apply(x.lo, neg)) };
  };
}
