/**
 * The weights' owner's environment: each tensor bound to an entry of weights.bin,
 * held in the clear by its owner (a private tensor its setup steps share or publish).
 * Only the owner's process ever reads weights.bin, and it refuses a plan that would
 * send its parameters to the servers in the clear unless it consented
 * (src/plan/consent.ts).
 */
import { TfeError } from '../../src/errors.js';
import { checkPublicWeightsConsent, type Plan, type Weights } from '../../src/plan/index.js';
import { pub } from '../protocols/types.js';
import { ringTensor } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import type { Env } from './steps.js';

/** @param publicWeights the owner's consent to a plan that publishes its parameters (--public-weights) */
export function weightEnv(plan: Plan, weights: Weights, owner: Role, publicWeights: boolean): Env {
  checkPublicWeightsConsent(plan, weights.manifest, owner, publicWeights);
  const entries = new Map(weights.manifest.entries.map((e) => [e.name, e]));
  const env: Env = new Map();
  for (const w of plan.weights) {
    if (w.owner !== owner) continue;
    const e = entries.get(w.entry);
    if (!e) throw new TfeError('E_PLAN', `weights.json has no entry '${w.entry}' for tensor ${w.tensor}`);
    env.set(w.tensor, pub(e.shape, ringTensor(e.shape, weights.data.subarray(e.offset, e.offset + e.length))));
  }
  return env;
}
