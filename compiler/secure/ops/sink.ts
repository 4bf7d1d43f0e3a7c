/** Sinks: an output, revealed at its scale (not truncated: the client decodes with it). */
import type { RING_SINK_OPS } from '../../../src/ir/ring-ops.js';
import { monotone, type FloatRule } from '../interval.js';
import { keepScale, type RingOpRule } from './rule.js';

const identity: FloatRule = (_n, ins) => ins[0];

export const SINK_RULES: Readonly<Record<(typeof RING_SINK_OPS)[number], RingOpRule>> = {
  output: { summary: 'revealed to its receiver', evaluate: identity, interval: monotone(identity), scaleUse: 'agnostic', scale: keepScale },
};
