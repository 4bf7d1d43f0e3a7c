/**
 * The fuzz targets by name, with the size of their CI run and their per-case bound;
 * shared by the CI tests (test/fuzz/*.test.ts) and `npm run bench -- fuzz`. CI sizes keep
 * the whole folder well under 90 s on a 2-core machine (measured in `npm test`: plan ~8 s,
 * models ~4 s, inputs ~4 s, frames ~3 s, party ~6 s).
 */
import { frameTarget } from './frame-target.js';
import type { FuzzTarget } from './harness.js';
import { inputTarget } from './input-target.js';
import { modelTarget } from './model-target.js';
import { partyTarget } from './party-target.js';
import { planTarget } from './plan-target.js';

export interface TargetEntry {
  /** Cases in a CI run. */
  readonly ciRuns: number;
  /** Per-case bound (ms). */
  readonly timeoutMs: number;
  make(): Promise<FuzzTarget<unknown>> | FuzzTarget<unknown>;
}

function entry<C>(ciRuns: number, timeoutMs: number, make: () => Promise<FuzzTarget<C>> | FuzzTarget<C>): TargetEntry {
  return { ciRuns, timeoutMs, make: make as () => Promise<FuzzTarget<unknown>> };
}

export const FUZZ_TARGETS = {
  plan: entry(3000, 5000, planTarget),
  models: entry(600, 10_000, modelTarget),
  inputs: entry(2000, 5000, inputTarget),
  frames: entry(10_000, 5000, frameTarget),
  party: entry(400, 5000, partyTarget),
} as const satisfies Record<string, TargetEntry>;

export type FuzzTargetName = keyof typeof FUZZ_TARGETS;

export function isFuzzTargetName(s: string): s is FuzzTargetName {
  return Object.hasOwn(FUZZ_TARGETS, s);
}
