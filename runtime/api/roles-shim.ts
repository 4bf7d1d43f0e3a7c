/**
 * TEMPORARY stand-in for runtime/party/run-roles.ts `runRolesLocal` (the lead's
 * several-roles session), with its signature, until it is on main: one LocalDeployment,
 * every participant's session started at once, each receiver's decoded outputs. Under
 * the current leader (one role per session) it works for plans with one participant.
 * TODO(lead): delete this file and import runRolesLocal from '../party/run-roles.js' in run-local.ts.
 */
import { predictParticipants, type Plan, type Weights } from '../../src/plan/index.js';
import { LocalDeployment, type LocalOptions } from '../party/local.js';
import { decodeOutputs, encodeInputsOf, type FloatTensor, type OutputValue } from '../party/prediction-io.js';
import type { Role } from '../transport/types.js';

export async function runRolesLocal(plan: Plan, weights: Weights, inputsByRole: Readonly<Record<Role, Readonly<Record<string, FloatTensor>>>>, opts: LocalOptions = {}): Promise<Record<Role, Record<string, OutputValue>>> {
  const d = await LocalDeployment.start(plan, weights, opts);
  try {
    const roles = predictParticipants(plan);
    const enc = roles.map((r) => encodeInputsOf(plan, r, inputsByRole[r] ?? {}));
    const results = await Promise.all(roles.map((r, i) => d.session(r, 'predict', enc[i].batch ?? 0, enc[i].env)));
    const out: Record<Role, Record<string, OutputValue>> = {};
    roles.forEach((r, i) => {
      if (plan.outputs.some((b) => b.receiver === r)) out[r] = decodeOutputs(plan, r, results[i].env);
    });
    return out;
  } finally {
    d.close();
  }
}
