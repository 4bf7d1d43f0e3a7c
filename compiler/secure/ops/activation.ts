/**
 * Activations. relu: exact comparison, scale kept, monotone. poly and piecewise take
 * their input at f and give their output at f (piecewise's inner scales are its own:
 * piecewise.ts); their interval is their sampled range on the input's interval, plus
 * 1% of its magnitude. sigmoid and tanh are replaced by the activations pass before
 * fixed-point; their intervals are [-0.05, 1.05] and +-1.05 (the approximations'
 * errors are below 5e-2).
 */
import { TfeError } from '../../../src/errors.js';
import type { RING_ACTIVATION_OPS } from '../../../src/ir/ring-ops.js';
import { tfKernel } from '../float-ops.js';
import { constant, extent, monotone, padded, type FloatRule } from '../interval.js';
import { tableOf, tableRange } from '../piecewise.js';
import { evalPoly } from '../poly.js';
import type { ScaleRule } from '../scale.js';
import { keepScale, replacedEarlier, type RingOpRule } from './rule.js';

/** Slack for the polynomial activations beyond [0, 1] / [-1, 1]: their errors are below 5e-2. */
const ACTIVATION_SLACK = 0.05;

/** Input truncated to f, output at f (attrs.fracBits = f). */
const atFracBits: ScaleRule = (n, c) => {
  const x = c.atMost(n.inputs[0], c.f);
  if ((x.scale as number) < c.f) {
    throw new TfeError('E_UNSUPPORTED', `layer "${n.source}": the polynomial's input has scale ${String(x.scale)} < ${c.f}`, 'use fewer fractional bits');
  }
  c.put([x], c.f, { ...n.attrs, fracBits: c.f });
};

const relu: FloatRule = (n, ins) => tfKernel('Relu', n, ins);

export const ACTIVATION_RULES: Readonly<Record<(typeof RING_ACTIVATION_OPS)[number], RingOpRule>> = {
  relu: { summary: 'max(x, 0)', evaluate: relu, interval: monotone(relu), scaleUse: 'agnostic', scale: keepScale },
  poly: {
    summary: 'a public polynomial (attrs.coeffs)',
    interval: (n, [x]) => {
      const c = n.attrs.coeffs as number[];
      let lo = Infinity;
      let hi = -Infinity;
      const a = Math.min(...x.lo.data);
      const b = Math.max(...x.hi.data);
      for (let i = 0; i <= 2000; i++) {
        const y = evalPoly(c, a + ((b - a) * i) / 2000);
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
      return padded(n, lo, hi);
    },
    scaleUse: 'exact',
    scale: atFracBits,
  },
  piecewise: {
    summary: 'public polynomials on segments chosen by exact comparisons',
    interval: (n, [x]) => {
      const [a, b] = extent(x);
      const [lo, hi] = tableRange(tableOf(n.id, n.attrs), a, b);
      return padded(n, lo, hi);
    },
    scaleUse: 'exact',
    scale: atFracBits,
  },
  sigmoid: { summary: 'logistic sigmoid (replaced by its approximation)', interval: (n) => constant(n, -ACTIVATION_SLACK, 1 + ACTIVATION_SLACK), scaleUse: 'agnostic', scale: replacedEarlier },
  tanh: { summary: 'tanh (replaced by its approximation)', interval: (n) => constant(n, -1 - ACTIVATION_SLACK, 1 + ACTIVATION_SLACK), scaleUse: 'agnostic', scale: replacedEarlier },
};
