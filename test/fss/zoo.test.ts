/**
 * Zoo networks compiled with --compare fss against the same networks with --compare
 * exact, on held-out MNIST test images, through a local deployment (every role its own
 * party): the predicted classes are equal, the outputs (logits, scale 2^-16 and finer)
 * differ by at most 1e-3 (both comparisons are exact; only the truncations' +-1 ulp
 * randomness differs, as in the chunked-run tests), and every prediction's measured
 * rounds, bytes and dealer bytes equal the declared cost. Net A with --output label
 * runs argmax_s by FSS too. Net C takes a fixed batch of 1 (its FSS keys at a free
 * batch are over the party caps at the largest batch a party accepts).
 * Also: the plan's comparison kernels carry attrs.compare = 'fss', the FSS plan has
 * fewer rounds, and a plan naming an unknown method is refused by the verifier.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compile, type CompileOptions } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import type { Prediction } from '../../runtime/party/prediction-io.js';
import { TfeError } from '../../src/errors.js';
import { planDigest, verifyPlan, type Plan } from '../../src/plan/index.js';
import { testBackend } from '../support/backend.js';
import { readMnist } from '../support/mnist.js';

const TOL = 1e-3;
const COMPARING = ['drelu_s', 'relu_s', 'maxpool_s', 'argmax_s'];

function checkCost(p: Prediction): void {
  assert.equal(p.stats.rounds, p.declared.rounds, 'rounds');
  assert.equal(p.stats.dealerBytes, p.declared.dealerBytes, 'dealer bytes');
  assert.deepEqual(p.stats.bytes, p.declared.bytes, 'bytes');
}

async function both(net: 'A' | 'C', opts: CompileOptions, images: number, batch: number): Promise<{ exact: Prediction[]; fss: Prediction[]; plans: Plan[] }> {
  const set = readMnist(images);
  const out: Prediction[][] = [];
  const plans: Plan[] = [];
  for (const compare of ['exact', 'fss'] as const) {
    const { plan, weights } = await compile(zooModelPath(net), { ...opts, compare, inputRange: [0, 1] });
    plans.push(plan);
    const input = plan.inputs[0];
    const d = await PlanDeployment.start(plan, weights, { ring: testBackend() });
    const preds: Prediction[] = [];
    try {
      for (let i = 0; i < images; i += batch) {
        const data = Float64Array.from(set.images.subarray(i * 784, (i + batch) * 784));
        const p = await d.predict({ [input.name]: { shape: [batch, ...input.shape.slice(1)], data } });
        checkCost(p);
        preds.push(p);
      }
    } finally {
      await d.close();
    }
    out.push(preds);
  }
  return { exact: out[0], fss: out[1], plans };
}

function values(p: Prediction): Float64Array {
  return Object.values(p.outputs)[0].data;
}

function argmaxRows(v: Float64Array, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < v.length; r += k) {
    let best = r;
    for (let j = r; j < r + k; j++) if (v[j] > v[best]) best = j;
    out.push(best - r);
  }
  return out;
}

describe('zoo networks: --compare fss agrees with --compare exact', () => {
  test('net A, 16 MNIST images at batch 8', async () => {
    const { exact, fss, plans } = await both('A', {}, 16, 8);
    assert.ok(plans[1].steps.filter((s) => s.kernel === 'relu_s').every((s) => s.attrs.compare === 'fss'));
    assert.ok(plans[0].steps.every((s) => s.attrs.compare === undefined));
    assert.ok(plans[1].cost.perPrediction.rounds < plans[0].cost.perPrediction.rounds);
    exact.forEach((e, i) => {
      const [a, b] = [values(e), values(fss[i])];
      assert.deepEqual(argmaxRows(b, 10), argmaxRows(a, 10));
      a.forEach((v, j) => assert.ok(Math.abs(v - b[j]) <= TOL, `output ${j}: exact ${v} vs fss ${b[j]}`));
    });
  });

  test('net A with --output label (argmax_s by FSS), 8 images at batch 4', async () => {
    const { exact, fss, plans } = await both('A', { outputLabel: true }, 8, 4);
    assert.ok(plans[1].steps.some((s) => s.kernel === 'argmax_s' && s.attrs.compare === 'fss'));
    exact.forEach((e, i) => assert.deepEqual([...values(fss[i])], [...values(e)]));
  });

  test('net C (fixed batch 1), 3 MNIST images: at most 24 rounds', async () => {
    const { exact, fss, plans } = await both('C', { inputs: [{ name: 'conv1_input', shape: [1, 28, 28, 1] }] }, 3, 1);
    assert.ok(plans[1].steps.some((s) => s.kernel === 'maxpool_s' && s.attrs.compare === 'fss'));
    assert.ok(fss[0].stats.rounds <= 24, `${fss[0].stats.rounds} rounds`);
    assert.ok(fss[0].stats.rounds < exact[0].stats.rounds);
    exact.forEach((e, i) => {
      const [a, b] = [values(e), values(fss[i])];
      assert.deepEqual(argmaxRows(b, 10), argmaxRows(a, 10));
      a.forEach((v, j) => assert.ok(Math.abs(v - b[j]) <= TOL, `output ${j}: exact ${v} vs fss ${b[j]}`));
    });
  });
});

describe('the plan verifier and attrs.compare', () => {
  test('a comparison kernel naming an unknown method is refused (E_PLAN naming the attribute)', async () => {
    const { plan } = await compile(zooModelPath('A'), { compare: 'fss', inputRange: [0, 1] });
    verifyPlan(plan);
    for (const kernel of COMPARING.filter((k) => plan.steps.some((s) => s.kernel === k))) {
      const steps = plan.steps.map((s) => (s.kernel === kernel ? { ...s, attrs: { ...s.attrs, compare: 'garbled' } } : s));
      const bad = { ...plan, steps };
      assert.throws(() => verifyPlan({ ...bad, planId: planDigest(bad) }), (e: unknown) => e instanceof TfeError && e.code === 'E_PLAN' && /'compare' must be exact or fss/.test(e.message));
    }
  });

  test('compile refuses an unknown --compare, and a free-batch FSS plan over the caps with a hint', async () => {
    await assert.rejects(compile(zooModelPath('A'), { compare: 'maybe' as 'fss' }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG');
    await assert.rejects(compile(zooModelPath('C'), { compare: 'fss', inputRange: [0, 1] }), (e: unknown) => e instanceof TfeError && e.code === 'E_PLAN' && /fixed batch/.test(e.hint ?? ''));
  });
});
