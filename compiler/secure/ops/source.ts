/**
 * Sources: an input role's input (its declared range: its own attrs.range when the
 * graph gives one, else the compile option's; scale f) and constants (their values,
 * encoded where used).
 */
import type { RING_SOURCE_OPS } from '../../../src/ir/ring-ops.js';
import { batch1 } from '../float-ops.js';
import { constant } from '../interval.js';
import type { RingOpRule } from './rule.js';

export const SOURCE_RULES: Readonly<Record<(typeof RING_SOURCE_OPS)[number], RingOpRule>> = {
  input: {
    summary: 'the client\'s input',
    // a one-hot input (client-one-hot pass) holds 0s and 1s whatever the declared range
    interval: (n, _ins, c) => {
      if (typeof n.attrs.one_hot_depth === 'number') return constant(n, 0, 1);
      const own = n.attrs.range;
      const [lo, hi] = Array.isArray(own) && own.length === 2 ? (own as readonly number[]) : c.range;
      return constant(n, lo, hi);
    },
    scaleUse: 'agnostic',
    scale: (_n, c) => c.put([], c.f),
  },
  const: {
    summary: 'a model parameter or compiler constant',
    interval: (n) => {
      const t = { shape: batch1(n.shape), data: n.value as Float64Array };
      return { lo: t, hi: t };
    },
    scaleUse: 'agnostic',
    scale: () => undefined, // encoded at the scale of each use
  },
};
