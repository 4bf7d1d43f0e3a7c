/**
 * The model owner's consent to public weights (issue 11): a plan compiled with
 * --public-weights sends the parameters to the servers in the clear, so the owner's
 * process refuses it (E_POLICY, exit 2, naming the step and the parameter) unless it
 * was started with --public-weights itself; a plan that was edited to publish a weight
 * instead of sharing it (plan id recomputed) is refused the same way, because what is a parameter comes from the owner's
 * weights.json, not from the plan.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { main } from '../../src/cli.js';
import { TfeError } from '../../src/errors.js';
import { checkPublicWeightsConsent, planDigest, type Plan } from '../../src/plan/index.js';
import { PlanDeployment, type FloatTensor } from '../../runtime/party/executor.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const sample = JSON.parse(readFileSync(zooSamplePath('A'), 'utf8')) as { label: number; input: number[][][][] };
const x: FloatTensor = { shape: [1, 28, 28, 1], data: Float64Array.from(sample.input.flat(3)) };

let open: CompileResult;
let secret: CompileResult;
before(async () => {
  open = await compile(zooModelPath('A'), { inputRange: [0, 1], publicWeights: true });
  secret = await compile(zooModelPath('A'), { inputRange: [0, 1] });
});

function isPolicy(step: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof TfeError, String(e));
    assert.equal(e.code, 'E_POLICY');
    assert.match(e.message, step);
    assert.match(e.message, /model parameter 'dense1\/kernel'.*model-owner did not consent/);
    assert.match(e.hint ?? '', /--public-weights/);
    return true;
  };
}

test('a --public-weights plan is refused by the model owner without its consent, and runs with it', async () => {
  await assert.rejects(PlanDeployment.start(open.plan, open.weights), isPolicy(/setupSteps\[0\] \(kernel publish/));
  const d = await PlanDeployment.start(open.plan, open.weights, { publicWeights: true });
  try {
    const p = await d.predict({ [open.plan.inputs[0].name]: x });
    const probs = p.outputs[open.plan.outputs[0].name].probabilities as Float64Array;
    assert.equal(probs.indexOf(Math.max(...probs)), sample.label);
  } finally {
    d.close();
  }
  // secret weights need no consent
  const s = await PlanDeployment.start(secret.plan, secret.weights);
  s.close();
});

test('a plan edited to publish a weight instead of sharing it is refused by the owner, whatever the plan says', async () => {
  const plan = structuredClone(secret.plan) as Plan & { planId: string };
  const i = plan.setupSteps.findIndex((s) => s.kernel === 'share');
  const out = plan.setupSteps[i].outputs[0];
  plan.setupSteps[i] = { ...plan.setupSteps[i], kernel: 'publish' };
  plan.tensors = plan.tensors.map((t) => (t.id === out ? { ...t, visibility: 'public' as const } : t));
  plan.planId = planDigest(plan);
  const weights = { ...secret.weights, manifest: { ...secret.weights.manifest, planId: plan.planId } };
  assert.throws(() => checkPublicWeightsConsent(plan, weights.manifest, 'model-owner', false), isPolicy(/setupSteps\[0\] \(kernel publish/));
  assert.doesNotThrow(() => checkPublicWeightsConsent(plan, weights.manifest, 'model-owner', true));
  // an older manifest without the parameter field counts every entry as a parameter
  const old = { ...weights.manifest, entries: weights.manifest.entries.map(({ parameter: _p, ...e }) => e) };
  assert.throws(() => checkPublicWeightsConsent(plan, old, 'model-owner', false), isPolicy(/kernel publish/));
});

test('tfe run: exit 2 and E_POLICY without --public-weights, the prediction with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-consent-'));
  const plan = join(dir, 'plan');
  assert.equal((await tfe('compile', zooModelPath('A'), '--input-range', '0:1', '--public-weights', '-o', plan)).code, 0);
  const refused = await tfe('run', plan, '--input', zooSamplePath('A'));
  assert.equal(refused.code, 2);
  assert.match(refused.err, /model parameter 'dense1\/kernel'.*\[E_POLICY\]/);
  assert.match(refused.err, /--public-weights/);
  const ok = await tfe('run', plan, '--input', zooSamplePath('A'), '--public-weights', '--json');
  assert.equal(ok.code, 0, ok.err);
  const outputs = (JSON.parse(ok.out) as { outputs: Record<string, { top: { class: number }[][] }> }).outputs;
  assert.equal(Object.values(outputs)[0].top[0][0].class, sample.label);
});
