/**
 * Plan and weights emission: the lowered program becomes plan.json's object (with a
 * plan id derived from its content (src/plan/digest.ts), the cost totals, the options) and the
 * model owner's weights (encoded at the scale the fixed-point pass chose, as ring
 * words, with the manifest). The plan holds no weight values: weights only travel in
 * weights.bin, and tensors name them.
 */
import { TfeError } from '../../src/errors.js';
import { encode } from '../../src/fixed/index.js';
import { PLAN_FORMAT, PLAN_VERSION, type Plan } from '../../src/plan/schema.js';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION, type Weights, type WeightEntry } from '../../src/plan/weights.js';
import { planDigest, weightsDigest } from '../../src/plan/digest.js';
import { planRoles } from '../../src/plan/roles.js';
import { addCosts } from '../../src/protocols/spec.js';
import type { LoweredProgram } from '../lower/lower.js';
import { addSetupSteps } from './setup.js';

export interface EmitInfo {
  readonly fracBits: number;
  /** The model's base name, hash and format (public), and its absolute path (weights.json only). */
  readonly model: { readonly file: string; readonly sha256?: string; readonly format: string; readonly absolutePath?: string };
  readonly options: Plan['options'];
}

export function emitPlan(lowered: LoweredProgram, info: EmitInfo): { plan: Plan; weights: Weights } {
  const p = addSetupSteps(lowered, lowered.protocol);
  const perPrediction = addCosts(p.steps.map((s) => s.cost));
  const total = p.weights.reduce((a, w) => a + w.values.length, 0);
  const data = new BigUint64Array(total);
  const entries: WeightEntry[] = [];
  let offset = 0;
  for (const w of p.weights) {
    data.set(encode(w.values, w.scale, `weight ${w.entry}`), offset);
    entries.push({ name: w.entry, shape: w.shape.map((d) => Math.max(d, 0)), scale: w.scale, offset, length: w.values.length, parameter: w.parameter });
    offset += w.values.length;
  }
  // the role holding each weight (the lowering's owner of its tensor: one role per plan, compile.ts)
  const ownerOf = new Map(p.tensors.map((t) => [t.id, t.owner]));
  const weightOwner = (tensor: string): string => {
    const o = ownerOf.get(tensor);
    if (o === undefined) throw new TfeError('E_INTERNAL', `weight tensor ${tensor} has no owner`);
    return o;
  };
  const plan: Plan = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    planId: '',
    weightsSha256: weightsDigest(data),
    protocol: p.protocol.name,
    ringBits: 64,
    fracBits: info.fracBits,
    roles: planRoles(p.protocol, [...p.inputs.map((i) => i.provider), ...p.weights.map((w) => weightOwner(w.tensor))], p.outputs.map((o) => o.receiver)),
    model: { file: info.model.file, ...(info.model.sha256 !== undefined ? { sha256: info.model.sha256 } : {}), format: info.model.format },
    tensors: p.tensors,
    weights: p.weights.map((w) => ({ tensor: w.tensor, entry: w.entry, owner: weightOwner(w.tensor) })),
    inputs: p.inputs,
    outputs: p.outputs,
    setupSteps: p.setupSteps,
    steps: p.steps,
    cost: { perPrediction, setup: addCosts(p.setupSteps.map((s) => s.cost)) },
    options: info.options,
  };
  plan.planId = planDigest(plan);
  const planId = plan.planId;
  return { plan, weights: { manifest: { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, planId, ...(info.model.absolutePath !== undefined ? { modelPath: info.model.absolutePath } : {}), entries }, data } };
}
