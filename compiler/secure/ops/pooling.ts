/**
 * NHWC windows, both monotone. maxpool keeps the scale (attrs.relu: max with 0 too); avgpool multiplies by a
 * public reciprocal of fb bits (scale.ts avgpoolBits) and adds fb, first truncating its
 * input to f when the added bits would break headroom.
 */
import type { RING_POOLING_OPS } from '../../../src/ir/ring-ops.js';
import { tfKernel, windowOf } from '../float-ops.js';
import { monotone, type FloatRule } from '../interval.js';
import { avgpoolBits, fits } from '../scale.js';
import { keepScale, type RingOpRule } from './rule.js';

/** The window maximum; with attrs.relu (maxpool-relu-fuse), of the window and 0. */
const maxpool: FloatRule = (n, ins) => {
  const m = tfKernel('MaxPool', n, ins, windowOf(n));
  if (n.attrs.relu !== true) return m;
  return { ...m, data: m.data.map((v) => Math.max(v, 0)) };
};
const avgpool: FloatRule = (n, ins) => tfKernel('AvgPool', n, ins, windowOf(n));

export const POOLING_RULES: Readonly<Record<(typeof RING_POOLING_OPS)[number], RingOpRule>> = {
  maxpool: { summary: 'window maximum', evaluate: maxpool, interval: monotone(maxpool), scaleUse: 'agnostic', scale: keepScale },
  avgpool: {
    summary: 'window mean',
    evaluate: avgpool,
    interval: monotone(avgpool),
    scaleUse: 'product',
    scale: (n, c) => {
      const fb = avgpoolBits(n, c.f);
      let x = c.done(n.inputs[0]);
      if (!fits(c.bound, (x.scale as number) + fb)) x = c.atMost(x.id, c.f);
      c.put([x], (x.scale as number) + fb, { ...n.attrs, fracBits: fb });
    },
  },
};
