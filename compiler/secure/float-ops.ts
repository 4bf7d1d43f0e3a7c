/**
 * Helpers to evaluate ring ops on float64 tensors with the TF-level kernel registry
 * (src/ir/eval), batch dimension fixed to 1. Each ring op's own float evaluation is
 * its entry in compiler/secure/ops (RingOpRule.evaluate); the headroom pass runs it on
 * interval ends (bounds.ts). It is not the plan's semantics (no scales, no truncation).
 */
import { TfeError } from '../../src/errors.js';
import { KERNELS } from '../../src/ir/eval/kernels.js';
import type { Tensor } from '../../src/ir/eval/tensor.js';
import type { Attrs, IrNode } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import type { RingNode } from '../../src/ir/ring-ops.js';

/** The shape with the batch (-1) fixed to 1. */
export function batch1(shape: readonly number[]): number[] {
  return shape.map((d) => (d < 0 ? 1 : d));
}

/** A rank-1 tensor of `xs` (an axis, permutation or padding operand of a TF kernel). */
export function vec(xs: readonly number[]): Tensor {
  return { shape: [xs.length], data: Float64Array.from(xs) };
}

/** Runs TF kernel `op` for ring node `n` (its shape, batch 1) on `ins`. */
export function tfKernel(op: Op, n: RingNode, ins: Tensor[], attrs: Attrs = {}): Tensor {
  const fake: IrNode = { id: n.id, op, inputs: [], attrs, dtype: 'float64', shape: batch1(n.shape) };
  return KERNELS[op](fake, ins);
}

/** Numeric attribute `k` of `n`, flattened; E_IR if absent. */
export function nums(n: RingNode, k: string): number[] {
  const v = n.attrs[k];
  if (!Array.isArray(v)) throw new TfeError('E_IR', `node "${n.id}" (${n.op}) lacks attribute ${k}`);
  return (v as readonly (number | readonly number[])[]).flat();
}

/** The TF window attributes (strides, padding, ksize when present) of a conv or pool node. */
export function windowOf(n: RingNode): Attrs {
  return { strides: nums(n, 'strides'), padding: String(n.attrs.padding), ...(n.attrs.ksize ? { ksize: nums(n, 'ksize') } : {}) };
}
