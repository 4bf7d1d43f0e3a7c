/**
 * A plaintext ring simulator for plans (tests only): executes a plan's setup steps and
 * steps on whole ring values in the clear, with the kernels' exact semantics from the
 * runtime's reference protocol (runtime/protocols/ref: trunc as a floor shift, exact
 * comparisons, avgpool's encoded reciprocal), except the products, which run on the
 * fast ring backend (the same Z_2^64 arithmetic). It validates the compiler's
 * fixed-point decisions without the MPC runtime: Pond computes these values up to
 * +1 ulp per truncation.
 */
import { decode, encode } from '../../src/fixed/index.js';
import type { Plan, PlanStep } from '../../src/plan/schema.js';
import type { Weights } from '../../src/plan/weights.js';
import { reference } from '../../runtime/protocols/ref/index.js';
import { pub, secret, type Operand, type PartyContext } from '../../runtime/protocols/types.js';
import { ringTensor, type RingTensor } from '../../runtime/ring/tensor.js';
import { testBackend } from '../support/backend.js';

const PRODUCTS = new Set(['matmul_ss', 'matmul_sp', 'matmul_ps', 'conv2d_ss', 'conv2d_sp', 'depthwise_conv2d_ss', 'depthwise_conv2d_sp', 'mul_ss', 'mul_sp']);

function valueOf(o: Operand): RingTensor {
  const v = o.kind === 'secret' ? o.share : o.value;
  if (!v) throw new Error('ring-sim: operand without a value');
  return v;
}

async function runStep(s: PlanStep, vals: Map<string, Operand>): Promise<void> {
  const ins = s.inputs.map((i) => {
    const v = vals.get(i);
    if (!v) throw new Error(`ring-sim: step ${s.kernel} (${s.source}) reads ${i}, which has no value`);
    return v;
  });
  let outs: Operand[];
  if (PRODUCTS.has(s.kernel)) {
    const ring = testBackend();
    const [a, b] = ins.map(valueOf);
    const strides = s.attrs.strides as number[] | undefined;
    const opts = { strides: [strides?.[0] ?? 1, strides?.[1] ?? 1] as const, padding: (s.attrs.padding ?? 'VALID') as 'SAME' | 'VALID' };
    const kind = s.kernel.replace(/_(ss|sp|ps)$/, '');
    const r = kind === 'matmul' ? ring.matmul(a, b) : kind === 'conv2d' ? ring.conv2d(a, b, opts) : kind === 'depthwise_conv2d' ? ring.depthwiseConv2d(a, b, opts) : ring.mul(a, b);
    outs = [secret(r.shape, r)];
  } else {
    outs = await reference.get(s.kernel).run(undefined as unknown as PartyContext, ins, s.attrs);
  }
  s.outputs.forEach((o, i) => vals.set(o, outs[i]));
}

/** Runs the plan on `inputs` (by input binding name, values with the batch filled in); returns decoded outputs by name. */
export async function simulatePlan(plan: Plan, weights: Weights, inputs: Record<string, { shape: number[]; data: ArrayLike<number> }>): Promise<Record<string, { shape: readonly number[]; data: Float64Array }>> {
  const vals = new Map<string, Operand>();
  const entries = new Map(weights.manifest.entries.map((e) => [e.name, e]));
  for (const w of plan.weights) {
    const e = entries.get(w.entry);
    if (!e) throw new Error(`ring-sim: no weight entry ${w.entry}`);
    const data = weights.data.slice(e.offset, e.offset + e.length);
    vals.set(w.tensor, pub(e.shape, ringTensor(e.shape, data)));
  }
  for (const b of plan.inputs) {
    const x = inputs[b.name];
    if (!x) throw new Error(`ring-sim: no input ${b.name}`);
    vals.set(b.tensor, pub(x.shape, ringTensor(x.shape, encode(x.data, b.scale, b.name))));
  }
  for (const s of plan.setupSteps) await runStep(s, vals);
  for (const s of plan.steps) await runStep(s, vals);
  const out: Record<string, { shape: readonly number[]; data: Float64Array }> = {};
  for (const o of plan.outputs) {
    const v = valueOf(vals.get(o.tensor) as Operand);
    out[o.name] = { shape: v.shape, data: decode(v.data, o.scale) };
  }
  return out;
}
