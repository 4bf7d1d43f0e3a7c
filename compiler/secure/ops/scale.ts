/**
 * Scale changes: trunc divides the integers by 2^bits (the real value stays; only the
 * fixed-point pass places it, after every scale rule ran), rescale reinterprets them at
 * attrs.shift more fractional bits (the real value divided by 2^shift).
 */
import type { RING_SCALE_OPS } from '../../../src/ir/ring-ops.js';
import { mapT } from '../interval.js';
import { replacedEarlier, type RingOpRule } from './rule.js';

export const SCALE_RULES: Readonly<Record<(typeof RING_SCALE_OPS)[number], RingOpRule>> = {
  trunc: { summary: 'divide the integers by 2^bits', interval: (_n, [x]) => x, scaleUse: 'agnostic', scale: replacedEarlier },
  rescale: {
    summary: 'reinterpret at attrs.shift more fractional bits',
    interval: (n, [x]) => {
      const d = 2 ** Number(n.attrs.shift);
      return { lo: mapT(x.lo, (v) => v / d), hi: mapT(x.hi, (v) => v / d) };
    },
    scaleUse: 'exact',
    scale: (n, c) => {
      const x = c.done(n.inputs[0]);
      c.put([x], (x.scale as number) + Number(n.attrs.shift));
    },
  },
};
