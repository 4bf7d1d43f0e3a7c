/**
 * The model owner's consent to public weights. `tfe compile --public-weights` makes a
 * plan that sends the model's parameters to the servers in the clear (cheaper
 * products, no secrecy of the model). Whether that is allowed is the model owner's
 * decision, not the plan's: the owner's process refuses such a plan unless it was
 * started with --public-weights itself (`tfe party model-owner --public-weights`,
 * `tfe run|eval|up --public-weights` for a local run). What is a parameter comes from
 * the owner's own weights.json (entry.parameter, written by `tfe compile`), never from
 * the plan, so a plan cannot relabel a weight as a constant to skip the question.
 *
 * A step makes an operand public when the protocol's spec gives the kernel a private
 * operand and a public result (Pond's `publish`); the verifier (verify.ts) already
 * allows an owner's private tensor only as an operand of such owner kernels.
 */
import { TfeError } from '../errors.js';
import { protocolSpec } from '../protocols/registry.js';
import type { Plan } from './schema.js';
import type { WeightsManifest } from './weights.js';

/** Refuses (E_POLICY) a plan that publishes one of `owner`'s parameters when the owner did not consent. */
export function checkPublicWeightsConsent(plan: Plan, manifest: WeightsManifest, owner: string, consent: boolean): void {
  if (consent) return;
  const protocol = protocolSpec(plan.protocol);
  const entries = new Map(manifest.entries.map((e) => [e.name, e]));
  const parameters = new Map<string, string>();
  for (const w of plan.weights) {
    if (w.owner === owner && entries.get(w.entry)?.parameter !== false) parameters.set(w.tensor, w.entry);
  }
  for (const list of ['setupSteps', 'steps'] as const) {
    plan[list].forEach((s, i) => {
      const spec = protocol.kernels.get(s.kernel);
      if (!spec || !spec.results.includes('public')) return;
      s.inputs.forEach((id, j) => {
        const entry = parameters.get(id);
        if (entry === undefined || spec.operands[j] !== 'private') return;
        throw new TfeError(
          'E_POLICY',
          `plan ${list}[${i}] (kernel ${s.kernel}, node '${s.source}') sends the model parameter '${entry}' to the servers in the clear, and ${owner} did not consent`,
          `this plan was compiled with --public-weights (it reveals the model to the servers): start ${owner} with --public-weights to allow it, or recompile without`,
        );
      });
    });
  }
}
