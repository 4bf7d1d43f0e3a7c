/**
 * What an input role does before and after a prediction session: encode the float
 * inputs of the plan's input bindings it provides (shape checked against the binding
 * exactly, never reshaped; an empty input is E_ARG and a NaN or infinite value E_RANGE;
 * values checked against the range the compiler proved headroom for, fixed-point
 * encoded at the binding's scale) into its environment, with the batch size; and decode
 * the outputs revealed to it, applying the post-processing the plan names. Shared by the
 * local simulation and the deployed client.
 */
import { TfeError } from '../../src/errors.js';
import { decode, encode } from '../../src/fixed/index.js';
import { declaredCost, type OutputBinding, type Plan } from '../../src/plan/index.js';
import type { Cost } from '../../src/protocols/spec.js';
import { sizeOf, type Shape } from '../../src/shape.js';
import { pub } from '../protocols/types.js';
import { ringTensor } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import { checkInputValues } from '../io/fit-shape.js';
import { preprocessInput, userShape } from '../io/preprocess.js';
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

function matchShape(want: readonly number[], got: readonly number[]): boolean {
  return want.length === got.length && want.every((d, i) => d === -1 || d === got[i]);
}

function softmaxRows(x: Float64Array, last: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += last) {
    let m = -Infinity;
    for (let j = 0; j < last; j++) m = Math.max(m, x[r + j]);
    let s = 0;
    for (let j = 0; j < last; j++) s += out[r + j] = Math.exp(x[r + j] - m);
    for (let j = 0; j < last; j++) out[r + j] /= s;
  }
  return out;
}

/** The provider's environment and the batch size for one prediction with `inputs`. */
export function encodeInputs(plan: Plan, inputs: Readonly<Record<string, FloatTensor>>): { provider: Role; env: Env; batch: number } {
    const providers = [...new Set(plan.inputs.map((b) => b.provider))];
    if (providers.length !== 1) throw new TfeError('E_UNSUPPORTED', `plans whose inputs come from several roles (${providers.join(', ')}) cannot run locally yet`);
    const provider: Role = providers[0];
    const env: Env = new Map();
    let batch = 1;
    for (const b of plan.inputs) {
      const given = inputs[b.name];
      if (!given) throw new TfeError('E_ARG', `missing input '${b.name}' (expected shape [${userShape(b).join(',')}])`, `inputs: ${plan.inputs.map((i) => i.name).join(', ')}`);
      if (given.data.length !== sizeOf(given.shape)) throw new TfeError('E_SHAPE', `input '${b.name}' has ${given.data.length} values for shape [${given.shape.join(',')}]`);
      // an empty batch or a NaN / infinite value is refused before anything else reads it
      checkInputValues(b.name, given);
      // client-side preprocessing (the one-hot rows of embedding ids) before encoding
      const x = preprocessInput(b, given);
      if (!matchShape(b.shape, x.shape)) {
        throw new TfeError('E_SHAPE', `input '${b.name}' has shape [${x.shape.join(',')}] but the model expects [${b.shape.map((d) => (d === -1 ? 'N' : d)).join(',')}]`);
      }
      if (x.data.length !== sizeOf(x.shape)) throw new TfeError('E_SHAPE', `input '${b.name}' has ${x.data.length} values for shape [${x.shape.join(',')}]`);
      const free = b.shape.indexOf(-1);
      if (free >= 0) batch = x.shape[free];
      // the compiler proved headroom for inputs inside the declared range only: outside
      // it a value could overflow the ring and give a wrong answer, so refuse it
      const [lo, hi] = b.range;
      for (let i = 0; i < x.data.length; i++) {
        const v = x.data[i];
        if (!(v >= lo && v <= hi)) {
          throw new TfeError('E_RANGE', `input '${b.name}'[${i}] = ${v} is outside the range [${lo}, ${hi}] the model was compiled for`,
            'recompile with a wider --input-range (or --calibrate on representative inputs), or rescale the input');
        }
      }
      env.set(b.tensor, pub(x.shape, ringTensor(x.shape, encode(x.data, b.scale, `input '${b.name}'`))));
    }
    for (const name of Object.keys(inputs)) {
      if (!plan.inputs.some((b) => b.name === name)) throw new TfeError('E_ARG', `unknown input '${name}'`, `inputs: ${plan.inputs.map((i) => i.name).join(', ')}`);
    }
  return { provider, env, batch };
}

/** The outputs revealed to `receiver`, decoded from its environment after the session. */
export function decodeOutputs(plan: Plan, receiver: Role, env: Env): Record<string, OutputValue> {
    const outputs: Record<string, OutputValue> = {};
    for (const b of plan.outputs) {
      const o = b.receiver === receiver ? env.get(b.tensor) : undefined;
      if (!o || o.kind !== 'public' || !o.value) throw new TfeError('E_PLAN', `output '${b.name}' was not revealed to ${b.receiver}`);
      const data = b.kind === 'label' ? Float64Array.from(o.value.data, (v) => Number(BigInt.asIntN(64, v))) : decode(o.value.data, b.scale);
      const shape: Shape = o.value.shape;
      outputs[b.name] = {
        shape: [...shape],
        data,
        kind: b.kind,
        ...(b.postprocess === 'softmax' ? { probabilities: softmaxRows(data, shape[shape.length - 1] ?? 1) } : {}),
      };
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
