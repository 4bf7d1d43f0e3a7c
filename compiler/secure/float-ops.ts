/**
 * Ring ops evaluated on float64 tensors with the TF-level kernel registry
 * (src/ir/eval), batch dimension fixed to 1. The headroom pass runs it on bound
 * tensors (|x| element bounds through |W|); it is not the plan's semantics (no
 * scales, no truncation).
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

function vec(xs: readonly number[]): Tensor {
  return { shape: [xs.length], data: Float64Array.from(xs) };
}

function call(op: Op, n: RingNode, ins: Tensor[], attrs: Attrs = {}): Tensor {
  const fake: IrNode = { id: n.id, op, inputs: [], attrs, dtype: 'float64', shape: batch1(n.shape) };
  return KERNELS[op](fake, ins);
}

function nums(n: RingNode, k: string): number[] {
  const v = n.attrs[k];
  if (!Array.isArray(v)) throw new TfeError('E_IR', `node "${n.id}" (${n.op}) lacks attribute ${k}`);
  return (v as readonly (number | readonly number[])[]).flat();
}

/** Evaluates a non-source ring op (not trunc/rescale/poly, which the caller handles) on float64 tensors. */
export function evalLinearish(n: RingNode, ins: Tensor[]): Tensor {
  const win = (): Attrs => ({ strides: nums(n, 'strides'), padding: String(n.attrs.padding), ...(n.attrs.ksize ? { ksize: nums(n, 'ksize') } : {}) });
  switch (n.op) {
    case 'matmul': return call('MatMul', n, ins);
    case 'conv2d': return call('Conv2D', n, ins, win());
    case 'depthwise_conv2d': return call('DepthwiseConv2D', n, ins, win());
    case 'mul': return call('Mul', n, ins);
    case 'add': return call('Add', n, ins);
    case 'sub': return call('Sub', n, ins);
    case 'neg': return call('Neg', n, ins);
    case 'relu': return call('Relu', n, ins);
    case 'maxpool': return call('MaxPool', n, ins, win());
    case 'avgpool': return call('AvgPool', n, ins, win());
    case 'sum': return call('Sum', n, [ins[0], vec(nums(n, 'axes'))], { keep_dims: n.attrs.keepDims === true });
    case 'reshape': return { shape: batch1(n.shape), data: ins[0].data };
    case 'transpose': return call('Transpose', n, [ins[0], vec(nums(n, 'perm'))]);
    case 'pad': return call('Pad', n, [ins[0], vec(nums(n, 'paddings'))]);
    case 'slice': return call('Slice', n, [ins[0], vec(nums(n, 'begin')), vec(nums(n, 'size'))]);
    case 'concat': return call('Concat', n, [...ins, vec([Number(n.attrs.axis)])]);
    case 'output': return ins[0];
    default:
      throw new TfeError('E_IR', `float-ops: no float evaluation for ring op ${n.op} (node "${n.id}")`);
  }
}
