/**
 * The weights' owner's environment: each tensor bound to an entry of weights.bin,
 * held in the clear by its owner (a private tensor its setup steps share or publish).
 * Only the owner's process ever reads weights.bin.
 */
import { TfeError } from '../../src/errors.js';
import type { Plan, Weights } from '../../src/plan/index.js';
import { pub } from '../protocols/types.js';
import { ringTensor } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import type { Env } from './steps.js';

export function weightEnv(plan: Plan, weights: Weights, owner: Role): Env {
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
