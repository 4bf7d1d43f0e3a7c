/** Data movement: free, monotone, scale kept (concat aligns its operands to one scale, like add). */
import type { RING_LAYOUT_OPS } from '../../../src/ir/ring-ops.js';
import { batch1, nums, tfKernel, vec } from '../float-ops.js';
import { monotone, type FloatRule } from '../interval.js';
import { alignScales } from './local.js';
import { keepScale, type RingOpRule } from './rule.js';

const layout = (summary: string, evaluate: FloatRule): RingOpRule => ({ summary, evaluate, interval: monotone(evaluate), scaleUse: 'agnostic', scale: keepScale });

export const LAYOUT_RULES: Readonly<Record<(typeof RING_LAYOUT_OPS)[number], RingOpRule>> = {
  reshape: layout('same elements, new shape', (n, ins) => ({ shape: batch1(n.shape), data: ins[0].data })),
  transpose: layout('axes permuted by attrs.perm', (n, ins) => tfKernel('Transpose', n, [ins[0], vec(nums(n, 'perm'))])),
  pad: layout('zero padding by attrs.paddings', (n, ins) => tfKernel('Pad', n, [ins[0], vec(nums(n, 'paddings'))])),
  slice: layout('the block at attrs.begin of attrs.size', (n, ins) => tfKernel('Slice', n, [ins[0], vec(nums(n, 'begin')), vec(nums(n, 'size'))])),
  concat: { ...layout('operands joined along attrs.axis', (n, ins) => tfKernel('Concat', n, [...ins, vec([Number(n.attrs.axis)])])), scale: alignScales },
};
