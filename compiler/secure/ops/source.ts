/** Sources: the client's input (the declared range, scale f) and constants (their values, encoded where used). */
import type { RING_SOURCE_OPS } from '../../../src/ir/ring-ops.js';
import { batch1 } from '../float-ops.js';
import { constant } from '../interval.js';
import type { RingOpRule } from './rule.js';

export const SOURCE_RULES: Readonly<Record<(typeof RING_SOURCE_OPS)[number], RingOpRule>> = {
  input: {
    summary: 'the client\'s input',
    // a one-hot input (client-one-hot pass) holds 0s and 1s whatever the declared range
    interval: (n, _ins, c) => (typeof n.attrs.one_hot_depth === 'number' ? constant(n, 0, 1) : constant(n, c.range[0], c.range[1])),
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
