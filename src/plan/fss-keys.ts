/**
 * The FSS key material of a plan's steps (those with attrs.compare = 'fss'): the DCF
 * key bytes each server receives and the AES blocks the dealer encrypts to make them,
 * at a given batch (src/protocols/pond-fss.ts). For `tfe compile --explain` and the
 * inference benchmark's key_bytes; the keys are part of the declared dealer bytes.
 */
import { comparisonLayers } from '../protocols/pond.js';
import { fssDealerAesBlocks, fssKeyBytes } from '../protocols/pond-fss.js';
import { shapeAtBatch } from './batch-shape.js';
import type { Plan, PlanStep } from './schema.js';

export interface FssKeys {
  /** Key bytes each server receives. */
  readonly bytes: number;
  /** AES-128 blocks the dealer encrypts to make them. */
  readonly aesBlocks: number;
}

export function fssKeys(plan: Plan, steps: readonly PlanStep[], batch = 1): FssKeys {
  const shapes = new Map(plan.tensors.map((t) => [t.id, t.shape]));
  let bytes = 0;
  let aesBlocks = 0;
  for (const s of steps) {
    if (s.attrs.compare !== 'fss') continue;
    for (const c of comparisonLayers(s.kernel, s.inputs.map((id) => shapeAtBatch(shapes.get(id) ?? [], batch)), s.attrs)) {
      bytes += fssKeyBytes(c.n, c.payloads);
      aesBlocks += fssDealerAesBlocks(c.n, c.payloads);
    }
  }
  return { bytes, aesBlocks };
}
