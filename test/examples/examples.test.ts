/**
 * The examples under models/examples/ run, in process (runLocal) under Pond and
 * securenn and with every role its own process (up(), Pond), and equal a plaintext
 * computation by TensorFlow.js (float32):
 *
 *  - private-matmul: ones(5, 10) · ones(10, 10) = 10 everywhere, revealed to the input
 *    provider; every value is exact in fixed point (integers, one truncation of an exact
 *    product: error 0 or 2^-16), so the tolerance is 2^-15;
 *  - two-data-owners: sigmoid(relu([insurer, bank] · w1 + b1) · w2 + b2), revealed to the
 *    analyst only. Tolerance 5e-4: the plan states its sigmoid's error (<= 6.2e-5, checked
 *    here from the plan's own `approximation`), plus the fixed-point error of two dense
 *    layers at 16 fractional bits (inputs and weights encoded to 2^-17, 5 + 4 products per
 *    value, one truncation each: below 5e-5 in the hidden layer, times |w2| <= 1.2 per
 *    term over 4 terms, with sigmoid's slope <= 1/4) and float32 rounding in the reference.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PRIVATE_MATMUL_INPUTS, privateMatmul } from '../../models/examples/private-matmul.js';
import { MODEL, TWO_DATA_OWNERS_INPUTS, twoDataOwners } from '../../models/examples/two-data-owners.js';
import { runLocal, up, type RunOutputs } from '../../src/index.js';

function close(got: readonly number[], want: readonly number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tol, `${what}[${i}] = ${v}, expected ${want[i]} (tolerance ${tol})`));
}

function matmulReference(): number[] {
  return Array.from(tf.matMul(tf.ones([5, 10]), tf.ones([10, 10])).dataSync());
}

function riskReference(): number[] {
  const ins = TWO_DATA_OWNERS_INPUTS.insurer.insurer_features as number[][];
  const bank = TWO_DATA_OWNERS_INPUTS.bank.bank_features as number[][];
  const x = tf.concat([tf.tensor2d(ins), tf.tensor2d(bank)], 1);
  const h = tf.relu(tf.add(tf.matMul(x, tf.tensor2d(MODEL.w1)), tf.tensor1d(MODEL.b1)));
  return Array.from(tf.sigmoid(tf.add(tf.matMul(h, tf.tensor2d(MODEL.w2)), tf.tensor1d(MODEL.b2))).dataSync());
}

function onlyTo(out: RunOutputs, name: string, receiver: string): number[] {
  assert.deepEqual(Object.keys(out), [name]);
  assert.equal(out[name].receiver, receiver);
  return out[name].values;
}

describe('models/examples', () => {
  for (const protocol of ['pond', 'securenn']) {
    test(`private-matmul (${protocol}, in process): y = x · w revealed to the input provider`, async () => {
      const c = await privateMatmul(protocol);
      assert.deepEqual(c.plan.roles.filter((r) => r.kind === 'input' || r.kind === 'output').map((r) => `${r.name}:${r.kind}`), ['input-provider:input', 'model-owner:input']);
      const out = await runLocal(c, PRIVATE_MATMUL_INPUTS);
      assert.deepEqual(out.y.shape, [5, 10]);
      close(onlyTo(out, 'y', 'input-provider'), matmulReference(), 2 ** -15, 'y');
    });

    test(`two-data-owners (${protocol}, in process): the analyst's scores equal the plaintext network`, async () => {
      const c = await twoDataOwners(protocol);
      assert.deepEqual(c.plan.roles.filter((r) => r.kind === 'input' || r.kind === 'output').map((r) => `${r.name}:${r.kind}`), ['insurer:input', 'bank:input', 'model-owner:input', 'analyst:output']);
      const stated = c.plan.steps.flatMap((s) => [...(s.approximation ?? '').matchAll(/total <= ([0-9.e-]+)/g)].map((m) => Number(m[1])));
      assert.ok(stated.length > 0 && Math.max(...stated) <= 6.2e-5, `the sigmoid's stated error: ${stated.join(', ')}`);
      close(onlyTo(await runLocal(c, TWO_DATA_OWNERS_INPUTS), 'score', 'analyst'), riskReference(), 5e-4, 'score');
    });
  }

  test('both examples with every role its own process (up, pond)', async () => {
    close(onlyTo(await up(await privateMatmul(), PRIVATE_MATMUL_INPUTS), 'y', 'input-provider'), matmulReference(), 2 ** -15, 'y');
    close(onlyTo(await up(await twoDataOwners(), TWO_DATA_OWNERS_INPUTS), 'score', 'analyst'), riskReference(), 5e-4, 'score');
  });
});
