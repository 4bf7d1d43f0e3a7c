/**
 * The plan executor as the user sees it: `PlanDeployment.start` verifies the plan
 * (the one plan verifier every party runs) and the weights, starts a local deployment
 * (every role a party of its own over in-memory links, runtime/party/local.ts) and runs
 * its setup; `predict` encodes the client's inputs, runs one prediction session and
 * decodes the outputs revealed to the client, applying the post-processing the plan
 * names.
 *
 * Each prediction reports its measured rounds and bytes next to the declared cost at
 * its actual batch size (the plan's own costs are at batch 1), and its online time
 * (from the leader's acceptance) next to the time the dealer took to make its
 * material offline.
 */
import { TfeError } from '../../src/errors.js';
import { decode, encode } from '../../src/fixed/index.js';
import { checkWeights, declaredCost, parsePlan, verifyPlan, type Plan, type PlanTensor, type Weights } from '../../src/plan/index.js';
import type { Cost } from '../../src/protocols/spec.js';
import { sizeOf, type Shape } from '../../src/shape.js';
import type { RingBackend } from '../ring/backend.js';
import { ringTensor } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import { pub } from '../protocols/types.js';
import type { RunStats } from './lockstep.js';
import { LocalDeployment, type LocalOptions } from './local.js';
import type { Env } from './steps.js';

/** A float tensor given to or returned by a prediction. */
export interface FloatTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export interface OutputValue extends FloatTensor {
  readonly kind: 'values' | 'logits' | 'label';
  /** softmax(logits) when the plan's post-processing asks for it. */
  readonly probabilities?: Float64Array;
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

export class PlanDeployment {
  private readonly tensors: Map<string, PlanTensor>;

  private constructor(
    readonly plan: Plan,
    readonly local: LocalDeployment,
  ) {
    this.tensors = new Map(plan.tensors.map((t) => [t.id, t]));
  }

  /** Validates plan and weights, starts the parties and shares the weights (setup steps). */
  static async start(planJson: unknown, weights: Weights, opts: { ring?: RingBackend } & LocalOptions = {}): Promise<PlanDeployment> {
    const plan = parsePlan(planJson);
    verifyPlan(plan);
    checkWeights(plan, weights);
    return new PlanDeployment(plan, await LocalDeployment.start(plan, weights, opts));
  }

  /** One private prediction: inputs by binding name (float values, shape with the batch filled in). */
  async predict(inputs: Readonly<Record<string, FloatTensor>>): Promise<Prediction> {
    const t0 = performance.now();
    const providers = [...new Set(this.plan.inputs.map((b) => b.provider))];
    if (providers.length !== 1) throw new TfeError('E_UNSUPPORTED', `plans whose inputs come from several roles (${providers.join(', ')}) cannot run locally yet`);
    const provider: Role = providers[0];
    const env: Env = new Map();
    let batch = 1;
    for (const b of this.plan.inputs) {
      const x = inputs[b.name];
      if (!x) throw new TfeError('E_ARG', `missing input '${b.name}' (expected shape [${b.shape.join(',')}])`, `inputs: ${this.plan.inputs.map((i) => i.name).join(', ')}`);
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
      if (!this.plan.inputs.some((b) => b.name === name)) throw new TfeError('E_ARG', `unknown input '${name}'`, `inputs: ${this.plan.inputs.map((i) => i.name).join(', ')}`);
    }
    const r = await this.local.session(provider, 'predict', batch, env);
    const stats: RunStats = { rounds: r.rounds, bytes: r.bytes, dealerBytes: r.dealerBytes };
    const declared = declaredCost(this.plan, this.plan.steps, batch);
    const outputs: Record<string, OutputValue> = {};
    for (const b of this.plan.outputs) {
      const o = b.receiver === provider ? r.env.get(b.tensor) : undefined;
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
    return { outputs, stats, declared, ms: performance.now() - t0, onlineMs: r.onlineMs, offlineMs: r.offlineMs };
  }

  tensor(id: string): PlanTensor | undefined {
    return this.tensors.get(id);
  }

  /** Ends the local deployment's links. */
  close(): void {
    this.local.close();
  }
}

/** Compiles nothing: runs one prediction of a compiled plan on a fresh local deployment. */
export async function runLocal(plan: unknown, weights: Weights, inputs: Readonly<Record<string, FloatTensor>>, opts: { ring?: RingBackend } = {}): Promise<Prediction> {
  const d = await PlanDeployment.start(plan, weights, opts);
  try {
    return await d.predict(inputs);
  } finally {
    d.close();
  }
}
