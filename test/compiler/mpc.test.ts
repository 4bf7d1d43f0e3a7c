/**
 * Compiled plans run under the real Pond protocol (the runtime's executor, all
 * parties in one process) and give what the plaintext ring simulator gives, up to the
 * truncation's +1 ulp per truncated value (amplified by the layers after it), with
 * the measured rounds equal to the declared ones. Two MNIST images per model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { runLocal } from '../../runtime/party/executor.js';
import { readMnist } from '../support/mnist.js';
import { sharedModel } from '../support/paths.js';
import { simulatePlan } from './ring-sim.js';

/** 2^-16 * 128: a few truncation ulps times the L1 norms of the layers after them (measured: <= 2.6e-4). */
const TOLERANCE = 2e-3;

for (const [name, file, shape] of [
  ['tfe_mnist_cnn_avgpool', 'mnist_model.pb', [2, 784]],
  ['moonflower_mnist_convnet_h5', 'mnist_model.h5', [2, 28, 28, 1]],
  ['tf2onnx_fc_layers', 'frozen.pb', [2, 784]],
] as const) {
  test(`${name}: Pond execution matches the ring simulation and its declared rounds`, async () => {
    const r = await compile(sharedModel(name, file), { inputRange: [0, 1] });
    const input = { [r.plan.inputs[0].name]: { shape: [...shape], data: Float64Array.from(readMnist(2).images) } };
    const p = await runLocal(r.plan, r.weights, input);
    const sim = await simulatePlan(r.plan, r.weights, input);
    const o = r.plan.outputs[0].name;
    const a = p.outputs[o].data;
    const s = sim[o].data;
    assert.equal(a.length, s.length);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - s[i]) <= TOLERANCE, `${o}[${i}]: pond ${a[i]} vs simulated ${s[i]}`);
    assert.equal(p.stats.rounds, p.declared.rounds);
    assert.equal(p.declared.rounds, r.plan.cost.perPrediction.rounds);
  });
}
