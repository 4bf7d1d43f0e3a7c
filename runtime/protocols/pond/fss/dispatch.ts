/**
 * The comparison a kernel runs, chosen by its attrs.compare (src/protocols/pond-fss.ts
 * compareMethod: exact, the default, or fss): compareMul (compare.ts, 8 rounds, small
 * dealer material) or compareMulFss (compare-fss.ts, 1 round, DCF keys). Both have the
 * same contract and result type.
 */
import { compareMethod } from '../../../../src/protocols/pond-fss.js';
import type { KernelAttrs } from '../../../../src/protocols/spec.js';
import type { PartyContext, Secret } from '../../types.js';
import { compareMul, type CompareResult } from '../compare.js';
import { compareMulFss } from './compare-fss.js';

export type Comparator = (ctx: PartyContext, x: Secret, payloads: readonly Secret[]) => Promise<CompareResult>;

export function comparator(kernel: string, attrs: KernelAttrs): Comparator {
  return compareMethod(kernel, attrs) === 'fss' ? compareMulFss : compareMul;
}
