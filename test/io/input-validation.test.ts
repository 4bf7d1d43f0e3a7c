/**
 * Input validation (issue 11): an input's shape must be the model's, or the model's
 * without its batch dimension, never reinterpreted by element count; the documented
 * image conveniences (a square image flattened for [N, H*W], a PNG as [1, H, W, C]) stay;
 * empty inputs are E_ARG and NaN / infinite values E_RANGE naming the first bad index,
 * both when a file is read and when the provider encodes the tensor.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { TfeError, type ErrorCode } from '../../src/errors.js';
import type { InputBinding, Plan } from '../../src/plan/index.js';
import { fittedShape } from '../../runtime/io/fit-shape.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { npySet } from '../../runtime/eval/datasets.js';
import { encodeInputs } from '../../runtime/party/prediction-io.js';
import { npy } from '../support/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'tfe-input-validation-'));
const nhwc: InputBinding = { name: 'x', tensor: 't', shape: [-1, 28, 28, 1], dtype: 'float32', provider: 'client', scale: 16, range: [0, 1] };
const flat: InputBinding = { ...nhwc, shape: [-1, 784] };
const nhw: InputBinding = { ...nhwc, shape: [-1, 28, 28] };
const is = (code: ErrorCode, re: RegExp) => (e: unknown) => e instanceof TfeError && e.code === code && re.test(e.message);

function npyFile(name: string, shape: number[], values: number[] | Float32Array): string {
  const p = join(dir, name);
  writeFileSync(p, npy('<f4', shape, Float32Array.from(values)));
  return p;
}

test('fittedShape: exact, batch added, square image flattened, gray channel dropped; nothing else', () => {
  assert.deepEqual(fittedShape([-1, 28, 28, 1], [5, 28, 28, 1]), [5, 28, 28, 1]);
  assert.deepEqual(fittedShape([-1, 28, 28, 1], [28, 28, 1]), [1, 28, 28, 1]);
  assert.deepEqual(fittedShape([-1, 784], [28, 28]), [1, 784]);
  assert.deepEqual(fittedShape([-1, 784], [28, 28, 1]), [1, 784]);
  assert.deepEqual(fittedShape([-1, 784], [3, 28, 28]), [3, 784]);
  assert.deepEqual(fittedShape([-1, 784], [3, 28, 28, 1]), [3, 784]);
  assert.deepEqual(fittedShape([-1, 28, 28], [2, 28, 28, 1]), [2, 28, 28]);
  // reinterpretations the element count would allow are refused
  assert.equal(fittedShape([-1, 28, 28, 1], [28, 28, 3]), undefined);
  assert.equal(fittedShape([-1, 28, 28, 1], [3, 784]), undefined);
  assert.equal(fittedShape([-1, 784], [1568]), undefined);
  assert.equal(fittedShape([-1, 784], [28, 28, 3]), undefined);
  assert.equal(fittedShape([-1, 784], [2, 28, 28, 3]), undefined);
  assert.equal(fittedShape([-1, 6], [2, 3]), undefined);
  assert.equal(fittedShape([-1, 28, 28, 1], [28, 28]), undefined);
  // a fixed batch of 2 does not take one example
  assert.equal(fittedShape([2, 4], [4]), undefined);
});

test('a [28,28,3] .npy for a [N,28,28,1] model is an E_SHAPE error, not three examples', () => {
  const p = npyFile('rgb.npy', [28, 28, 3], new Float32Array(28 * 28 * 3));
  assert.throws(() => readInputFile(p, [nhwc]), is('E_SHAPE', /rgb\.npy.*\[28,28,3\].*\[N,28,28,1\]/));
  const q = npyFile('flat2.npy', [2, 784], new Float32Array(2 * 784));
  assert.throws(() => readInputFile(q, [nhwc]), is('E_SHAPE', /\[2,784\]/));
  const ok = readInputFile(npyFile('one.npy', [28, 28, 1], new Float32Array(784).fill(0.5)), [nhwc]).x;
  assert.deepEqual(ok.shape, [1, 28, 28, 1]);
  const batch = readInputFile(npyFile('batch.npy', [3, 28, 28], new Float32Array(3 * 784)), [flat]).x;
  assert.deepEqual(batch.shape, [3, 784]);
});

test('a grayscale PNG still reads as [1,H,W,1], flattened for [N,784] and squeezed for [N,28,28]', () => {
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 784; i++) png.data.set([i % 256, i % 256, i % 256, 255], 4 * i);
  const p = join(dir, 'img.png');
  writeFileSync(p, PNG.sync.write(png));
  assert.deepEqual(readInputFile(p, [nhwc]).x.shape, [1, 28, 28, 1]);
  const f = readInputFile(p, [flat]).x;
  assert.deepEqual(f.shape, [1, 784]);
  assert.equal(f.data[300], (300 % 256) / 255);
  assert.deepEqual(readInputFile(p, [nhw]).x.shape, [1, 28, 28]);
});

test('empty inputs are E_ARG and non-finite values E_RANGE naming the input and the first bad index', () => {
  assert.throws(() => readInputFile(npyFile('empty.npy', [0, 28, 28, 1], []), [nhwc]), is('E_ARG', /empty\.npy.*'x'.*empty.*batch of 0/));
  assert.throws(() => readInputFile(npyFile('empty2.npy', [0], []), [flat]), is('E_ARG', /'x'.*empty/));
  const v = new Float32Array(784);
  v[17] = NaN;
  v[40] = Infinity;
  assert.throws(() => readInputFile(npyFile('nan.npy', [784], v), [flat]), is('E_RANGE', /nan\.npy.*'x'\[17\] = NaN/));
  v[17] = 0;
  assert.throws(() => readInputFile(npyFile('inf.npy', [784], v), [flat]), is('E_RANGE', /'x'\[40\] = Infinity/));
  v[40] = -Infinity;
  assert.throws(() => readInputFile(npyFile('ninf.npy', [784], v), [flat]), is('E_RANGE', /'x'\[40\] = -Infinity/));
});

test('the encoder refuses a reshaped, empty or non-finite tensor given through the API', () => {
  // encodeInputs reads only the plan's input bindings
  const plan = { inputs: [{ ...nhwc, shape: [-1, 2, 2, 1] }] } as unknown as Plan;
  const t = (shape: number[], data: number[]) => ({ x: { shape, data: Float64Array.from(data) } });
  assert.equal(encodeInputs(plan, t([2, 2, 2, 1], [0, 0.5, 1, 0, 0, 0, 0, 0])).batch, 2);
  assert.throws(() => encodeInputs(plan, t([1, 2, 4], [0, 0, 0, 0, 0, 0, 0, 0])), is('E_SHAPE', /'x'.*\[1,2,4\]/));
  assert.throws(() => encodeInputs(plan, t([2, 2, 1], [0, 0, 0, 0])), is('E_SHAPE', /\[2,2,1\]/));
  assert.throws(() => encodeInputs(plan, t([0, 2, 2, 1], [])), is('E_ARG', /'x'.*empty/));
  assert.throws(() => encodeInputs(plan, t([1, 2, 2, 1], [0, 0, NaN, 0])), is('E_RANGE', /'x'\[2\] = NaN.*not a finite number/));
  assert.throws(() => encodeInputs(plan, t([1, 2, 2, 1], [0, -Infinity, 0, 0])), is('E_RANGE', /'x'\[1\] = -Infinity/));
  assert.throws(() => encodeInputs(plan, t([1, 2, 2, 1], [0, 0, 0])), is('E_SHAPE', /3 values/));
});

test('eval --npy: examples of another shape with the same element count are refused, not regrouped', () => {
  const labels = join(dir, 'labels.npy');
  writeFileSync(labels, npy('<i8', [4], BigInt64Array.of(0n, 1n, 2n, 3n)));
  const rgb = { ...nhwc, shape: [-1, 28, 28, 3] };
  // [4, 28, 84] has the element count of four [28, 28, 3] examples, but not their shape
  const wide = npyFile('wide.npy', [4, 28, 84], new Float32Array(4 * 28 * 84));
  assert.throws(() => npySet(wide, labels, [rgb], 10), is('E_SHAPE', /wide\.npy has shape \[4,28,84\].*\[N,28,28,3\]/));
  const ok = npySet(npyFile('rgb4.npy', [4, 28, 28, 3], new Float32Array(4 * 2352)), labels, [rgb], 10);
  assert.equal(ok.n, 4);
  // square gray images for a [N, 784] model stay accepted
  assert.equal(npySet(npyFile('gray4.npy', [4, 28, 28], new Float32Array(4 * 784)), labels, [flat], 10).n, 4);
});
