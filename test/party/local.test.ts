/**
 * The local deployment (every role a party over in-memory links, the code path of a
 * real deployment): zoo network A's predictions match the plaintext model; two
 * concurrent predictions on one deployment both come out right; a session that a
 * hostile client breaks (a share of the wrong length) ends at every party with an
 * error naming the peer and the step, and the servers serve the next session; the
 * dealer makes material per bundle, and a prediction before the weights are shared
 * is refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { encode } from '../../src/fixed/index.js';
import { TfeError } from '../../src/errors.js';
import { PlanDeployment, type FloatTensor } from '../../runtime/party/executor.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import { pub } from '../../runtime/protocols/types.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import { testBackend } from '../support/backend.js';
import { readMnist } from '../support/mnist.js';

function image(i: number): FloatTensor {
  const m = readMnist(i + 1);
  return { shape: [1, 28, 28, 1], data: Float64Array.from(m.images.subarray(i * 784, (i + 1) * 784)) };
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('local deployment of zoo network A', () => {
  let c: CompileResult;
  let d: PlanDeployment;
  const name = (): string => c.plan.inputs[0].name;
  const out = (): string => c.plan.outputs[0].name;
  before(async () => {
    c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    d = await PlanDeployment.start(c.plan, c.weights, { ring: testBackend() });
  });

  test('the sample is classified as its label; measured cost = declared cost', async () => {
    const sample = JSON.parse(readFileSync(zooSamplePath('A'), 'utf8')) as { label: number; input: number[][][][] };
    const x = { shape: [1, 28, 28, 1], data: Float64Array.from(sample.input.flat(3)) };
    const p = await d.predict({ [name()]: x });
    const probs = p.outputs[out()].probabilities as Float64Array;
    assert.equal(probs.indexOf(Math.max(...probs)), sample.label);
    assert.equal(p.stats.rounds, p.declared.rounds);
    assert.deepEqual(p.stats.bytes, p.declared.bytes);
    assert.equal(p.stats.dealerBytes, p.declared.dealerBytes);
    assert.ok(p.onlineMs > 0 && p.offlineMs > 0);
  });

  test('two concurrent predictions on one deployment both give the right answer', async () => {
    const [x0, x1] = [image(0), image(1)];
    const seq = [await d.predict({ [name()]: x0 }), await d.predict({ [name()]: x1 })];
    const par = await Promise.all([d.predict({ [name()]: x0 }), d.predict({ [name()]: x1 })]);
    for (let i = 0; i < 2; i++) {
      // truncation is exact to one unit in the last place, with random carries: runs agree to ~1e-4
      assert.ok(maxDiff(seq[i].outputs[out()].data, par[i].outputs[out()].data) < 1e-3, `prediction ${i}`);
    }
    assert.notDeepEqual(par[0].outputs[out()].data, par[1].outputs[out()].data);
  });

  test('a share of the wrong length fails that session at every party, naming the peer and the step; the next session works', async () => {
    const bad = new Map([[c.plan.inputs[0].tensor, pub([1, 10, 1, 1], ringTensor([1, 10, 1, 1], encode(new Float64Array(10), 16)))]]);
    await assert.rejects(d.local.session('client', 'predict', 1, bad), (e: unknown) => {
      assert.ok(e instanceof TfeError);
      assert.match(e.message, /server[01] ended the session at step 0: server[01].*client sent 80 bytes at step 0 \(share/);
      return true;
    });
    const [s0, s1] = d.local.computes;
    await s0.idle();
    await s1.idle();
    assert.ok(s0.counts.failed >= 1 && s1.counts.failed >= 1);
    const p = await d.predict({ [name()]: image(2) });
    assert.equal(p.outputs[out()].data.length, 10);
  });

  test('a prediction before the model owner shared the weights is refused, naming the fix', async () => {
    const noSetup = await LocalDeployment.start(c.plan, c.weights, { ring: testBackend(), skipSetup: true });
    await assert.rejects(noSetup.session('client', 'predict', 1, new Map()), /has no weights yet: the model owner has not shared them/);
    noSetup.close();
  });
});
