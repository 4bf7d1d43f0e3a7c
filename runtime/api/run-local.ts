/**
 * `runLocal(compiled, inputs)`: one private prediction with every role of the plan a
 * party of its own in this process (runtime/party/local.ts: the same parties a
 * deployment runs, over in-memory links), returning every receiver's outputs. The plan
 * is verified and the weights checked against it first (as each party of a deployment
 * does), and the inputs checked against the plan's input bindings by role
 * (api/inputs.ts) before anything is encoded.
 *
 * A plan whose only participant is one role that provides every input and receives every
 * output (a model's plan: `client`) runs through PlanDeployment, so a large batch is
 * split into consecutive sessions as `tfe run` splits it; a plan with several input or
 * output roles (a program's) runs one session with all of them (party/run-roles.ts).
 */
import { TfeError } from '../../src/errors.js';
import { checkWeights, predictParticipants, verifyPlan, type Plan } from '../../src/plan/index.js';
import { PlanDeployment } from '../party/executor.js';
import { runRolesLocal } from '../party/run-roles.js';
import type { RingBackend } from '../ring/backend.js';
import { tensorsByRole } from './inputs.js';
import { runOutputs, type Compiled, type RoleInputs, type RunOutputs } from './types.js';

export interface RunLocalOptions {
  /** The ring backend (default: the fastest available: native, wasm, or BigInt). */
  readonly ring?: RingBackend;
  /** Examples per session for a model's plan (default: from the plan's declared bytes). */
  readonly chunk?: number;
  /** The weights' owner consents to a plan compiled with --public-weights (its weights go to the servers in the clear). */
  readonly publicWeights?: boolean;
}

/** E_ARG unless `compiled` carries a plan and weights. */
export function checkCompiled(compiled: Compiled, what: string): Plan {
  if (compiled === null || typeof compiled !== 'object' || !('plan' in compiled) || !('weights' in compiled)) {
    throw new TfeError('E_ARG', `${what}: expected { plan, weights } (compile()'s result, a program's, or loadPlan(dir)'s)`);
  }
  return compiled.plan;
}

/** Runs one prediction of `compiled` on `inputs` (by role, then input name); resolves to every receiver's outputs by name. */
export async function runLocal(compiled: Compiled, inputs: RoleInputs, opts: RunLocalOptions = {}): Promise<RunOutputs> {
  const plan = checkCompiled(compiled, 'runLocal');
  verifyPlan(plan);
  checkWeights(plan, compiled.weights);
  const tensors = tensorsByRole(plan, inputs);
  const participants = predictParticipants(plan);
  // one participant (verifyPlan: every input is shared by its provider, every output revealed to its receiver) is a model's client
  if (participants.length === 1) {
    const role = participants[0];
    const d = await PlanDeployment.start(plan, compiled.weights, opts);
    try {
      return runOutputs(role, (await d.predict(tensors[role] ?? {})).outputs);
    } finally {
      d.close();
    }
  }
  const byRole = await runRolesLocal(plan, compiled.weights, tensors, opts);
  const out: RunOutputs = {};
  for (const [role, outputs] of Object.entries(byRole)) Object.assign(out, runOutputs(role, outputs));
  return out;
}
