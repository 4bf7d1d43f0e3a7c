/**
 * Products: output scale = sum of the operand scales. Weights are encoded at f; a
 * public compiler constant exact in b < f bits (a mean's 1/4) at b bits, its product
 * not truncated first when headroom allows; the last products before an output may
 * take their operands untruncated (fixed-point.ts tries it). Intervals: bilinear
 * (interval.ts), the weights split by sign.
 */
import type { RING_PRODUCT_OPS, RingNode } from '../../../src/ir/ring-ops.js';
import { tfKernel, windowOf } from '../float-ops.js';
import { bilinear, type FloatRule } from '../interval.js';
import { exactBits, fits, isExactPublic, type ScaleRule } from '../scale.js';
import type { RingOpRule } from './rule.js';

const productScale: ScaleRule = (n, c) => {
  const f = c.f;
  const exact = (i: string): boolean => isExactPublic(c.source(i), f);
  const bitsOf = (i: string): number => exactBits(c.source(i).value as Float64Array, f);
  if (c.untruncated) {
    const ins = n.inputs.map((i) => (c.isConst(i) ? c.constAt(i, exact(i) ? bitsOf(i) : f) : c.done(i)));
    c.put(ins, (ins[0].scale as number) + (ins[1].scale as number));
    return;
  }
  const k = n.op === 'mul' ? n.inputs.findIndex(exact) : -1;
  if (k >= 0) {
    // a public constant exact in b < f bits (1/4, 0.5): no truncation before it when headroom allows
    const b = bitsOf(n.inputs[k]);
    let x: RingNode = c.done(n.inputs[1 - k]);
    if (!fits(c.bound, (x.scale as number) + b)) x = c.atMost(x.id, f);
    const w = c.constAt(n.inputs[k], b);
    c.put(k === 0 ? [w, x] : [x, w], (x.scale as number) + b);
    return;
  }
  const ins = n.inputs.map((i) => (c.isConst(i) ? c.constAt(i, f) : c.atMost(i, f)));
  c.put(ins, (ins[0].scale as number) + (ins[1].scale as number));
};

const product = (summary: string, evaluate: FloatRule): RingOpRule => ({ summary, evaluate, interval: bilinear(evaluate), scaleUse: 'product', scale: productScale });

export const PRODUCT_RULES: Readonly<Record<(typeof RING_PRODUCT_OPS)[number], RingOpRule>> = {
  matmul: product('matrix product', (n, ins) => tfKernel('MatMul', n, ins)),
  conv2d: product('2-D convolution, NHWC', (n, ins) => tfKernel('Conv2D', n, ins, windowOf(n))),
  depthwise_conv2d: product('depthwise 2-D convolution, NHWC', (n, ins) => tfKernel('DepthwiseConv2D', n, ins, windowOf(n))),
  mul: product('elementwise product with broadcasting', (n, ins) => tfKernel('Mul', n, ins)),
};
