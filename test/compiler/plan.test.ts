/**
 * The emitted plan: golden snapshots for two shared models (regenerate with
 * TFE_UPDATE_GOLDEN=1), schema validity, declared-cost totals, no weight values in
 * plan.json, weights that match the plan, and the options that change the plan
 * (--public-weights, --output label).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { decode } from '../../src/fixed/index.js';
import type { RingGraph } from '../../src/ir/ring-ops.js';
import { checkWeights, planDigest, parsePlan, type Plan } from '../../src/plan/index.js';
import { POND_SPECS } from '../../src/protocols/pond.js';
import { addCosts, type Cost } from '../../src/protocols/spec.js';
import { readMnist } from '../support/mnist.js';
import { REPO_ROOT, sharedModel } from '../support/paths.js';
import { simulatePlan } from './ring-sim.js';

const GOLDEN_DIR = join(REPO_ROOT, 'test', 'compiler', 'golden');
const UPDATE = process.env.TFE_UPDATE_GOLDEN === '1';
const AVGPOOL = sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb');
const FC = sharedModel('tf2onnx_fc_layers', 'frozen.pb');

function checkGolden(name: string, plan: Plan): void {
  const file = join(GOLDEN_DIR, name);
  const text = `${JSON.stringify(plan, null, 1)}\n`;
  if (UPDATE) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${file} (regenerate with TFE_UPDATE_GOLDEN=1 after checking the diff)`);
}

const batch1 = (s: readonly number[]): number[] => s.map((d) => (d < 0 ? 1 : d));

/** Every step's cost recomputed from the kernel specs, and the totals from those. */
function checkCosts(plan: Plan): void {
  const shapes = new Map(plan.tensors.map((t) => [t.id, batch1(t.shape)]));
  const warm: Cost[] = [];
  for (const s of plan.steps) {
    const spec = POND_SPECS.get(s.kernel);
    assert.ok(spec, `kernel ${s.kernel} is a Pond kernel`);
    const sh = s.inputs.map((i) => shapes.get(i) as number[]);
    const c = spec.cost(sh, s.attrs, { warm: true });
    assert.deepEqual(s.cost, c, `step ${s.kernel} (${s.source}) declares its spec's cost`);
    assert.equal(s.reveals, spec.reveals);
    warm.push(c);
  }
  assert.deepEqual(plan.cost.perPrediction, addCosts(warm));
  assert.deepEqual(plan.cost.setup, addCosts(plan.setupSteps.map((s) => POND_SPECS.get(s.kernel)?.cost(s.inputs.map((i) => shapes.get(i) as number[]), s.attrs, { warm: true }) as Cost)));
}

/**
 * No number in plan.json equals a weight value: the model's own values, their
 * fixed-point roundings, or their encodings (integers below 1e7 are skipped: shapes,
 * attributes and byte counts are such integers too).
 */
function checkNoWeights(plan: Plan, weights: { manifest: { entries: { offset: number; length: number; scale: number }[] }; data: BigUint64Array }, ring: RingGraph): void {
  const text = JSON.stringify(plan);
  const numbers = new Set((text.match(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi) ?? []).map(Number));
  let checked = 0;
  for (const n of ring.nodes) {
    if (n.op !== 'const' || n.attrs.param !== true) continue;
    for (const v of n.value as Float64Array) {
      if (Number.isInteger(v)) continue;
      assert.ok(!numbers.has(v), `weight value ${v} of ${n.id} appears in plan.json`);
      checked++;
    }
  }
  for (const e of weights.manifest.entries) {
    const words = weights.data.slice(e.offset, e.offset + e.length);
    const reals = decode(words, e.scale);
    for (let i = 0; i < words.length; i++) {
      const r = reals[i];
      if (Number.isInteger(r) && Math.abs(r) < 1e4) continue; // small integers also occur as shapes and attributes
      assert.ok(!numbers.has(r), `weight value ${r} appears in plan.json`);
      const enc = Number(BigInt.asIntN(64, words[i]));
      if (Math.abs(enc) >= 1e7) assert.ok(!numbers.has(enc), `encoded weight ${enc} appears in plan.json`);
      checked++;
    }
  }
  assert.ok(checked > 0);
}

for (const [name, path] of [['tfe_mnist_cnn_avgpool', AVGPOOL], ['tf2onnx_fc_layers', FC]] as const) {
  test(`${name}: golden plan, schema, declared costs, no weight values in plan.json, weights match`, async () => {
    const r = await compile(path, { inputRange: [0, 1] });
    checkGolden(`${name}.plan.json`, r.plan);
    parsePlan(JSON.parse(JSON.stringify(r.plan)));
    checkCosts(r.plan);
    checkNoWeights(r.plan, r.weights, r.ring);
    checkWeights(r.plan, r.weights);
    assert.equal(r.weights.data.length, r.weights.manifest.entries.reduce((a, e) => a + e.length, 0));
    // the client shares first, the last step reveals to the client only
    assert.equal(r.plan.steps[0].kernel, 'share');
    assert.deepEqual(r.plan.steps.filter((s) => s.reveals).map((s) => [s.kernel, s.attrs.to]), [['reveal', 'client']]);
  });
}

test('the plan id is the SHA-256 of the canonical plan: the same compile gives the same id, another option another id; weights bind to it', async () => {
  const a = await compile(FC);
  const same = await compile(FC);
  const b = await compile(FC, { fracBits: 12 });
  assert.match(a.plan.planId, /^[0-9a-f]{64}$/);
  assert.equal(a.plan.planId, planDigest(a.plan));
  assert.equal(same.plan.planId, a.plan.planId);
  assert.notEqual(a.plan.planId, b.plan.planId);
  assert.equal(a.weights.manifest.planId, a.plan.planId);
  assert.throws(() => checkWeights(a.plan, b.weights), /belong to plan/);
  assert.throws(() => checkWeights(a.plan, { ...a.weights, data: b.weights.data }), /weights.bin has SHA-256 [0-9a-f]{64}, but the plan was compiled with weights/);
});

test('--public-weights: the setup only publishes, secret x public kernels, weights public; same numbers', async () => {
  const sec = await compile(AVGPOOL, { inputRange: [0, 1] });
  const pub = await compile(AVGPOOL, { inputRange: [0, 1], publicWeights: true });
  assert.ok(pub.plan.setupSteps.length > 0 && pub.plan.setupSteps.every((s) => s.kernel === 'publish'));
  assert.ok(pub.plan.steps.some((s) => s.kernel === 'conv2d_sp') && pub.plan.steps.some((s) => s.kernel === 'matmul_sp'));
  assert.ok(!pub.plan.steps.some((s) => s.kernel.endsWith('_ss') && s.kernel !== 'add_ss'));
  const published = new Set(pub.plan.setupSteps.map((s) => s.outputs[0]));
  assert.equal(published.size, pub.plan.weights.length);
  assert.ok(pub.plan.tensors.filter((t) => published.has(t.id)).every((t) => t.visibility === 'public'));
  assert.ok(pub.plan.cost.perPrediction.bytes.server0 !== undefined);
  assert.ok((pub.plan.cost.perPrediction.bytes.server0 ?? 0) < (sec.plan.cost.perPrediction.bytes.server0 ?? 0));
  const mn = readMnist(5);
  const x = { shape: [5, 784], data: Float64Array.from(mn.images) };
  const a = await simulatePlan(sec.plan, sec.weights, { Placeholder: x });
  const b = await simulatePlan(pub.plan, pub.weights, { Placeholder: x });
  assert.deepEqual(a, b);
});

test('--output label reveals only the argmax (scale 0, kind label)', async () => {
  const r = await compile(AVGPOOL, { inputRange: [0, 1], outputLabel: true });
  const o = r.plan.outputs[0];
  assert.equal(o.kind, 'label');
  assert.equal(o.scale, 0);
  assert.deepEqual(o.shape, [-1]);
  const reveal = r.plan.steps[r.plan.steps.length - 1];
  assert.equal(r.plan.steps[r.plan.steps.length - 2].kernel, 'argmax_s');
  assert.equal(reveal.kernel, 'reveal');
  const logits = await compile(AVGPOOL, { inputRange: [0, 1] });
  const mn = readMnist(8);
  const x = { shape: [8, 784], data: Float64Array.from(mn.images) };
  const labels = (await simulatePlan(r.plan, r.weights, { Placeholder: x }))[o.name].data;
  const l = (await simulatePlan(logits.plan, logits.weights, { Placeholder: x }))[logits.plan.outputs[0].name].data;
  for (let i = 0; i < 8; i++) {
    const row = Array.from(l.subarray(i * 10, i * 10 + 10));
    assert.equal(labels[i], row.indexOf(Math.max(...row)));
  }
});

test('a final Softmax is left to the client (kind probabilities, postprocess softmax)', async () => {
  const r = await compile(sharedModel('tfe_short_dnn_h5', 'short-dnn.h5'));
  assert.equal(r.plan.outputs[0].kind, 'probabilities');
  assert.equal(r.plan.outputs[0].postprocess, 'softmax');
  assert.equal(r.plan.outputs[0].scale, 2 * r.plan.fracBits, 'revealed at the product scale, not truncated');
});

test('compile() takes model bytes too, and writes nothing unless asked', async () => {
  const r = await compile(readFileSync(FC), {});
  const p = await compile(FC, {});
  assert.deepEqual(r.plan.steps, p.plan.steps);
  assert.deepEqual(r.weights.data, p.weights.data);
});
