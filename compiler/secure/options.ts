/**
 * Options of the secure (fixed-point) half of the compiler, from `tfe compile` flags
 * or `compile()`'s options, with their defaults in one place.
 */
import { DEFAULT_FRAC_BITS } from '../../src/fixed/index.js';
import type { CompareMethod } from '../../src/protocols/pond-fss.js';

export interface SecureOptions {
  /** Fractional bits of every fixed-point value (--frac-bits, default 16). */
  readonly fracBits: number;
  /** ReLU by exact comparison (default) or by a fitted polynomial (--relu poly). */
  readonly relu: 'exact' | 'poly';
  /** --relu-range R: fit the ReLU polynomial on [-R, R] (default: the layer's input bound, capped at RELU_RANGE_CAP). */
  readonly reluRange?: number;
  /** The range every input element is declared to lie in (--input-range LO:HI or --calibrate). */
  readonly inputRange: readonly [number, number];
  /** --public-weights: the weights are public (revealed to the servers: this reveals the model). */
  readonly publicWeights: boolean;
  /** --output label: compute the ArgMax of the (single) output and reveal only it. */
  readonly outputLabel: boolean;
  /**
   * --maxpool: how a max-pool window's maximum is found (src/protocols/pond.ts
   * maxpoolMethod). auto (default): all pairs at once for small windows and small
   * sessions, else a tournament; pairs: all pairs for windows of up to 5 candidates
   * (fewest rounds, more bytes); tournament: halving levels (fewest bytes).
   */
  readonly maxpool: 'auto' | 'pairs' | 'tournament';
  /**
   * --compare: how exact comparisons (ReLU, max-pool, ArgMax) run. exact (default):
   * the 8-round A2B comparison with small dealer material; fss: function secret sharing
   * (DCF keys from the dealer, src/protocols/pond-fss.ts): 1 round per comparison
   * layer, about 2 KB of keys per comparison to each server. --relu poly is unchanged.
   */
  readonly compare: CompareMethod;
}

export const DEFAULT_INPUT_RANGE: readonly [number, number] = [-8, 8];
/** Largest default ReLU polynomial range: wider ranges make a low-degree fit useless. */
export const RELU_RANGE_CAP = 64;

export const DEFAULT_SECURE_OPTIONS: SecureOptions = {
  fracBits: DEFAULT_FRAC_BITS,
  relu: 'exact',
  inputRange: DEFAULT_INPUT_RANGE,
  publicWeights: false,
  outputLabel: false,
  maxpool: 'auto',
  compare: 'exact',
};
