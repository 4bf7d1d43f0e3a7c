/**
 * The plan executor: every party runs the plan's step list on its own operands,
 * concurrently, over a LocalDeployment. At deployment start the model owner loads its
 * encoded weights and the setup steps secret-share them; each prediction the client
 * encodes its inputs, the steps run (share, compute, reveal), and the receivers
 * decode their outputs and apply the post-processing the plan names.
 *
 * Each step's declared cost is recomputed from the kernel specs at the run's actual
 * shapes (the plan's own costs are at batch 1), so a run can report measured and
 * declared rounds and bytes side by side. Errors inside a kernel are reported with the
 * protocol, kernel, step number and source node.
 */
import { TfeError } from '../../src/errors.js';
import { decode, encode } from '../../src/fixed/index.js';
import { checkWeights, parsePlan, type Plan, type PlanStep, type PlanTensor, type Weights } from '../../src/plan/index.js';
import { POND_SPECS } from '../../src/protocols/pond.js';
import { addCosts, type Cost } from '../../src/protocols/spec.js';
import { sizeOf, type Shape } from '../../src/shape.js';
import type { RingBackend } from '../ring/backend.js';
import { ringTensor } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import { pond } from '../protocols/pond/index.js';
import { pub, type Operand, type PartyContext } from '../protocols/types.js';
import { preprocessInput, userShape } from '../io/preprocess.js';
import { LocalDeployment, type RunStats } from './local.js';

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
  readonly ms: number;
}

type Env = Map<string, Operand>;

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

/** Validates that every step names a Pond kernel and marks revealing kernels as such. */
function checkSteps(plan: Plan): void {
  for (const [list, steps] of [['setupSteps', plan.setupSteps], ['steps', plan.steps]] as const) {
    steps.forEach((s, i) => {
      const spec = POND_SPECS.get(s.kernel);
      if (!spec) throw new TfeError('E_PLAN', `plan ${list}[${i}] (node '${s.source}') uses kernel '${s.kernel}', which protocol pond does not have`);
      if (spec.reveals !== s.reveals) {
        throw new TfeError('E_PLAN', `plan ${list}[${i}] (node '${s.source}'): kernel ${s.kernel} ${spec.reveals ? 'reveals a value but is not' : 'is wrongly'} marked as revealing`);
      }
    });
  }
}

export class PlanDeployment {
  private readonly tensors: Map<string, PlanTensor>;
  private readonly warmKeys = new Set<string>();

  private constructor(
    readonly plan: Plan,
    private readonly dep: LocalDeployment,
    private readonly base: Map<Role, Env>,
  ) {
    this.tensors = new Map(plan.tensors.map((t) => [t.id, t]));
  }

  /** Validates plan and weights, starts the parties and shares the weights (setup steps). */
  static async start(planJson: unknown, weights: Weights, opts: { ring?: RingBackend } = {}): Promise<PlanDeployment> {
    const plan = parsePlan(planJson);
    checkSteps(plan);
    checkWeights(plan, weights);
    const dep = await LocalDeployment.create({ ring: opts.ring });
    const tensors = new Map(plan.tensors.map((t) => [t.id, t]));
    const entries = new Map(weights.manifest.entries.map((e) => [e.name, e]));
    const base = new Map<Role, Env>();
    for (const role of dep.contexts.keys()) base.set(role, new Map());
    for (const w of plan.weights) {
      const t = tensors.get(w.tensor);
      const e = entries.get(w.entry);
      if (!t || !e) throw new TfeError('E_PLAN', `weight binding ${w.tensor} / ${w.entry} names a missing tensor or entry`);
      const value = ringTensor(e.shape, weights.data.subarray(e.offset, e.offset + e.length));
      for (const [role, env] of base) {
        const holds = t.visibility === 'public' ? role === 'server0' || role === 'server1' : role === w.owner;
        env.set(t.id, pub(e.shape, holds ? value : undefined));
      }
    }
    const d = new PlanDeployment(plan, dep, base);
    await d.execute(plan.setupSteps, base, 'setupSteps');
    return d;
  }

  /** Runs `steps` on every party, adding their outputs to each party's env. */
  private async execute(steps: readonly PlanStep[], envs: Map<Role, Env>, list: string): Promise<{ stats: RunStats; declared: Cost }> {
    const declared: Cost[] = [];
    const { stats } = await this.dep.run(async (ctx: PartyContext) => {
      const env = envs.get(ctx.role) as Env;
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i];
        const inputs = s.inputs.map((id) => {
          const o = env.get(id);
          if (!o) throw new TfeError('E_PLAN', `pond ${s.kernel} (${list}[${i}], node '${s.source}'): input tensor ${id} is not computed before it is used`);
          return o;
        });
        let outs: Operand[];
        try {
          outs = await pond.get(s.kernel).run(ctx, inputs, s.attrs);
        } catch (e) {
          if (e instanceof TfeError) throw new TfeError(e.code, `pond ${s.kernel} (${list}[${i}], node '${s.source}', ${ctx.role}): ${e.message}`, e.hint);
          throw e;
        }
        outs.forEach((o, j) => env.set(s.outputs[j], o));
        if (ctx.role === 'server0') {
          const key = typeof s.attrs.cacheKey === 'string' ? s.attrs.cacheKey : undefined;
          declared.push(POND_SPECS.get(s.kernel)!.cost(inputs.map((x) => x.shape), s.attrs, { warm: key === undefined || this.warmKeys.has(key) }));
          if (key !== undefined) this.warmKeys.add(key);
        }
      }
      return undefined;
    });
    return { stats, declared: addCosts(declared) };
  }

  /** One private prediction: inputs by binding name (float values, shape with the batch filled in). */
  async predict(inputs: Readonly<Record<string, FloatTensor>>): Promise<Prediction> {
    const t0 = performance.now();
    const envs = new Map<Role, Env>([...this.base].map(([r, e]) => [r, new Map(e)]));
    for (const b of this.plan.inputs) {
      const given = inputs[b.name];
      if (!given) throw new TfeError('E_ARG', `missing input '${b.name}' (expected shape [${userShape(b).join(',')}])`, `inputs: ${this.plan.inputs.map((i) => i.name).join(', ')}`);
      // client-side preprocessing (one-hot of embedding ids) before encoding
      const x = preprocessInput(b, given);
      if (!matchShape(b.shape, x.shape)) {
        throw new TfeError('E_SHAPE', `input '${b.name}' has shape [${x.shape.join(',')}] but the model expects [${b.shape.map((d) => (d === -1 ? 'N' : d)).join(',')}]`);
      }
      if (x.data.length !== sizeOf(x.shape)) throw new TfeError('E_SHAPE', `input '${b.name}' has ${x.data.length} values for shape [${x.shape.join(',')}]`);
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
      const value = ringTensor(x.shape, encode(x.data, b.scale, `input '${b.name}'`));
      for (const [role, env] of envs) env.set(b.tensor, pub(x.shape, role === b.provider ? value : undefined));
    }
    for (const name of Object.keys(inputs)) {
      if (!this.plan.inputs.some((b) => b.name === name)) throw new TfeError('E_ARG', `unknown input '${name}'`, `inputs: ${this.plan.inputs.map((i) => i.name).join(', ')}`);
    }
    const { stats, declared } = await this.execute(this.plan.steps, envs, 'steps');
    const outputs: Record<string, OutputValue> = {};
    for (const b of this.plan.outputs) {
      const o = envs.get(b.receiver)?.get(b.tensor);
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
    return { outputs, stats, declared, ms: performance.now() - t0 };
  }

  tensor(id: string): PlanTensor | undefined {
    return this.tensors.get(id);
  }
}

/** Compiles nothing: runs one prediction of a compiled plan on a fresh local deployment. */
export async function runLocal(plan: unknown, weights: Weights, inputs: Readonly<Record<string, FloatTensor>>, opts: { ring?: RingBackend } = {}): Promise<Prediction> {
  const d = await PlanDeployment.start(plan, weights, opts);
  return d.predict(inputs);
}
