/**
 * Runs a plan's step list for ONE role: the steps that role takes part in (every step
 * for a compute role; for the dealer, the steps whose kernels consume its material;
 * for an input or output role, the steps that name it, such as its `share` and the
 * `reveal` to it), in order, each tagged on the transport with its index. Operands
 * this role holds come from its environment; the others are shape-only (their shapes
 * from the plan's tensor table at the session's batch size). Kernel errors are
 * reported with the protocol, kernel, step, source node and role.
 */
import { TfeError } from '../../src/errors.js';
import { shapeAtBatch, type Plan, type PlanStep, type PlanTensor } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import type { ProtocolSpec } from '../../src/protocols/spec.js';
import type { KernelRegistry } from '../protocols/registry.js';
import { pub, secret, type Operand, type PartyContext } from '../protocols/types.js';

export type Env = Map<string, Operand>;

/** An endpoint that tags what it sends with the current step (the session endpoint; the dealer's material sender). */
export interface StepTagged {
  setStep(step: number, name: string): void;
  /** Resolves when what the role sent has left its send buffers (awaited before each step: backpressure). */
  drained?(): Promise<void>;
}

export interface StepsRun {
  readonly plan: Plan;
  readonly list: 'setupSteps' | 'steps';
  readonly batch: number;
  readonly kernels: KernelRegistry;
  /** The role's kind in the plan. */
  readonly kind: string;
  /** Runs only the steps this accepts (indices unchanged: a re-mask runs the setup's material steps, remask.ts). */
  readonly only?: (s: PlanStep) => boolean;
}

/** Whether `role` (of `kind`) takes part in step `s` of a plan of protocol `p`. */
export function takesPart(p: ProtocolSpec, s: PlanStep, role: string, kind: string): boolean {
  if (kind === 'compute') return true;
  const spec = p.kernels.get(s.kernel);
  if (!spec) throw new TfeError('E_PLAN', `protocol ${p.name} has no kernel '${s.kernel}'`);
  const parties = spec.parties(s.attrs);
  return kind === 'dealer' ? parties.dealer : parties.roles.includes(role);
}

function shapeOnly(t: PlanTensor, batch: number): Operand {
  const shape = shapeAtBatch(t.shape, batch);
  return t.visibility === 'secret' ? secret(shape) : pub(shape);
}

/** The plan's tensor table by id, made once per plan (a plan is immutable once parsed). */
const tensorTables = new WeakMap<Plan, ReadonlyMap<string, PlanTensor>>();

function tensorTable(plan: Plan): ReadonlyMap<string, PlanTensor> {
  let t = tensorTables.get(plan);
  if (!t) {
    t = new Map(plan.tensors.map((x) => [x.id, x]));
    tensorTables.set(plan, t);
  }
  return t;
}

/** Runs the role's steps of `r.list`, reading and extending `env`. */
export async function runSteps(ctx: PartyContext & { readonly net: StepTagged }, env: Env, r: StepsRun): Promise<void> {
  const steps = r.plan[r.list];
  const protocol = protocolSpec(r.plan.protocol);
  const tensors = tensorTable(r.plan);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (!takesPart(protocol, s, ctx.role, r.kind) || (r.only && !r.only(s))) continue;
    // the error context, made only when an error needs it
    const at = (): string => `${r.plan.protocol} ${s.kernel} (${r.list}[${i}], node '${s.source}', ${ctx.role})`;
    // a slow link holds this party back here instead of piling up its messages
    await ctx.net.drained?.();
    ctx.net.setStep(i, `${s.kernel}, node '${s.source}'`);
    const inputs = s.inputs.map((id) => {
      const held = env.get(id);
      if (held) return held;
      const t = tensors.get(id);
      if (!t) throw new TfeError('E_PLAN', `${at()}: input tensor ${id} is not in the plan`);
      return shapeOnly(t, r.batch);
    });
    let outs: Operand[];
    try {
      outs = await r.kernels.get(s.kernel).run(ctx, inputs, s.attrs);
    } catch (e) {
      if (e instanceof TfeError) throw new TfeError(e.code, e.message.startsWith(`${r.plan.protocol} `) ? e.message : `${at()}: ${e.message}`, e.hint);
      throw e;
    }
    outs.forEach((o, j) => env.set(s.outputs[j], o));
  }
}
