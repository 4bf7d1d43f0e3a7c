/**
 * normalize-attrs: one spelling per attribute after this pass, so later stages need no
 * knowledge of frontend habits or TF defaults: window attributes (strides, ksize,
 * dilations) become TF's NHWC 4-vectors [1,h,w,1] (the GraphDef frontend writes [h,w]),
 * and defaults are written out: dilations [1,1,1,1], MatMul transpose_a/transpose_b
 * false, reductions keep_dims false, FusedBatchNorm epsilon 1e-4 (TF's default).
 */
import type { AttrValue, IrNode } from '../../src/ir/node.js';
import { spatialPair } from '../../src/ir/op-specs.js';
import type { Pass } from './pass.js';

const WINDOW_OPS = new Set(['Conv2D', 'DepthwiseConv2D', 'MaxPool', 'AvgPool']);
const REDUCE_OPS = new Set(['Mean', 'Sum', 'Prod']);

function nhwc(v: AttrValue | undefined, fallback?: [number, number]): AttrValue | undefined {
  const p = spatialPair(v, fallback);
  return p ? [1, p[0], p[1], 1] : v; // malformed values stay for the verifier to report
}

function normalize(n: IrNode): IrNode {
  const a: Record<string, AttrValue> = { ...n.attrs };
  if (WINDOW_OPS.has(n.op)) {
    for (const k of ['strides', 'ksize']) if (a[k] !== undefined) a[k] = nhwc(a[k]) as AttrValue;
    if (n.op === 'Conv2D' || n.op === 'DepthwiseConv2D') a.dilations = nhwc(a.dilations, [1, 1]) as AttrValue;
  } else if (n.op === 'MatMul') {
    a.transpose_a = a.transpose_a === true;
    a.transpose_b = a.transpose_b === true;
  } else if (REDUCE_OPS.has(n.op)) {
    a.keep_dims = a.keep_dims === true;
  } else if (n.op === 'FusedBatchNorm') {
    a.epsilon = typeof a.epsilon === 'number' ? a.epsilon : 1e-4;
  } else {
    return n;
  }
  return { ...n, attrs: a };
}

export const normalizeAttrsPass: Pass = {
  name: 'normalize-attrs',
  purpose: 'write window attributes as [1,h,w,1] and fill in attribute defaults',
  run(g) {
    return { ...g, nodes: g.nodes.map(normalize) };
  },
};
