/**
 * One ring op, described once: its interval rule (bounds.ts), its scale rule and scale
 * use (fixed-point.ts) and its float evaluation. compiler/secure/ops/index.ts gathers
 * one entry per op of src/ir/ring-ops.ts (a missing op is a type error); the passes
 * are drivers that look the entry up. Lowering to a protocol's kernels is a separate,
 * per-protocol table (compiler/lower/).
 */
import { TfeError } from '../../../src/errors.js';
import type { RingNode } from '../../../src/ir/ring-ops.js';
import type { FloatRule, IntervalRule } from '../interval.js';
import type { ScaleRule, ScaleUse } from '../scale.js';

export interface RingOpRule {
  /** What the op computes, one line. */
  readonly summary: string;
  readonly interval: IntervalRule;
  readonly scaleUse: ScaleUse;
  readonly scale: ScaleRule;
  /** Float64 evaluation (batch 1); absent for sources, scale changes and approximations. */
  readonly evaluate?: FloatRule;
}

/** The scale rule of an op that keeps its operand's scale (a constant operand encoded at f). */
export const keepScale: ScaleRule = (n, c) => {
  const x = c.isConst(n.inputs[0]) ? c.constAt(n.inputs[0], c.f) : c.done(n.inputs[0]);
  c.put([x], x.scale as number);
};

/** The scale rule of an op the activations pass replaces before fixed-point runs. */
export const replacedEarlier: ScaleRule = (n: RingNode) => {
  throw new TfeError('E_IR', `fixed-point: unexpected ${n.op} node "${n.id}" (the activations pass runs first)`);
};
