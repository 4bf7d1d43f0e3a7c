/**
 * A plan's declared cost at a batch size: each step's kernel spec evaluated at the
 * step's operand shapes with the batch dimension (-1) set. The plan itself records
 * costs at batch 1; runs report the declared cost at their own batch next to what
 * they measured.
 */
import { protocolSpec } from '../protocols/registry.js';
import { FREE, addCosts, type Cost } from '../protocols/spec.js';
import type { Plan, PlanStep } from './schema.js';
import { shapeAtBatch } from './batch-shape.js';

/** Each step's declared cost at `batch` (a kernel the protocol lacks costs nothing: the verifier refuses it). */
function stepCosts(plan: Plan, steps: readonly PlanStep[], batch: number): Cost[] {
  const p = protocolSpec(plan.protocol);
  const shapes = new Map(plan.tensors.map((t) => [t.id, t.shape]));
  return steps.map((s) => {
    const spec = p.kernels.get(s.kernel);
    if (!spec) return FREE;
    return spec.cost(s.inputs.map((id) => shapeAtBatch(shapes.get(id) ?? [], batch)), s.attrs, { warm: true });
  });
}

export function declaredCost(plan: Plan, steps: readonly PlanStep[], batch: number): Cost {
  return addCosts(stepCosts(plan, steps, batch));
}

/** Control messages and hellos are small; no frame limit goes below this. */
const MIN_FRAME_BYTES = 1 << 20;

/**
 * The largest frame payload a party of `plan` can legitimately receive at batch sizes
 * up to `maxBatch`: no single message of a step exceeds the step's declared bytes of
 * its sender (nor, for dealer material, the step's dealer bytes). Transports refuse
 * larger frames before reading them, so a hostile length prefix cannot exhaust memory.
 */
export function maxFramePayload(plan: Plan, maxBatch: number): number {
  let most = MIN_FRAME_BYTES;
  for (const c of stepCosts(plan, [...plan.setupSteps, ...plan.steps], maxBatch)) most = Math.max(most, c.dealerBytes, ...Object.values(c.bytes));
  return most;
}
