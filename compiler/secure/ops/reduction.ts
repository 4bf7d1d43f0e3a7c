/** Reductions: sum over axes (monotone, scale kept); argmax over the last axis (an integer in [0, k-1], scale 0). */
import type { RING_REDUCTION_OPS } from '../../../src/ir/ring-ops.js';
import { nums, tfKernel, vec } from '../float-ops.js';
import { constant, monotone, type FloatRule } from '../interval.js';
import { keepScale, type RingOpRule } from './rule.js';

const sum: FloatRule = (n, ins) => tfKernel('Sum', n, [ins[0], vec(nums(n, 'axes'))], { keep_dims: n.attrs.keepDims === true });

export const REDUCTION_RULES: Readonly<Record<(typeof RING_REDUCTION_OPS)[number], RingOpRule>> = {
  sum: { summary: 'sum over attrs.axes', evaluate: sum, interval: monotone(sum), scaleUse: 'agnostic', scale: keepScale },
  argmax: {
    summary: 'index of the largest element of the last axis',
    interval: (n, [x]) => constant(n, 0, Math.max(0, (x.lo.shape[x.lo.shape.length - 1] ?? 1) - 1)),
    scaleUse: 'agnostic',
    scale: (n, c) => c.put([c.done(n.inputs[0])], 0),
  },
};
