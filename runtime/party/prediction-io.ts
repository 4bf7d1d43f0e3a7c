/**
 * What an input role does before and after a prediction session: encode the float
 * inputs of the plan's input bindings it provides (shape checked against the binding
 * exactly, never reshaped; an empty input is E_ARG and a NaN or infinite value E_RANGE;
 * values checked against the range the compiler proved headroom for, fixed-point
 * encoded at the binding's scale) into its environment, with the batch size; and decode
 * the outputs revealed to it, applying the post-processing the plan names. Shared by the
 * local simulation and the deployed client; the rules themselves are in
 * io/bindings-codec.ts, which the HTTP clients share.
 */
import { TfeError } from '../../src/errors.js';
import { declaredCost, inputProviders, type OutputBinding, type Plan } from '../../src/plan/index.js';
import type { Cost } from '../../src/protocols/spec.js';
import { pub } from '../protocols/types.js';
import { ringTensor } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import { decodeOutputWords, encodeBindings } from '../io/bindings-codec.js';
import type { InputSessionResult } from './input.js';
import type { RunStats } from './lockstep.js';
import type { Env } from './steps.js';

/** A float tensor given to or returned by a prediction. */
export interface FloatTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export interface OutputValue extends FloatTensor {
  readonly kind: OutputBinding['kind'];
  /** softmax(logits) when the plan's post-processing asks for it. */
  readonly probabilities?: Float64Array;
}

/**
 * The environment of input role `role` and the batch size for its `inputs`: the input
 * bindings it provides, encoded (every one given, no other name). A role that provides
 * no inputs (an output-only role) gets an empty environment and batch undefined.
 */
export function encodeInputsOf(plan: Plan, role: Role, inputs: Readonly<Record<string, FloatTensor>>): { env: Env; batch: number | undefined } {
  const mine = plan.inputs.filter((b) => b.provider === role);
  const env: Env = new Map();
  if (mine.length === 0) {
    const given = Object.keys(inputs);
    if (given.length) throw new TfeError('E_ARG', `${role} provides no inputs of this plan, but was given ${given.map((n) => `'${n}'`).join(', ')}`, `the plan's inputs: ${plan.inputs.map((b) => `'${b.name}' from ${b.provider}`).join(', ')}`);
    return { env, batch: undefined };
  }
  const { encoded, batch } = encodeBindings(mine, inputs);
  mine.forEach((b, i) => {
    const x = encoded[i];
    env.set(b.tensor, pub(x.shape, ringTensor(x.shape, x.words)));
  });
  return { env, batch };
}

/** The provider's environment and the batch size for one prediction with `inputs` (a plan with one input role). */
export function encodeInputs(plan: Plan, inputs: Readonly<Record<string, FloatTensor>>): { provider: Role; env: Env; batch: number } {
  const providers = inputProviders(plan);
  if (providers.length !== 1) throw new TfeError('E_UNSUPPORTED', `this plan's inputs come from several roles (${providers.join(', ')}): give each role its own inputs`, 'runLocal(compiled, { role: { name: values } }) in code, or `tfe up PLAN --input ROLE=FILE` for each role');
  const provider: Role = providers[0];
  const { env, batch } = encodeInputsOf(plan, provider, inputs);
  return { provider, env, batch: batch ?? 1 };
}

/** The outputs revealed to `receiver`, decoded from its environment after the session. */
export function decodeOutputs(plan: Plan, receiver: Role, env: Env): Record<string, OutputValue> {
    const outputs: Record<string, OutputValue> = {};
    for (const b of plan.outputs) {
      // the outputs of other receivers never reach this role
      if (b.receiver !== receiver) continue;
      const o = env.get(b.tensor);
      if (!o || o.kind !== 'public' || !o.value) throw new TfeError('E_PLAN', `output '${b.name}' was not revealed to ${b.receiver}`);
      outputs[b.name] = decodeOutputWords(b, o.value.shape, o.value.data);
    }
  return outputs;
}

export interface Prediction {
  readonly outputs: Record<string, OutputValue>;
  /** Measured rounds and bytes of the prediction. */
  readonly stats: RunStats;
  /** Declared cost of the prediction's steps at its actual shapes. */
  readonly declared: Cost;
  /** Wall time of the whole prediction (including any wait for its dealer material). */
  readonly ms: number;
  /** The online phase: from the leader's acceptance to the revealed outputs. */
  readonly onlineMs: number;
  /** The time the dealer took to make this prediction's material (offline). */
  readonly offlineMs: number;
  /** Consecutive sessions the batch was split into (runtime/party/chunks.ts); absent for one. */
  readonly sessions?: number;
}

/** The prediction `receiver` observes after its session `r` at `batch`, started at `startedAt` (performance.now()). */
export function predictionOf(plan: Plan, receiver: Role, r: InputSessionResult, batch: number, startedAt: number): Prediction {
  return {
    outputs: decodeOutputs(plan, receiver, r.env),
    stats: { rounds: r.rounds, bytes: r.bytes, dealerBytes: r.dealerBytes },
    declared: declaredCost(plan, plan.steps, batch),
    ms: performance.now() - startedAt,
    onlineMs: r.onlineMs,
    offlineMs: r.offlineMs,
  };
}
