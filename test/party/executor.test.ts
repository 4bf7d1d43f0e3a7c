/**
 * The plan executor on a hand-written plan, y = relu(x W + b) with x the client's
 * input and W, b the model owner's secret weights: outputs against a float64
 * reference (tolerance: the encoding of x and W at 2^-16 each gives |err| <=
 * sum_k (|x_k| + |W_k|) 2^-17 + exact comparison; 1e-3 covers the sizes here),
 * measured cost equal to the declared cost, weights masked once per deployment, and
 * clear errors for a wrong input shape, weights of another plan, an unmarked reveal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from '../../src/fixed/index.js';
import { PLAN_FORMAT, PLAN_VERSION, WEIGHTS_FORMAT, WEIGHTS_VERSION, planDigest, weightsDigest, type Plan, type Weights } from '../../src/plan/index.js';
import { planRoles } from '../../src/plan/roles.js';
import { POND, POND_SPECS, compareCost } from '../../src/protocols/pond.js';
import { addCosts } from '../../src/protocols/spec.js';
import { PlanDeployment, runLocal } from '../../runtime/party/executor.js';
import { TfeError } from '../../src/errors.js';
import { testBackend } from '../support/backend.js';
import { uniformRing } from '../support/random.js';

const F = 16;

function uniform(n: number, lo: number, hi: number): number[] {
  return Array.from(uniformRing([n]).data, (v) => lo + (hi - lo) * Number(v >> 11n) / 2 ** 53);
}

function makePlan(): { plan: Plan; weights: Weights; W: number[]; b: number[] } {
  const W = uniform(12, -1, 1);
  const b = uniform(3, -0.5, 0.5);
  const step = (kernel: string, inputs: string[], outputs: string[], attrs: Record<string, string | number>, shapes: number[][]) => {
    const spec = POND_SPECS.get(kernel)!;
    return { kernel, inputs, outputs, attrs, source: `fixture/${kernel}`, reveals: spec.reveals, cost: spec.cost(shapes, attrs, { warm: true }) };
  };
  const steps = [
    step('share', ['x_in'], ['x'], { owner: 'client' }, [[1, 4]]),
    step('matmul_ss', ['x', 'W'], ['xw'], { cacheKey: 'W' }, [[1, 4], [4, 3]]),
    step('add_ss', ['xw', 'b'], ['z'], {}, [[1, 3], [3]]),
    step('relu_s', ['z'], ['y'], {}, [[1, 3]]),
    step('reveal', ['y'], ['y_out'], { to: 'client' }, [[1, 3]]),
  ];
  const setupSteps = [
    step('share', ['W_in'], ['W'], { owner: 'model-owner' }, [[4, 3]]),
    step('share', ['b_in'], ['b'], { owner: 'model-owner' }, [[3]]),
    step('mask_s', ['W'], ['W_mask'], { cacheKey: 'W' }, [[4, 3]]),
  ];
  const per = addCosts(steps.map((s) => s.cost));
  const plan: Plan = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    planId: 'fixture-plan-0001',
    weightsSha256: '',
    protocol: 'pond',
    ringBits: 64,
    fracBits: F,
    roles: planRoles(POND, ['client', 'model-owner'], ['client']),
    model: { file: 'fixture', format: 'hand-written' },
    tensors: [
      { id: 'x_in', shape: [-1, 4], scale: F, visibility: 'private', owner: 'client' },
      { id: 'x', shape: [-1, 4], scale: F, visibility: 'secret' },
      { id: 'W_in', shape: [4, 3], scale: F, visibility: 'private', owner: 'model-owner' },
      { id: 'W', shape: [4, 3], scale: F, visibility: 'secret' },
      { id: 'W_mask', shape: [4, 3], scale: F, visibility: 'public' },
      { id: 'b_in', shape: [3], scale: 2 * F, visibility: 'private', owner: 'model-owner' },
      { id: 'b', shape: [3], scale: 2 * F, visibility: 'secret' },
      { id: 'xw', shape: [-1, 3], scale: 2 * F, visibility: 'secret' },
      { id: 'z', shape: [-1, 3], scale: 2 * F, visibility: 'secret' },
      { id: 'y', shape: [-1, 3], scale: 2 * F, visibility: 'secret' },
      { id: 'y_out', shape: [-1, 3], scale: 2 * F, visibility: 'private', owner: 'client' },
    ],
    weights: [{ tensor: 'W_in', entry: 'W', owner: 'model-owner' }, { tensor: 'b_in', entry: 'b', owner: 'model-owner' }],
    inputs: [{ name: 'x', tensor: 'x_in', shape: [-1, 4], dtype: 'float32', provider: 'client', scale: F, range: [-8, 8] }],
    outputs: [{ name: 'y', tensor: 'y_out', shape: [-1, 3], receiver: 'client', scale: 2 * F, postprocess: 'none', kind: 'values' }],
    setupSteps,
    steps,
    cost: { perPrediction: per, setup: addCosts(setupSteps.map((s) => s.cost)) },
    options: {},
  };
  const data = new BigUint64Array(15);
  data.set(encode(W, F), 0);
  data.set(encode(b, 2 * F), 12);
  plan.weightsSha256 = weightsDigest(data);
  plan.planId = planDigest(plan);
  const weights: Weights = {
    manifest: { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, planId: plan.planId, entries: [{ name: 'W', shape: [4, 3], scale: F, offset: 0, length: 12 }, { name: 'b', shape: [3], scale: 2 * F, offset: 12, length: 3 }] },
    data,
  };
  return { plan, weights, W, b };
}

function reference(x: number[], batch: number, W: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < batch; r++)
    for (let j = 0; j < 3; j++) {
      let s = b[j];
      for (let k = 0; k < 4; k++) s += x[r * 4 + k] * W[k * 3 + j];
      out.push(Math.max(0, s));
    }
  return out;
}

test('a private prediction equals the float64 reference, at batch 1 and batch 5', async () => {
  const { plan, weights, W, b } = makePlan();
  const d = await PlanDeployment.start(plan, weights, { ring: testBackend() });
  for (const batch of [1, 5]) {
    const x = uniform(4 * batch, -8, 8);
    const p = await d.predict({ x: { shape: [batch, 4], data: Float64Array.from(x) } });
    const want = reference(x, batch, W, b);
    assert.deepEqual(p.outputs.y.shape, [batch, 3]);
    p.outputs.y.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3, `y[${i}] = ${v}, want ${want[i]}`));
  }
});

test('measured cost equals the declared cost; the weights are masked once per deployment', async () => {
  const { plan, weights } = makePlan();
  const d = await PlanDeployment.start(plan, weights, { ring: testBackend() });
  const x = { x: { shape: [1, 4], data: Float64Array.from(uniform(4, -1, 1)) } };
  const first = await d.predict(x);
  const second = await d.predict(x);
  for (const p of [first, second]) {
    assert.equal(p.stats.rounds, p.declared.rounds);
    assert.equal(p.stats.dealerBytes, p.declared.dealerBytes);
    assert.deepEqual(p.stats.bytes, p.declared.bytes);
  }
  // W - B was opened at setup (mask_s): every prediction opens only its input side
  assert.deepEqual(first.stats.bytes, second.stats.bytes);
  assert.deepEqual(first.declared, plan.cost.perPrediction);
  assert.equal(first.stats.bytes.server0, 8 * 4 + (compareCost(3, 1, 1).bytes.server0 ?? 0) + 8 * 3, 'x - A, the relu comparison, the reveal: no weight-side opening');
});

test('a wrong input shape is an E_SHAPE error naming the expected shape', async () => {
  const { plan, weights } = makePlan();
  await assert.rejects(runLocal(plan, weights, { x: { shape: [1, 5], data: new Float64Array(5) } }, { ring: testBackend() }),
    (e: unknown) => e instanceof TfeError && e.code === 'E_SHAPE' && /\[N,4\]/.test(e.message));
  await assert.rejects(runLocal(plan, weights, { y: { shape: [1, 4], data: new Float64Array(4) } }, { ring: testBackend() }), /missing input 'x'/);
});

test('an input outside the declared range is an E_RANGE error (the headroom proof covers the range only)', async () => {
  const { plan, weights } = makePlan();
  await assert.rejects(runLocal(plan, weights, { x: { shape: [1, 4], data: Float64Array.of(0, 1, 8.5, 0) } }, { ring: testBackend() }),
    (e: unknown) => e instanceof TfeError && e.code === 'E_RANGE' && /\[2\] = 8.5 is outside the range \[-8, 8\]/.test(e.message));
  await assert.rejects(runLocal(plan, weights, { x: { shape: [1, 4], data: Float64Array.of(0, Number.NaN, 0, 0) } }, { ring: testBackend() }), (e: unknown) => e instanceof TfeError && e.code === 'E_RANGE' && /'x'\[1\] = NaN is not a finite number/.test(e.message));
});

test('weights of another plan and a bad plan version are E_PLAN errors; an unmarked reveal is E_POLICY', async () => {
  const { plan, weights } = makePlan();
  const other = { ...weights, manifest: { ...weights.manifest, planId: 'another-plan-000' } };
  await assert.rejects(PlanDeployment.start(plan, other), (e: unknown) => e instanceof TfeError && e.code === 'E_PLAN' && /not to this plan/.test(e.message));
  await assert.rejects(PlanDeployment.start({ ...plan, version: 99 }, weights), /version 99/);
  // weights of the right plan id but other values: refused by their SHA-256
  const tampered = { ...weights, data: weights.data.map((v, i) => (i === 0 ? v + 1n : v)) };
  await assert.rejects(PlanDeployment.start(plan, tampered), (e: unknown) => e instanceof TfeError && e.code === 'E_PLAN' && /weights.bin has SHA-256 [0-9a-f]{64}, but the plan was compiled with weights/.test(e.message));
  const edited = { ...plan, steps: plan.steps.map((s) => (s.kernel === 'reveal' ? { ...s, reveals: false } : s)) };
  await assert.rejects(PlanDeployment.start(edited, weights), (e: unknown) => e instanceof TfeError && e.code === 'E_POLICY' && /is not the SHA-256 of the plan's content/.test(e.message));
  const sneaky = { ...edited, planId: planDigest(edited) };
  await assert.rejects(PlanDeployment.start(sneaky, weights), (e: unknown) => e instanceof TfeError && e.code === 'E_POLICY' && /reveals a value but the step is not marked/.test(e.message));
});
