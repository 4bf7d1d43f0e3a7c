/**
 * Local arithmetic: add and sub align their operands to one scale (the finer
 * truncated down; a constant, e.g. a bias, encoded at the other operand's scale so no
 * truncation precedes it); neg keeps the scale.
 */
import type { RING_LOCAL_OPS } from '../../../src/ir/ring-ops.js';
import { tfKernel } from '../float-ops.js';
import { mapT, monotone, type FloatRule } from '../interval.js';
import type { ScaleRule } from '../scale.js';
import { keepScale, type RingOpRule } from './rule.js';

/** Operands aligned to the smallest scale among the non-constants (f when all are constants). */
export const alignScales: ScaleRule = (n, c) => {
  const vars = n.inputs.filter((i) => !c.isConst(i));
  const s = vars.length ? Math.min(...vars.map((i) => c.done(i).scale as number)) : c.f;
  c.put(n.inputs.map((i) => (c.isConst(i) ? c.constAt(i, s) : c.atMost(i, s))), s);
};

const add: FloatRule = (n, ins) => tfKernel('Add', n, ins);
const sub: FloatRule = (n, ins) => tfKernel('Sub', n, ins);

export const LOCAL_RULES: Readonly<Record<(typeof RING_LOCAL_OPS)[number], RingOpRule>> = {
  add: { summary: 'sum with broadcasting', evaluate: add, interval: monotone(add), scaleUse: 'agnostic', scale: alignScales },
  sub: {
    summary: 'difference with broadcasting',
    evaluate: sub,
    interval: (n, [a, b]) => ({ lo: sub(n, [a.lo, b.hi]), hi: sub(n, [a.hi, b.lo]) }),
    scaleUse: 'agnostic',
    scale: alignScales,
  },
  neg: {
    summary: 'negation',
    evaluate: (n, ins) => tfKernel('Neg', n, ins),
    interval: (_n, [x]) => ({ lo: mapT(x.hi, (v) => -v), hi: mapT(x.lo, (v) => -v) }),
    scaleUse: 'agnostic',
    scale: keepScale,
  },
};
