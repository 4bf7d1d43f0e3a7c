/**
 * Headroom bounds: a bound on |real value| of every element of every ring node, by
 * interval arithmetic from the declared input range. Linear layers use the actual
 * weights: an output's bound is the sum over its inputs of |w| times the input's
 * bound (the L1 norm of its weight column against the input bounds) plus |bias|.
 * relu, maxpool and the layout ops keep bounds; avgpool averages them; sigmoid and
 * tanh are within 1.05 (their polynomials' error included); a polynomial's bound is its max |p| on its input's interval
 * (plus 1%); `attrs.clampBound` caps a node whose operands were clamped (Relu6, the
 * activations' input clamp) where interval arithmetic cannot see the correlation.
 * These bounds are conservative (worst case over every input in the range).
 */
import type { Tensor } from '../../src/ir/eval/tensor.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { batch1, evalLinearish } from './float-ops.js';
import { polyRange } from './poly.js';

/** sigmoid and tanh are within 1; their polynomials within 1 plus their error (< 5e-2). */
const ACTIVATION_BOUND = 1.05;

function fill(shape: readonly number[], v: number): Tensor {
  const s = batch1(shape);
  return { shape: s, data: new Float64Array(s.reduce((a, d) => a * d, 1)).fill(v) };
}

function maxAbs(t: Tensor): number {
  let m = 0;
  for (const x of t.data) if (Math.abs(x) > m) m = Math.abs(x);
  return m;
}

function nodeBound(n: RingNode, ins: Tensor[], inputBound: number): Tensor {
  switch (n.op) {
    case 'input':
      return fill(n.shape, inputBound);
    case 'const':
      return { shape: batch1(n.shape), data: (n.value as Float64Array).map(Math.abs) };
    case 'sub':
      return evalLinearish({ ...n, op: 'add' }, ins);
    case 'neg':
    case 'trunc':
      return ins[0];
    case 'rescale':
      return { shape: ins[0].shape, data: ins[0].data.map((x) => x / 2 ** Number(n.attrs.shift)) };
    case 'sigmoid':
    case 'tanh':
      return fill(n.shape, ACTIVATION_BOUND);
    case 'poly':
      return fill(n.shape, polyRange(n.attrs.coeffs as number[], maxAbs(ins[0])));
    case 'argmax':
      return fill(n.shape, Math.max(0, n.shape.length ? (ins[0].shape[ins[0].shape.length - 1] - 1) : 0));
    default:
      return evalLinearish(n, ins);
  }
}

/** Element bounds of every node (batch 1), given the bound on every input element. */
export function elementBounds(g: RingGraph, inputBound: number): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => out.get(i) as Tensor);
    let t = nodeBound(n, ins, inputBound);
    const cap = n.attrs.clampBound;
    if (typeof cap === 'number') t = { shape: t.shape, data: t.data.map((x) => Math.min(x, cap)) };
    out.set(n.id, t);
  }
  return out;
}

/** The scalar bound (max over elements) of every node. */
export function nodeBounds(g: RingGraph, inputBound: number): Map<string, number> {
  return new Map([...elementBounds(g, inputBound)].map(([id, t]) => [id, maxAbs(t)]));
}

/** max(|lo|, |hi|) of the declared input range. */
export function inputBoundOf(range: readonly [number, number]): number {
  return Math.max(Math.abs(range[0]), Math.abs(range[1]));
}
