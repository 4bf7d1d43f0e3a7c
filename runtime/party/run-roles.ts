/**
 * One prediction of a plan with every role in this process (runtime/party/local.ts: the
 * same party objects a deployment runs, over in-memory links): the weights' owner shares
 * its weights, then every participant of the prediction (src/plan/participants.ts) takes
 * part at once, each with its own inputs only, and each receiver decodes what is revealed
 * to it. This is how `runLocal` runs a program whose inputs come from several roles and
 * whose outputs go to another.
 */
import { prefixErrors, TfeError } from '../../src/errors.js';
import { inputProviders, predictParticipants, type Plan, type Weights } from '../../src/plan/index.js';
import type { Role } from '../transport/types.js';
import { LocalDeployment, type LocalOptions } from './local.js';
import { decodeOutputs, encodeInputsOf, type FloatTensor, type OutputValue } from './prediction-io.js';
import type { Env } from './steps.js';

/** Each input role's inputs, checked and encoded; the batch the providers agree on (1 when no role provides any). */
export function encodeRoles(plan: Plan, inputsByRole: Readonly<Record<Role, Readonly<Record<string, FloatTensor>>>>): { envs: Map<Role, Env>; batch: number } {
  const providers = inputProviders(plan);
  for (const r of Object.keys(inputsByRole)) {
    if (!providers.includes(r)) {
      const kind = plan.roles.find((x) => x.name === r)?.kind;
      throw new TfeError('E_ARG', `inputs were given for role '${r}', which ${kind === undefined ? 'is not a role of the plan' : 'provides no inputs of the plan'}`, `the plan's inputs: ${plan.inputs.map((b) => `'${b.name}' from ${b.provider}`).join(', ')}`);
    }
  }
  const envs = new Map<Role, Env>();
  const batches = new Map<Role, number>();
  for (const r of providers) {
    const given = inputsByRole[r] as Readonly<Record<string, FloatTensor>> | undefined;
    if (given === undefined) throw new TfeError('E_ARG', `no inputs for role '${r}'`, `give ${r}'s inputs: ${plan.inputs.filter((b) => b.provider === r).map((b) => `'${b.name}'`).join(', ')}`);
    const { env, batch } = prefixErrors(`${r}: `, () => encodeInputsOf(plan, r, given));
    envs.set(r, env);
    if (batch !== undefined) batches.set(r, batch);
  }
  const distinct = [...new Set(batches.values())];
  if (distinct.length > 1) throw new TfeError('E_SHAPE', `the roles' inputs have different batch sizes (${[...batches].map(([r, b]) => `${r} ${b}`).join(', ')})`, 'every provider gives the same number of rows');
  return { envs, batch: distinct[0] ?? 1 };
}

/** The setup, then one prediction with every participant; the outputs each receiver decoded, by receiver. */
export async function runRolesLocal(
  plan: Plan,
  weights: Weights,
  inputsByRole: Readonly<Record<Role, Readonly<Record<string, FloatTensor>>>>,
  opts: LocalOptions = {},
): Promise<Record<Role, Record<string, OutputValue>>> {
  const { envs, batch } = encodeRoles(plan, inputsByRole);
  const participants = predictParticipants(plan);
  const d = await LocalDeployment.start(plan, weights, opts);
  try {
    const results = await Promise.all(participants.map((r) => d.session(r, 'predict', envs.has(r) ? batch : 0, envs.get(r) ?? new Map())));
    const out: Record<Role, Record<string, OutputValue>> = {};
    participants.forEach((r, i) => {
      if (plan.outputs.some((o) => o.receiver === r)) out[r] = decodeOutputs(plan, r, results[i].env);
    });
    return out;
  } finally {
    d.close();
  }
}
