/**
 * The binding codec shared by `tfe run` and the HTTP clients (runtime/io/bindings-codec.ts),
 * against hand computations: one-hot preprocessing then fixed-point words, the batch from
 * the free dimension, range and shape refusals, label outputs as signed integers, scaled
 * outputs and the softmax post-processing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeOutputWords, encodeBindings, softmaxRows } from '../../runtime/io/bindings-codec.js';
import { TfeError } from '../../src/errors.js';

const ids = { name: 'ids', shape: [-1, 2, 3], scale: 16, range: [0, 1] as const, preprocess: { op: 'one_hot' as const, depth: 3, dtype: 'int32' as const, shape: [-1, 2] } };
const x = { name: 'x', shape: [-1, 2], scale: 8, range: [-4, 4] as const };
const ONE = 1n << 16n;

test('one-hot ids and a plain input: words by hand, batch from the free dimension', () => {
  const { encoded, batch } = encodeBindings([ids, x], {
    ids: { shape: [2, 2], data: Float64Array.from([2, 0, 1, 1]) },
    x: { shape: [2, 2], data: Float64Array.from([-1.5, 0.25, 3.99609375, -4]) },
  });
  assert.equal(batch, 2);
  assert.deepEqual(encoded.map((e) => [e.name, e.shape]), [['ids', [2, 2, 3]], ['x', [2, 2]]]);
  assert.deepEqual(Array.from(encoded[0].words), [0n, 0n, ONE, ONE, 0n, 0n, 0n, ONE, 0n, 0n, ONE, 0n]);
  // scale 8: -1.5 → -384 (two's complement), 0.25 → 64, 3.99609375 → 1023, -4 → -1024
  assert.deepEqual(Array.from(encoded[1].words), [2n ** 64n - 384n, 64n, 1023n, 2n ** 64n - 1024n]);
});

test('refusals: out of range, an id outside the table, a wrong shape, a missing and an unknown input', () => {
  const bad = (inputs: Parameters<typeof encodeBindings>[1], code: string, re: RegExp): void => {
    assert.throws(() => encodeBindings([x], inputs), (e: unknown) => e instanceof TfeError && e.code === code && re.test(e.message));
  };
  bad({ x: { shape: [1, 2], data: Float64Array.from([0, 4.5]) } }, 'E_RANGE', /input 'x'\[1\] = 4.5 is outside the range \[-4, 4\]/);
  bad({ x: { shape: [1, 3], data: Float64Array.from([0, 0, 0]) } }, 'E_SHAPE', /has shape \[1,3\] but the model expects \[N,2\]/);
  bad({}, 'E_ARG', /missing input 'x'/);
  bad({ x: { shape: [1, 2], data: Float64Array.from([0, 0]) }, y: { shape: [1], data: Float64Array.from([0]) } }, 'E_ARG', /unknown input 'y'/);
  assert.throws(() => encodeBindings([ids], { ids: { shape: [1, 2], data: Float64Array.from([3, 0]) } }), /input 'ids'\[0\] = 3 is not an id in \[0, 3\)/);
});

test('outputs: a label is a signed integer, values decode at their scale, softmax adds probabilities', () => {
  const label = decodeOutputWords({ name: 'l', scale: 0, postprocess: 'none', kind: 'label' }, [3], BigUint64Array.from([7n, 0n, 2n ** 64n - 1n]));
  assert.deepEqual(Array.from(label.data), [7, 0, -1]);
  const y = decodeOutputWords({ name: 'y', scale: 16, postprocess: 'softmax', kind: 'logits' }, [1, 3], BigUint64Array.from([ONE, 0n, 2n ** 64n - 2n * ONE]));
  assert.deepEqual(Array.from(y.data), [1, 0, -2]);
  const z = Math.exp(1) + 1 + Math.exp(-2);
  assert.ok(y.probabilities);
  [Math.exp(1) / z, 1 / z, Math.exp(-2) / z].forEach((p, i) => assert.ok(Math.abs((y.probabilities?.[i] ?? 0) - p) < 1e-15));
  assert.deepEqual(Array.from(softmaxRows(Float64Array.from([1000, 1000, 0, 0]), 2)), [0.5, 0.5, 0.5, 0.5], 'max-subtracted: no overflow');
});
