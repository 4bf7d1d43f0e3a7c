/**
 * Who takes part in a plan's prediction session: every role a `steps` kernel names
 * outside the protocol's own parties (a `share`'s owner: a provider of private inputs;
 * a `reveal`'s receiver), in the plan's role order. A model's plan has one (the
 * client); a program's may have several (two data owners and an analyst), and then a
 * session runs only when all of them have joined it (runtime/party/compute.ts). The
 * weights' owner takes part in the setup session, not in predictions, unless it also
 * provides inputs or receives outputs.
 */
import { protocolSpec } from '../protocols/registry.js';
import type { Plan } from './schema.js';

/** The input and output roles a prediction session needs, in the plan's role order. */
export function predictParticipants(plan: Plan): string[] {
  const kernels = protocolSpec(plan.protocol).kernels;
  const named = new Set<string>();
  for (const s of plan.steps) for (const r of kernels.get(s.kernel)?.parties(s.attrs).roles ?? []) named.add(r);
  return plan.roles.filter((r) => (r.kind === 'input' || r.kind === 'output') && named.has(r.name)).map((r) => r.name);
}

/** The roles that provide the plan's inputs, in binding order (one for a model's plan: the client). */
export function inputProviders(plan: Plan): string[] {
  return [...new Set(plan.inputs.map((b) => b.provider))];
}
