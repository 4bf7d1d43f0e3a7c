/**
 * The ring op table: one entry per op of src/ir/ring-ops.ts, gathered from one file per
 * op group. Typed as a total Record, so an op added to ring-ops.ts without an entry is a
 * type error. bounds.ts, fixed-point.ts and the float evaluation look entries up here.
 */
import type { RingOp } from '../../../src/ir/ring-ops.js';
import { ACTIVATION_RULES } from './activation.js';
import { LAYOUT_RULES } from './layout.js';
import { LOCAL_RULES } from './local.js';
import { POOLING_RULES } from './pooling.js';
import { PRODUCT_RULES } from './product.js';
import { REDUCTION_RULES } from './reduction.js';
import type { RingOpRule } from './rule.js';
import { SCALE_RULES } from './scale.js';
import { SINK_RULES } from './sink.js';
import { SOURCE_RULES } from './source.js';

export type { RingOpRule } from './rule.js';

export const RING_OP_RULES: Readonly<Record<RingOp, RingOpRule>> = {
  ...SOURCE_RULES,
  ...PRODUCT_RULES,
  ...LOCAL_RULES,
  ...SCALE_RULES,
  ...ACTIVATION_RULES,
  ...POOLING_RULES,
  ...REDUCTION_RULES,
  ...LAYOUT_RULES,
  ...SINK_RULES,
};
