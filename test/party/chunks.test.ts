/**
 * Chunked local predictions (runtime/party/chunks.ts): a batch of 7 on zoo network A
 * with chunk 3 runs as 3 sessions (3, 3, 1) whose concatenated outputs agree with the
 * plaintext model (tfjs, the independent reference) example by example, within the
 * fixed-point error of one prediction, and with the unsplit run; the measured bytes
 * equal the declared bytes at batch 7 (costs are linear in the batch) and the rounds
 * add up; an out-of-range value in the second chunk is reported with its index in the
 * whole batch; the chunk rule gives 36 for network C (1.77 MiB declared per example,
 * 64 MiB per session), never splits a fixed batch, and refuses a chunk above the
 * largest batch a party accepts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import { declaredCost } from '../../src/plan/index.js';
import { bytesPerExample, chunkSize, CHUNK_BUDGET_BYTES } from '../../runtime/party/chunks.js';
import { modelLocation } from '../../runtime/eval/reference.js';
import { PlanDeployment, type FloatTensor } from '../../runtime/party/executor.js';
import { tfjsReference } from '../../src/reference.js';
import { testBackend } from '../support/backend.js';
import { readMnist } from '../support/mnist.js';

function images(n: number): FloatTensor {
  const m = readMnist(n);
  return { shape: [n, 28, 28, 1], data: Float64Array.from(m.images.subarray(0, n * 784)) };
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/**
 * Largest difference allowed between a private and a plaintext probability: the
 * fixed-point error of network A at f = 16 (the README's eval reports ~5e-5 on net C;
 * truncation is exact up to 1 in the last place per layer), with a 20x margin.
 */
const TOLERANCE = 1e-3;

describe('chunked local predictions (zoo network A)', () => {
  let c: CompileResult;
  let d: PlanDeployment;
  const name = (): string => c.plan.inputs[0].name;
  const out = (): string => c.plan.outputs[0].name;
  before(async () => {
    c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    d = await PlanDeployment.start(c.plan, c.weights, { ring: testBackend(), chunk: 3 });
  });
  after(() => d.close());

  test('a batch of 7 runs as 3 sessions; outputs match the plaintext model and the unsplit run', async () => {
    const x = images(7);
    const p = await d.predict({ [name()]: x });
    assert.equal(p.sessions, 3);
    const got = p.outputs[out()];
    assert.deepEqual(got.shape, [7, 10]);
    const probs = got.probabilities as Float64Array;
    const ref = (await tfjsReference()(c.plan, modelLocation(c.plan, c.weights.manifest, undefined), { [name()]: x }))[0];
    assert.ok(maxDiff(probs, ref.data) < TOLERANCE, `chunked vs plaintext: ${maxDiff(probs, ref.data)}`);
    const whole = await PlanDeployment.start(c.plan, c.weights, { ring: testBackend(), chunk: 7 });
    try {
      const q = await whole.predict({ [name()]: x });
      assert.equal(q.sessions, undefined);
      assert.ok(maxDiff(probs, q.outputs[out()].probabilities as Float64Array) < 2 * TOLERANCE);
      assert.equal(p.stats.rounds, 3 * q.stats.rounds);
    } finally {
      whole.close();
    }
    const declared = declaredCost(c.plan, c.plan.steps, 7);
    assert.deepEqual(p.declared.bytes, declared.bytes);
    assert.deepEqual(p.stats.bytes, declared.bytes);
    assert.equal(p.stats.dealerBytes, declared.dealerBytes);
  });

  test('an input error in a later chunk names the index in the whole batch', async () => {
    const x = images(7);
    x.data[5 * 784 + 3] = 2; // outside the compiled range [0, 1]
    await assert.rejects(d.predict({ [name()]: x }), (e: unknown) => e instanceof TfeError && e.code === 'E_RANGE' && /\[3923\] = 2/.test(e.message));
  });
});

describe('the chunk rule', () => {
  test('network C: floor(64 MiB / declared bytes per example)', async () => {
    const { plan } = await compile(zooModelPath('C'), { inputRange: [0, 1] });
    const per = bytesPerExample(plan);
    assert.ok(per > 1.7 * 2 ** 20 && per < 1.85 * 2 ** 20, `${per}`);
    assert.equal(chunkSize(plan), Math.floor(CHUNK_BUDGET_BYTES / per));
    assert.equal(chunkSize(plan), 36);
    assert.equal(chunkSize(plan, 5), 5);
    assert.throws(() => chunkSize(plan, 1025), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /1024/.test(e.message));
  });

  test('a fixed batch is never split', async () => {
    const { plan } = await compile(zooModelPath('A'), { inputRange: [0, 1], inputs: [{ name: 'flatten_input', shape: [4, 28, 28, 1] }] });
    assert.equal(chunkSize(plan), Infinity);
  });
});
