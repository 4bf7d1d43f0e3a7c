/**
 * `runLocal` through the public facade (src/index.ts) on zoo net A compiled with
 * `compile()`: every input form (nested arrays with and without the batch dimension, a
 * flat Float32Array / Float64Array / number[] of the declared size, `{shape, data}`)
 * gives the plaintext TensorFlow.js model's probabilities within PROB_TOL; each bad
 * argument is a TfeError with its code, naming the role and the input.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isErrorCode, runLocal, TfeError, type CompileResult, type ErrorCode } from '../../src/index.js';
import { assertNetA, netA, referenceA, sampleA } from './fixture.js';

let c: CompileResult;
let want: number[];
let x: number[][][][];
let name: string;

before(async () => {
  c = await netA();
  want = await referenceA();
  x = sampleA();
  name = c.plan.inputs[0].name;
});

/** Asserts that `p` rejects with a TfeError of `code` whose message matches every pattern. */
async function refuses(p: Promise<unknown>, code: ErrorCode, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TfeError, `a TfeError, got ${String(e)}`);
    assert.ok(isErrorCode(e.code));
    assert.equal(e.code, code, e.message);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
}

describe('runLocal on zoo net A', () => {
  test('nested arrays (the batch of one, and one example without its batch dimension) match the plaintext model', async () => {
    assertNetA(await runLocal(c, { client: { [name]: x } }), want, 'nested [1,28,28,1]');
    assertNetA(await runLocal(c, { client: { [name]: x[0] } }), want, 'nested [28,28,1]');
  });

  test('flat typed arrays and number[] of the declared size, and {shape, data}', async () => {
    const flat = x.flat(3);
    assertNetA(await runLocal(c, { client: { [name]: Float32Array.from(flat) } }), want, 'Float32Array');
    assertNetA(await runLocal(c, { client: { [name]: Float64Array.from(flat) } }), want, 'Float64Array');
    assertNetA(await runLocal(c, { client: { [name]: flat } }), want, 'number[]');
    assertNetA(await runLocal(c, { client: { [name]: { shape: [1, 28, 28, 1], data: flat } } }), want, '{shape, data}');
  });

  test('a batch of two in one call: two rows, each the sample\'s prediction', async () => {
    const out = await runLocal(c, { client: { [name]: [x[0], x[0]] } });
    const o = Object.values(out)[0];
    assert.deepEqual(o.shape, [2, 10]);
    assert.equal(o.probabilities?.length, 20);
    assertNetA({ y: { ...o, shape: [1, 10], values: o.values.slice(10), probabilities: o.probabilities?.slice(10) } }, want, 'second row');
  });

  test('a role the plan does not have, or one that provides no inputs, is E_ARG naming it and the input roles', async () => {
    await refuses(runLocal(c, { client: { [name]: x }, bob: { [name]: x } }), 'E_ARG', /the plan has no role 'bob'/);
    await refuses(runLocal(c, { client: { [name]: x }, 'model-owner': { w: [1] } }), 'E_ARG', /role 'model-owner' provides no inputs of this plan/);
    await refuses(runLocal(c, { server0: { [name]: x } }), 'E_ARG', /role 'server0' provides no inputs/);
  });

  test('a missing role, a missing input or an unknown input is E_ARG naming the role and the input', async () => {
    await refuses(runLocal(c, {}), 'E_ARG', /missing the inputs of role 'client'/, new RegExp(`'${name}'`));
    await refuses(runLocal(c, { client: {} }), 'E_ARG', /role 'client' gives no input/, new RegExp(`'${name}'`));
    await refuses(runLocal(c, { client: { [name]: x, y: [1] } }), 'E_ARG', /role 'client' was given input 'y', which the plan does not have/);
  });

  test('a wrong shape is E_SHAPE naming the role and the input; a value out of range E_RANGE; a NaN E_RANGE', async () => {
    await refuses(runLocal(c, { client: { [name]: x[0].slice(1) } }), 'E_SHAPE', /role 'client'/, new RegExp(`input '${name}'`), /\[27,28,1\]/);
    await refuses(runLocal(c, { client: { [name]: new Float32Array(783) } }), 'E_SHAPE', /role 'client'/, /783/);
    await refuses(runLocal(c, { client: { [name]: { shape: [1, 28, 28, 1], data: [1, 2] } } }), 'E_SHAPE', /role 'client'/);
    const big = x.flat(3).map((v, i) => (i === 5 ? 2 : v));
    await refuses(runLocal(c, { client: { [name]: big } }), 'E_RANGE', /\[5\] = 2 is outside the range \[0, 1\]/);
    const nan = x.flat(3).map((v, i) => (i === 7 ? Number.NaN : v));
    await refuses(runLocal(c, { client: { [name]: nan } }), 'E_RANGE', /not a finite number/);
  });

  test('a compiled object without weights, or with another plan\'s weights, is refused before anything runs', async () => {
    await refuses(runLocal({ plan: c.plan } as unknown as CompileResult, { client: { [name]: x } }), 'E_ARG', /expected \{ plan, weights \}/);
    const data = c.weights.data.slice();
    data[0] ^= 1n;
    await refuses(runLocal({ plan: c.plan, weights: { ...c.weights, data } }, { client: { [name]: x } }), 'E_PLAN', /SHA-256/);
  });
});
