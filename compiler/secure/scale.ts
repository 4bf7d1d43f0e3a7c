/**
 * The fixed-point pass's vocabulary (fixed-point.ts is the driver; each ring op's scale
 * rule is its entry in compiler/secure/ops): the headroom test, exact encodings of
 * public constants, avgpool's reciprocal bits, and the context a scale rule works in.
 */
import type { RingAttrs, RingNode } from '../../src/ir/ring-ops.js';
import { HEADROOM_LOG2 } from '../ring/verify.js';

/** bound * 2^scale fits the ring's headroom (trunc_s and the comparisons need |x| < 2^62). */
export function fits(bound: number, scale: number): boolean {
  return scale <= HEADROOM_LOG2 && bound * 2 ** scale < 2 ** HEADROOM_LOG2;
}

/** Fractional bits of an avgpool's reciprocal: exact bits for a power-of-two VALID window. */
export function avgpoolBits(n: RingNode, f: number): number {
  const k = (n.attrs.ksize as number[]).reduce((a, d) => a * d, 1);
  const log = Math.log2(k);
  return n.attrs.padding === 'VALID' && Number.isInteger(log) ? log : f;
}

/** The fewest fractional bits (<= f) that encode every value exactly (f when none does). */
export function exactBits(v: Float64Array, f: number): number {
  for (let b = 0; b <= f; b++) if (v.every((x) => Number.isInteger(x * 2 ** b))) return b;
  return f;
}

/** A compiler constant (public, not a model weight) exact in fewer than f bits, e.g. a mean's 1/4. */
export function isExactPublic(n: RingNode, f: number): boolean {
  return n.op === 'const' && n.vis === 'public' && n.attrs.param !== true && exactBits(n.value as Float64Array, f) < f;
}

/** What a scale rule sees of the fixed-point pass while it assigns node `n`. */
export interface ScaleContext {
  /** The plan's fractional bits. */
  readonly f: number;
  /** The node's bound on |real value| (bounds.ts). */
  readonly bound: number;
  /** The node is a product that takes its operands untruncated (a trial of fixed-point.ts). */
  readonly untruncated: boolean;
  /** The unscaled node `id` (a const's values). */
  source(id: string): RingNode;
  isConst(id: string): boolean;
  /** The scaled node `id` (already assigned). */
  done(id: string): RingNode;
  /** The constant `id` encoded at `scale` (one node per scale). */
  constAt(id: string, scale: number): RingNode;
  /** Operand `id` at a scale of at most `max` (truncated once per value and scale). */
  atMost(id: string, max: number): RingNode;
  /** Emits `n` with these operands, scale and attributes (headroom checked). */
  put(inputs: readonly RingNode[], scale: number, attrs?: RingAttrs): void;
}

/** Assigns node `n` its scale through `c.put` (or emits nothing: a const is encoded where used). */
export type ScaleRule = (n: RingNode, c: ScaleContext) => void;

/** How the op's result depends on its operands' scale (for lazy truncation). */
export type ScaleUse =
  /** relu, layout, sums: any scale, kept. */
  | 'agnostic'
  /** A product: output scale = sum of operand scales; the last ones before an output may stay untruncated. */
  | 'product'
  /** Needs its operand at a given scale (poly, piecewise) or reinterprets it (rescale). */
  | 'exact';
