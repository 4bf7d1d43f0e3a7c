/** Input files: .npy, .json and .png readers, fitting to the plan's input shape, and their errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { TfeError } from '../../src/errors.js';
import type { InputBinding } from '../../src/plan/index.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { parseNpy } from '../../runtime/io/npy.js';
import { sharedModel } from '../support/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'tfe-inputs-'));
const mnistBinding: InputBinding = { name: 'x', tensor: 't', shape: [-1, 28, 28, 1], dtype: 'float32', provider: 'client', scale: 16, range: [0, 1] };
const flatBinding: InputBinding = { ...mnistBinding, shape: [-1, 784] };

function npyBytes(descr: string, shape: number[], payload: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(payload, 10 + header.length);
  return out;
}

test('npy: float32 and float64 round-trip; the shared example input reads as [1, 784]', () => {
  const f32 = new Float32Array([1.5, -2, 3.25, 0]);
  const t = parseNpy(npyBytes('<f4', [2, 2], new Uint8Array(f32.buffer)), 'x.npy');
  assert.deepEqual(t.shape, [2, 2]);
  assert.deepEqual(Array.from(t.data), [1.5, -2, 3.25, 0]);
  const f64 = new Float64Array([Math.PI]);
  assert.equal(parseNpy(npyBytes('<f8', [1], new Uint8Array(f64.buffer)), 'y.npy').data[0], Math.PI);
  const shared = readInputFile(sharedModel('tfe_mnist_cnn_avgpool', 'mnist_input.npy'), [flatBinding]);
  assert.deepEqual(shared.x.shape, [1, 784]);
  assert.ok(Math.max(...shared.x.data) <= 1 && Math.min(...shared.x.data) >= 0);
});

test('npy: bad magic, truncated data, Fortran order and unsupported dtypes are E_FORMAT errors naming the file', () => {
  const isFormat = (re: RegExp) => (e: unknown) => e instanceof TfeError && e.code === 'E_FORMAT' && re.test(e.message);
  assert.throws(() => parseNpy(new Uint8Array(20), 'a.npy'), isFormat(/a\.npy.*magic/));
  assert.throws(() => parseNpy(npyBytes('<f4', [10], new Uint8Array(8)), 'b.npy'), isFormat(/b\.npy.*truncated/));
  const fortran = npyBytes('<f4', [1], new Uint8Array(4));
  const at = Buffer.from(fortran).indexOf('False');
  fortran.set(new TextEncoder().encode('True '), at);
  assert.throws(() => parseNpy(fortran, 'c.npy'), isFormat(/Fortran/));
  assert.throws(() => parseNpy(npyBytes('<c8', [1], new Uint8Array(8)), 'd.npy'), isFormat(/dtype/));
});

test('json: nested arrays fit the model shape (a batch is added); ragged arrays and wrong sizes are errors', () => {
  const img = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => [(r * 28 + c) / 784]));
  const p = join(dir, 'img.json');
  writeFileSync(p, JSON.stringify(img));
  const t = readInputFile(p, [mnistBinding]).x;
  assert.deepEqual(t.shape, [1, 28, 28, 1]);
  assert.equal(t.data[29], 29 / 784);
  const flat = readInputFile(p, [flatBinding]).x;
  assert.deepEqual(flat.shape, [1, 784]);
  writeFileSync(p, JSON.stringify([[1, 2], [3]]));
  assert.throws(() => readInputFile(p, [flatBinding]), /ragged/);
  writeFileSync(p, JSON.stringify([1, 2, 3]));
  assert.throws(() => readInputFile(p, [flatBinding]), (e: unknown) => e instanceof TfeError && e.code === 'E_SHAPE' && /\[N,784\]/.test(e.message));
});

test('png: grayscale pixels / 255 as [1, H, W, 1]; a size mismatch needs --resize; the shared samples read', () => {
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 28 * 28; i++) png.data.set([i % 256, i % 256, i % 256, 255], 4 * i);
  const p = join(dir, 'g.png');
  writeFileSync(p, PNG.sync.write(png));
  const t = readInputFile(p, [mnistBinding]).x;
  assert.deepEqual(t.shape, [1, 28, 28, 1]);
  assert.equal(t.data[100], 100 / 255);
  const small = new PNG({ width: 14, height: 14 });
  small.data.fill(255);
  const q = join(dir, 's.png');
  writeFileSync(q, PNG.sync.write(small));
  assert.throws(() => readInputFile(q, [mnistBinding]), (e: unknown) => e instanceof TfeError && e.code === 'E_SHAPE' && /14x14/.test(e.message) && /--resize/.test(e.hint ?? ''));
  const r = readInputFile(q, [mnistBinding], { resize: true }).x;
  assert.deepEqual(r.shape, [1, 28, 28, 1]);
  assert.ok(r.data.every((v) => Math.abs(v - 1) < 1e-12));
  const sample = readInputFile(sharedModel('moonflower_mnist_convnet_h5', 'sample_8.png'), [mnistBinding], { resize: true }).x;
  assert.deepEqual(sample.shape, [1, 28, 28, 1]);
  writeFileSync(q, 'not a png');
  assert.throws(() => readInputFile(q, [mnistBinding]), (e: unknown) => e instanceof TfeError && e.code === 'E_FORMAT');
  assert.throws(() => readInputFile(join(dir, 'missing.png'), [mnistBinding]), (e: unknown) => e instanceof TfeError && e.code === 'E_IO');
  assert.throws(() => readInputFile(join(dir, 'x.csv'), [mnistBinding]), (e: unknown) => e instanceof TfeError);
});

test('json: an object names the inputs; with one input the key "input" works and other fields are ignored', () => {
  const p = join(dir, 'named.json');
  const row = Array.from({ length: 784 }, (_, i) => i / 784);
  writeFileSync(p, JSON.stringify({ label: 4, index: 8000, input: [row] }));
  assert.deepEqual(readInputFile(p, [flatBinding]).x.shape, [1, 784]);
  writeFileSync(p, JSON.stringify({ x: [row], label: 4 }));
  assert.equal(readInputFile(p, [flatBinding]).x.data[783], 783 / 784);
  writeFileSync(p, JSON.stringify({ y: [row] }));
  assert.throws(() => readInputFile(p, [flatBinding]), (e: unknown) => e instanceof TfeError && /no input 'x'/.test(e.message));
});
