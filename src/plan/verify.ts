/**
 * The plan verifier: the one check that `tfe compile` runs before it writes a plan and
 * that every party runs before it executes anything. A plan is refused, with an error
 * naming the step (its list, index, kernel and source node) and the rule, unless:
 *
 *  - its id is the SHA-256 of its canonical form (digest.ts), so it is the plan its
 *    peers run and its weights were made for (E_POLICY otherwise);
 *  - its roles are its protocol's compute and dealer roles plus free `input` / `output`
 *    roles (never a reserved name): a dealer-free protocol's plan has no dealer role, and
 *    its helper (securenn's server2) is declared `compute`, as the protocol says;
 *  - only input and output roles own private tensors and are named by a kernel as the
 *    owner of its private operand or the receiver of its private result (`share` /
 *    `publish` owner, `reveal` receiver): a compute or dealer role holds shares, public
 *    values or material, never a role's data in the clear (E_POLICY);
 *  - every step's kernel exists in the protocol, and is marked as revealing exactly
 *    when the protocol's spec says it reveals;
 *  - every operand is a tensor defined before it is used (by the tensor table's
 *    sources: input bindings, weight bindings, or an earlier step), and every tensor is
 *    defined once;
 *  - operand and result kinds match the kernel's signature (a secret where a secret is
 *    expected, a private tensor only as the private operand of its owner's kernel, a
 *    private result owned by the role the kernel names);
 *  - output shapes are the kernel's output shapes, at batch 1 and at batch 3 (so the
 *    batch dimension -1 flows through every step);
 *  - every revealing step opens an output binding's tensor to that binding's receiver,
 *    and no output is received by a compute or dealer role (E_POLICY);
 *  - a kernel that makes its owner's private operand public (publish) never takes an
 *    input role's data, only weights (E_POLICY); whether the weights may be public is
 *    the model owner's decision (consent.ts);
 *  - nothing revealed depends only on weights and constants: it must depend on an input
 *    role's data (E_POLICY), or the reveal would disclose the model;
 *  - no tensor, and not the number of tensors or steps, exceeds the party's limits
 *    (PlanLimits), checked before anything is allocated;
 *  - no party's declared bytes for one prediction at the largest batch a party accepts,
 *    or for the setup, exceed the caps (cost-limits.ts), checked once the steps are
 *    known to be well formed, still before a party allocates anything.
 *
 * Verification uses the spec's declared shapes and attributes only: no values.
 */
import { TfeError } from '../errors.js';
import { protocolSpec } from '../protocols/registry.js';
import { materialRole, type KernelSpec, type OperandKind, type ProtocolSpec } from '../protocols/spec.js';
import { sameShape, shapeStr, type Shape } from '../shape.js';
import { shapeAtBatch } from './batch-shape.js';
import { checkCostLimits, type CostLimits } from './cost-limits.js';
import { planDigest } from './digest.js';
import type { Plan, PlanStep, PlanTensor } from './schema.js';

type StepList = 'setupSteps' | 'steps';

function where(list: StepList, i: number, s: PlanStep): string {
  return `plan ${list}[${i}] (kernel ${s.kernel}, node '${s.source}')`;
}

function planError(msg: string, hint?: string): TfeError {
  return new TfeError('E_PLAN', msg, hint);
}

function policyError(msg: string): TfeError {
  return new TfeError('E_POLICY', msg, 'this plan.json was not written by `tfe compile`, or was edited: recompile the model');
}

function checkRoles(plan: Plan, p: ProtocolSpec): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const r of plan.roles) {
    if (kinds.has(r.name)) throw planError(`plan roles: '${r.name}' is listed twice`);
    kinds.set(r.name, r.kind);
  }
  const want = [...p.computeRoles.map((n) => [n, 'compute']), ...p.dealerRoles.map((n) => [n, 'dealer'])];
  for (const [name, kind] of want) {
    if (kinds.get(name) !== kind) {
      const helper = name === p.helper ? ` (its helper: a server that holds no shares and makes the correlated randomness)` : '';
      throw planError(`plan roles: protocol ${p.name} needs role '${name}' of kind ${kind}${helper}, the plan ${kinds.has(name) ? `declares it ${kinds.get(name) as string}` : 'lacks it'}`);
    }
  }
  for (const r of plan.roles) {
    if (r.kind !== 'compute' && r.kind !== 'dealer') continue;
    const own = r.kind === 'compute' ? p.computeRoles : p.dealerRoles;
    if (own.includes(r.name)) continue;
    const material = materialRole(p);
    const hint = r.kind === 'dealer' && p.dealerRoles.length === 0 && material !== undefined ? `protocol ${p.name}'s correlated randomness comes from its helper server ${material}, a compute role` : undefined;
    throw planError(`plan roles: '${r.name}' is of kind ${r.kind}, but protocol ${p.name}${own.length ? `'s ${r.kind} roles are ${own.join(', ')}` : ` has no ${r.kind} role`}`, hint);
  }
  return kinds;
}

/** True for the roles that run the protocol (servers, dealer): they never own a role's data in the clear. */
function isProtocolRole(kind: string | undefined): boolean {
  return kind === 'compute' || kind === 'dealer';
}

export { shapeAtBatch } from './batch-shape.js';

/**
 * Caps checked before anything is allocated: a hostile plan with a huge padded shape,
 * or millions of steps, is refused instead of exhausting a party's memory. The
 * defaults are far above the models we serve (net C's largest tensor holds 11,520
 * elements at batch 1; at batch 1024 net C declares 2.27 GiB sent by each server and
 * 1.80 GiB of dealer material per prediction, and its setup 6.6 MiB: the byte caps
 * are 7x and 2,400x above).
 */
export interface PlanLimits extends CostLimits {
  /** Elements of one tensor at batch 1. */
  readonly maxTensorElements: number;
  readonly maxTensors: number;
  readonly maxSteps: number;
  /** The largest batch of one session a party accepts (the deployed servers refuse larger ones; local runs split larger batches into sessions of at most this). */
  readonly maxBatch: number;
}

export const DEFAULT_PLAN_LIMITS: PlanLimits = {
  maxTensorElements: 2 ** 28,
  maxTensors: 1_000_000,
  maxSteps: 1_000_000,
  maxBatch: 1024,
  maxPredictionBytes: 16 * 2 ** 30,
  maxSetupBytes: 16 * 2 ** 30,
};

function checkLimits(plan: Plan, limits: PlanLimits): void {
  const hint = 'this plan is larger than a party accepts; if it is genuine, split the model or raise the limit';
  if (plan.tensors.length > limits.maxTensors) throw planError(`plan has ${plan.tensors.length} tensors, over the limit of ${limits.maxTensors}`, hint);
  const steps = plan.steps.length + plan.setupSteps.length;
  if (steps > limits.maxSteps) throw planError(`plan has ${steps} steps, over the limit of ${limits.maxSteps}`, hint);
  for (const t of plan.tensors) {
    let n = 1;
    for (const d of shapeAtBatch(t.shape, 1)) n *= d;
    if (n > limits.maxTensorElements) throw planError(`plan tensor ${t.id} of shape ${shapeStr(t.shape)} holds ${n} elements at batch 1, over the limit of ${limits.maxTensorElements}`, hint);
  }
}

/** Checks a plan against its protocol's spec and the reveal policy; throws naming the first problem. */
export function verifyPlan(plan: Plan, limits: PlanLimits = DEFAULT_PLAN_LIMITS): void {
  checkLimits(plan, limits);
  const digest = planDigest(plan);
  if (plan.planId !== digest) {
    throw policyError(`plan id ${plan.planId} is not the SHA-256 of the plan's content (${digest}): the plan was edited after it was compiled`);
  }
  const p = protocolSpec(plan.protocol);
  const kinds = checkRoles(plan, p);
  const tensors = new Map<string, PlanTensor>();
  for (const t of plan.tensors) {
    if (tensors.has(t.id)) throw planError(`plan tensors: id ${t.id} is used twice`);
    if (t.visibility === 'private' && (t.owner === undefined || !kinds.has(t.owner))) {
      throw planError(`plan tensor ${t.id} is private but its owner ${JSON.stringify(t.owner)} is not a role of the plan`);
    }
    if (t.visibility === 'private' && isProtocolRole(kinds.get(t.owner ?? ''))) {
      throw policyError(`plan tensor ${t.id} is private to '${t.owner ?? ''}', a ${kinds.get(t.owner ?? '') ?? ''} role: only input and output roles own private tensors, the servers hold shares or public values`);
    }
    tensors.set(t.id, t);
  }
  const tensor = (id: string, what: string): PlanTensor => {
    const t = tensors.get(id);
    if (!t) throw planError(`${what} names tensor ${id}, which the tensor table lacks`);
    return t;
  };

  // sources: the client's (and every input role's) input tensors and the weights
  const defined = new Set<string>();
  for (const b of plan.inputs) {
    const t = tensor(b.tensor, `input binding '${b.name}'`);
    if (kinds.get(b.provider) !== 'input') throw planError(`input binding '${b.name}': provider '${b.provider}' is not an input role of the plan`);
    if (t.visibility !== 'private' || t.owner !== b.provider) throw planError(`input binding '${b.name}': tensor ${t.id} must be private to ${b.provider}`);
    if (!sameShape(t.shape, b.shape)) throw planError(`input binding '${b.name}': shape ${shapeStr(b.shape)} differs from tensor ${t.id}'s ${shapeStr(t.shape)}`);
    defined.add(t.id);
  }
  for (const w of plan.weights) {
    const t = tensor(w.tensor, `weight binding '${w.entry}'`);
    if (kinds.get(w.owner) !== 'input') throw planError(`weight binding '${w.entry}': owner '${w.owner}' is not an input role of the plan`);
    if (t.visibility === 'secret' || (t.visibility === 'private' && t.owner !== w.owner)) {
      throw planError(`weight binding '${w.entry}': tensor ${t.id} must be private to ${w.owner}, or public`);
    }
    if (defined.has(t.id)) throw planError(`weight binding '${w.entry}': tensor ${t.id} is bound twice`);
    defined.add(t.id);
  }
  const receivers = new Map<string, string>();
  for (const o of plan.outputs) {
    const t = tensor(o.tensor, `output binding '${o.name}'`);
    const kind = kinds.get(o.receiver);
    if (kind !== 'input' && kind !== 'output') throw policyError(`output binding '${o.name}' goes to '${o.receiver}', which is ${kind === undefined ? 'not a role of the plan' : `a ${kind} role: outputs go only to input or output roles`}`);
    if (t.visibility !== 'private' || t.owner !== o.receiver) throw planError(`output binding '${o.name}': tensor ${t.id} must be private to ${o.receiver}`);
    receivers.set(t.id, o.receiver);
  }

  // a cached weight mask (mask_s at setup, attrs.cacheKey) serves only the weight it masks
  const masks = new Map<string, string>();
  plan.setupSteps.forEach((s, i) => {
    if (s.kernel !== 'mask_s') return;
    const key = s.attrs.cacheKey;
    if (typeof key !== 'string') throw planError(`${where('setupSteps', i, s)}: needs attribute cacheKey`);
    if (masks.has(key)) throw policyError(`${where('setupSteps', i, s)}: mask '${key}' is drawn twice`);
    masks.set(key, s.inputs[0]);
  });
  const checkMask = (at: string, s: PlanStep): void => {
    const key = s.attrs.cacheKey;
    if (key === undefined || s.kernel === 'mask_s') return;
    if (typeof key !== 'string') throw planError(`${at}: attribute cacheKey must be a string`);
    const w = masks.get(key);
    if (w === undefined) throw planError(`${at}: uses mask '${key}', which no setup step (mask_s) opens`);
    if (s.inputs[1] !== w) throw policyError(`${at}: mask '${key}' was opened for tensor ${w}, but the step applies it to ${s.inputs[1] ?? 'nothing'}: a mask serves only its own weight`);
  };

  // what depends on an input role's data (the client's input): only that may be revealed,
  // never a value computed from the weights and constants alone (it would disclose the model)
  const fromInputs = new Set(plan.inputs.map((b) => b.tensor));
  const inputOf = new Map(plan.inputs.map((b) => [b.tensor, b.name]));

  const checkList = (list: StepList, steps: readonly PlanStep[]): void => {
    steps.forEach((s, i) => {
      const at = where(list, i, s);
      const spec = p.kernels.get(s.kernel);
      if (!spec) throw planError(`${at}: protocol ${p.name} has no kernel '${s.kernel}'`);
      if (spec.reveals !== s.reveals) throw policyError(`${at}: the kernel ${spec.reveals ? 'reveals a value but the step is not' : 'does not reveal, but the step is'} marked as revealing`);
      const ins = s.inputs.map((id) => {
        const t = tensor(id, at);
        if (!defined.has(id)) throw planError(`${at}: input tensor ${id} is used before it is computed`);
        return t;
      });
      const outs = s.outputs.map((id) => tensor(id, at));
      let parties: readonly string[];
      try {
        parties = spec.parties(s.attrs).roles;
      } catch (e) {
        throw rewrap(e, at);
      }
      for (const r of parties) {
        if (!kinds.has(r)) throw planError(`${at}: names role '${r}', which is not a role of the plan`);
        // share/publish owners and reveal receivers are roles outside the protocol: a server
        // (or the dealer) never gives or gets a private tensor in the clear
        if (isProtocolRole(kinds.get(r))) throw policyError(`${at}: names '${r}', a ${kinds.get(r) as string} role, as the ${spec.reveals ? 'receiver of its output' : 'owner of its private operand'}: only input and output roles own private data`);
      }
      checkKinds(at, spec, ins, outs, parties, s, list);
      // a kernel that turns its owner's private operand into a public value (publish) may
      // take only weights (the owner's consent is checked by the owner: consent.ts): an
      // input role's data is only ever secret-shared
      if (spec.results.includes('public')) {
        s.inputs.forEach((id, j) => {
          if (spec.operands[j] === 'private' && inputOf.has(id)) throw policyError(`${at}: sends tensor ${id}, the data of input '${inputOf.get(id) as string}', to the servers in the clear: an input is only ever secret-shared`);
        });
      }
      checkMask(at, s);
      checkShapes(at, spec, ins, outs, s);
      const tainted = s.inputs.some((id) => fromInputs.has(id));
      if (spec.reveals && !tainted) throw policyError(`${at}: reveals tensor ${s.inputs.join(', ')}, which depends on no input role's data, only on weights and constants: that would disclose the model`);
      if (tainted) for (const o of s.outputs) fromInputs.add(o);
      if (spec.reveals) {
        for (const o of outs) {
          const to = receivers.get(o.id);
          if (to === undefined) throw policyError(`${at}: reveals tensor ${o.id}, which is not an output binding's tensor`);
          if (!parties.includes(to) || parties.length !== 1) throw policyError(`${at}: reveals to ${parties.join(', ') || 'the compute roles'}, but output binding of tensor ${o.id} names receiver '${to}'`);
        }
      }
      for (const o of outs) {
        if (defined.has(o.id)) throw planError(`${at}: output tensor ${o.id} is already defined`);
        defined.add(o.id);
      }
    });
  };
  checkList('setupSteps', plan.setupSteps);
  checkList('steps', plan.steps);
  for (const o of plan.outputs) if (!defined.has(o.tensor)) throw planError(`output binding '${o.name}': no step computes tensor ${o.tensor}`);
  checkCostLimits(plan, limits);
}

function rewrap(e: unknown, at: string): TfeError {
  if (e instanceof TfeError) return new TfeError(e.code === 'E_SHAPE' ? 'E_PLAN' : e.code, `${at}: ${e.message}`, e.hint);
  return planError(`${at}: ${(e as Error).message}`);
}

function kindOf(t: PlanTensor): OperandKind {
  return t.visibility;
}

function checkKinds(at: string, spec: KernelSpec, ins: readonly PlanTensor[], outs: readonly PlanTensor[], parties: readonly string[], s: PlanStep, list: StepList): void {
  const variadic = spec.operands.length === 1 && spec.operands[0] === 'secret...';
  if (!variadic && ins.length !== spec.operands.length) throw planError(`${at}: takes ${spec.operands.length} operand(s), the step gives ${ins.length}`);
  if (variadic && ins.length === 0) throw planError(`${at}: takes at least one operand`);
  ins.forEach((t, j) => {
    const want = variadic ? 'secret' : (spec.operands[j] as OperandKind);
    if (kindOf(t) !== want) throw planError(`${at}: operand ${j} (tensor ${t.id}) is ${t.visibility}, the kernel takes a ${want} tensor there`);
    if (want === 'private' && (t.owner === undefined || !parties.includes(t.owner))) {
      throw policyError(`${at}: tensor ${t.id} is private to ${t.owner ?? '?'}, who does not run this step`);
    }
  });
  if (outs.length !== spec.results.length) throw planError(`${at}: has ${spec.results.length} result(s), the step names ${outs.length}`);
  outs.forEach((t, j) => {
    const want = spec.results[j];
    if (kindOf(t) !== want) throw planError(`${at}: result ${j} (tensor ${t.id}) is ${t.visibility}, the kernel makes a ${want} tensor`);
    if (want === 'private' && (t.owner === undefined || !parties.includes(t.owner))) {
      throw policyError(`${at}: result tensor ${t.id} is private to ${t.owner ?? '?'}, but the step delivers it to ${parties.join(', ') || 'the compute roles'}`);
    }
  });
  if (list === 'setupSteps' && spec.reveals) throw policyError(`${at}: a setup step may not reveal anything`);
  void s;
}

function checkShapes(at: string, spec: KernelSpec, ins: readonly PlanTensor[], outs: readonly PlanTensor[], s: PlanStep): void {
  for (const batch of [1, 3]) {
    let got: Shape[];
    try {
      got = spec.outputShapes(ins.map((t) => shapeAtBatch(t.shape, batch)), s.attrs);
    } catch (e) {
      throw rewrap(e, at);
    }
    outs.forEach((t, j) => {
      const want = shapeAtBatch(t.shape, batch);
      if (!got[j] || !sameShape(got[j], want)) {
        throw planError(`${at}: result ${t.id} has shape ${shapeStr(t.shape)}, but the kernel gives ${got[j] ? shapeStr(got[j]) : 'nothing'} at batch ${batch}`);
      }
    });
  }
}
