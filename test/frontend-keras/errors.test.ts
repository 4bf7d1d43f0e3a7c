/**
 * Bad input gives one-line TfeErrors naming the file and the problem: corrupt or truncated
 * .h5 / .keras copies of the shared models, missing or short tfjs weight shards, weights
 * that do not fit the config, weights-only files, wrong formats, and unsupported layers
 * (all of them reported in one error).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TfeError, type ErrorCode } from '../../src/errors.js';
import { loadKerasH5 } from '../../compiler/frontend/keras-h5.js';
import { loadKeras3 } from '../../compiler/frontend/keras3.js';
import { loadTfjsLayersModel } from '../../compiler/frontend/tfjs-layers.js';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import { readKerasModelFile } from '../../compiler/frontend/keras-detect.js';
import { toTfjsLayersArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { sharedModel } from '../support/paths.js';
import { h5Bytes, keras2Config, makeWeights, memoryFile, tempDir, writeKeras2H5, type ModelSpec } from './fixtures.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

const H5 = sharedModel('tfe_short_dnn_h5', 'short-dnn.h5');
const KERAS = sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras');
const ABALONE = sharedModel('tfjs_examples_abalone_layers');

/** Asserts that `p` rejects with a one-line TfeError of `code` whose message matches every pattern. */
async function rejects(p: Promise<unknown>, code: ErrorCode, ...patterns: (string | RegExp)[]): Promise<TfeError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof TfeError, `expected a TfeError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.ok(!err.message.includes('\n'), `message must be one line: ${err.message}`);
  for (const pat of patterns) {
    if (typeof pat === 'string') assert.ok(err.message.includes(pat), `'${err.message}' should mention '${pat}'`);
    else assert.match(err.message, pat);
  }
  return err;
}

function variant(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

test('.h5: missing file, truncated copy, damaged superblock, not HDF5 at all', async () => {
  await rejects(loadKerasH5(join(dir, 'nope.h5')), 'E_IO', 'nope.h5', 'ENOENT');
  const full = new Uint8Array(readFileSync(H5));
  const truncated = variant('truncated.h5', full.subarray(0, Math.floor(full.length / 2)));
  await rejects(loadKerasH5(truncated), 'E_FORMAT', truncated, /truncated/);
  const damaged = full.slice();
  for (let i = 8; i < 48; i++) damaged[i] = 0xff;
  await rejects(loadKerasH5(variant('damaged.h5', damaged)), 'E_FORMAT', 'damaged.h5', 'cannot open HDF5 file');
  await rejects(loadKerasH5(variant('text.h5', new TextEncoder().encode('hello'))), 'E_FORMAT', 'text.h5', 'not an HDF5 file');
  await rejects(loadKerasH5(dir), 'E_ARG', 'is a directory');
});

test('.h5: a weights-only file (model.save_weights) asks for a full model file', async () => {
  const p = variant('weights-only.h5', await h5Bytes((f) => {
    f.create_attribute('layer_names', ['dense']);
    f.create_attribute('keras_version', '2.9.0');
    const g = f.create_group('dense');
    g.create_attribute('weight_names', ['dense/kernel:0']);
    g.create_group('dense').create_dataset({ name: 'kernel:0', data: new Float32Array(4), shape: [2, 2], dtype: '<f' });
  }));
  const e = await rejects(loadKerasH5(p), 'E_FORMAT', 'weights-only', 'a full model file is needed');
  assert.match(e.hint ?? '', /model\.save/);
  // Keras 3 save_weights writes model.weights.h5 (layers/<name>/vars/...): the one inside the shared .keras.
  const { default: JSZip } = await import('jszip');
  const inner = await (await JSZip.loadAsync(readFileSync(KERAS))).file('model.weights.h5')?.async('uint8array');
  assert.ok(inner !== undefined);
  await rejects(loadKerasH5(variant('model.weights.h5', inner)), 'E_FORMAT', 'model.weights.h5', 'weights-only', 'a full model file is needed');
});

const SMALL: ModelSpec = {
  name: 'small',
  input: { name: 'x', batchShape: [null, 4] },
  outputs: ['out'],
  layers: [
    { name: 'hidden', className: 'Dense', config: { units: 3, activation: 'relu', use_bias: true }, inbound: ['x'], weights: [{ name: 'kernel', shape: [4, 3] }, { name: 'bias', shape: [3] }] },
    { name: 'out', className: 'Dense', config: { units: 2, activation: 'linear', use_bias: true }, inbound: ['hidden'], weights: [{ name: 'kernel', shape: [3, 2] }, { name: 'bias', shape: [2] }] },
  ],
};

test('.h5: a synthetic tf.keras file loads, and weights that do not fit the config are E_FORMAT naming the layer', async () => {
  const ok = join(dir, 'small.h5');
  await writeKeras2H5(ok, keras2Config(SMALL), makeWeights(SMALL));
  const g = await loadKerasH5(ok);
  assert.deepEqual(g.nodes.filter((n) => n.op !== 'Const').map((n) => n.op), ['Placeholder', 'MatMul', 'BiasAdd', 'Relu', 'MatMul', 'BiasAdd']);

  const wrongShape = makeWeights(SMALL);
  const [k, b] = wrongShape.get('out') ?? [];
  wrongShape.set('out', [{ name: 'kernel', data: { dtype: 'float32', shape: [2, 3], values: k.data.values } }, b]);
  const p1 = join(dir, 'wrong-shape.h5');
  await writeKeras2H5(p1, keras2Config(SMALL), wrongShape);
  await rejects(loadKerasH5(p1), 'E_FORMAT', p1, "layer 'out' (Dense)", "weight 'kernel' has shape [2,3] but the config implies [3,2]");

  const missingBias = makeWeights(SMALL);
  missingBias.set('hidden', (missingBias.get('hidden') ?? []).slice(0, 1));
  const p2 = join(dir, 'missing-bias.h5');
  await writeKeras2H5(p2, keras2Config(SMALL), missingBias);
  await rejects(loadKerasH5(p2), 'E_FORMAT', p2, "layer 'hidden' (Dense)", 'holds 1 weights but the config implies 2');

  const noWeights = makeWeights(SMALL);
  noWeights.delete('out');
  const p3 = join(dir, 'no-weights.h5');
  await writeKeras2H5(p3, keras2Config(SMALL), noWeights);
  await rejects(loadKerasH5(p3), 'E_FORMAT', "layer 'out' (Dense)", 'no weights in the file');
});

test('.keras: truncated, corrupted (CRC), not a zip, zip without model.weights.h5', async () => {
  const full = new Uint8Array(readFileSync(KERAS));
  const truncated = variant('truncated.keras', full.subarray(0, full.length - 5000));
  await rejects(loadKeras3(truncated), 'E_FORMAT', truncated, /zip/);
  // Flip bytes in the middle of the (stored or deflated) weights entry: the CRC check must catch it.
  const corrupt = full.slice();
  for (let i = 0; i < 64; i++) corrupt[Math.floor(full.length / 2) + i] ^= 0x5a;
  await rejects(loadKeras3(variant('corrupt.keras', corrupt)), 'E_FORMAT', 'corrupt.keras');
  await rejects(loadKeras3(H5), 'E_FORMAT', 'not a zip archive');
  const { default: JSZip } = await import('jszip');
  const zip = new JSZip();
  zip.file('config.json', '{}');
  const noWeights = variant('no-weights.keras', await zip.generateAsync({ type: 'uint8array' }));
  await rejects(loadKeras3(noWeights), 'E_FORMAT', 'no-weights.keras', 'no model.weights.h5');
});

function abaloneCopy(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  copyFileSync(join(ABALONE, 'model.json'), join(d, 'model.json'));
  copyFileSync(join(ABALONE, 'weights.bin'), join(d, 'weights.bin'));
  return d;
}

test('tfjs layers model: missing shard, short shard, long shard, graph model, invalid JSON', async () => {
  const missing = abaloneCopy('missing-shard');
  rmSync(join(missing, 'weights.bin'));
  await rejects(loadTfjsLayersModel(join(missing, 'model.json')), 'E_IO', join(missing, 'weights.bin'), 'ENOENT');

  const short = abaloneCopy('short-shard');
  writeFileSync(join(short, 'weights.bin'), readFileSync(join(ABALONE, 'weights.bin')).subarray(0, 12000));
  await rejects(loadTfjsLayersModel(join(short, 'model.json')), 'E_FORMAT', 'model.json', "weight data too short: 'dense_Dense3/kernel'");

  const long = abaloneCopy('long-shard');
  writeFileSync(join(long, 'weights.bin'), Buffer.concat([readFileSync(join(ABALONE, 'weights.bin')), Buffer.alloc(8)]));
  await rejects(loadTfjsLayersModel(join(long, 'model.json')), 'E_FORMAT', 'hold 12212 bytes but the manifest describes 12204');

  await rejects(loadTfjsLayersModel(sharedModel('tfjs_e2e_dense_graph_model', 'model.json')), 'E_FORMAT', "format 'graph-model' is not a tfjs layers model");

  const bad = abaloneCopy('bad-json');
  writeFileSync(join(bad, 'model.json'), readFileSync(join(ABALONE, 'model.json'), 'utf8').slice(0, 500));
  await rejects(loadTfjsLayersModel(join(bad, 'model.json')), 'E_FORMAT', 'model.json is not valid JSON');
});

test('tfjs layers model: uint8/uint16-quantized weights are q * scale + min, float16 ones decoded', async () => {
  const d = join(dir, 'quantized');
  mkdirSync(d);
  const json = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'Dense', config: { name: 'd', units: 2, activation: 'linear', use_bias: true, batch_input_shape: [null, 2] } },
          { class_name: 'Dense', config: { name: 'h', units: 2, activation: 'linear', use_bias: false } },
        ],
      },
    },
    weightsManifest: [{
      paths: ['w.bin'],
      weights: [
        { name: 'd/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'd/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.25, min: 1 } },
        { name: 'h/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
      ],
    }],
  };
  json.weightsManifest[0].weights[2].name = 'outer_model/h/kernel'; // a scoped name, as Keras converters may write
  writeFileSync(join(d, 'model.json'), JSON.stringify(json));
  // uint8 [0,1,2,4]; uint16 LE [3, 8]; float16 LE 1.0 (0x3c00), -2.0 (0xc000), 0.5 (0x3800), 2^-24 (0x0001, subnormal).
  writeFileSync(join(d, 'w.bin'), new Uint8Array([0, 1, 2, 4, 3, 0, 8, 0, 0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x01, 0x00]));
  const g = await loadTfjsLayersModel(join(d, 'model.json'));
  const vals = (id: string): number[] => {
    const v = g.nodes.find((n) => n.id === id)?.attrs.value;
    return v !== undefined && typeof v === 'object' && 'values' in v ? Array.from(v.values as Float64Array) : [];
  };
  assert.deepEqual(vals('d/kernel'), [-1, -0.5, 0, 1]);
  assert.deepEqual(vals('d/bias'), [1.75, 3]);
  assert.deepEqual(vals('h/kernel'), [1, -2, 0.5, 2 ** -24]);
});

test('every unsupported layer and argument is reported at once, naming layer and class', () => {
  const spec: ModelSpec = {
    name: 'unsupported',
    input: { name: 'img', batchShape: [null, 8, 8, 3] },
    outputs: ['out'],
    layers: [
      { name: 'cf', className: 'Conv2D', config: { filters: 2, kernel_size: 3, data_format: 'channels_first', activation: 'swish' }, inbound: ['img'], weights: [{ name: 'kernel', shape: [3, 3, 3, 2] }, { name: 'bias', shape: [2] }] },
      { name: 'leaky', className: 'LeakyReLU', config: { alpha: 0.3 }, inbound: ['cf'] },
      { name: 'r3', className: 'ReLU', config: { max_value: 3 }, inbound: ['leaky'] },
      { name: 'gmp', className: 'GlobalMaxPooling2D', config: {}, inbound: ['r3'] },
      { name: 'out', className: 'Dense', config: { units: 2, activation: 'softmax', lora_rank: 4 }, inbound: ['gmp'], weights: [{ name: 'kernel', shape: [2, 2] }, { name: 'bias', shape: [2] }] },
    ],
  };
  let err: unknown;
  try {
    kerasFileToIr(memoryFile(keras2Config(spec), makeWeights(spec)));
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof TfeError && err.code === 'E_UNSUPPORTED', String(err));
  assert.ok(!err.message.includes('\n'));
  for (const part of [
    '6 unsupported Keras features',
    "layer 'cf' (Conv2D): data_format 'channels_first' (only channels_last)",
    "layer 'cf' (Conv2D): activation \"swish\"",
    "layer 'leaky' (LeakyReLU): layer class not supported",
    "layer 'r3' (ReLU): max_value=3 (only none or 6)",
    "layer 'gmp' (GlobalMaxPooling2D): layer class not supported",
    "layer 'out' (Dense): lora_rank=4",
  ]) {
    assert.ok(err.message.includes(part), `'${err.message}' should include '${part}'`);
  }
  assert.match(err.hint ?? '', /supported layers: InputLayer, Dense, Conv2D/);
});

test('a layer consuming the second output of another layer is reported as unsupported', () => {
  const cfg = keras2Config(SMALL) as { config: { layers: { inbound_nodes: unknown[] }[] } };
  cfg.config.layers[2].inbound_nodes = [[['hidden', 0, 1, {}]]];
  assert.throws(
    () => kerasFileToIr(memoryFile(cfg, makeWeights(SMALL))),
    (e: unknown) => e instanceof TfeError && e.code === 'E_UNSUPPORTED' && e.message.includes("layer 'out' (Dense): consumes output 1 of layer 'hidden'"),
  );
});

test('subclassed models, nested models and unknown files are rejected clearly', async () => {
  assert.throws(() => kerasFileToIr(memoryFile({ class_name: 'MyModel', config: {} }, new Map())), (e: unknown) => e instanceof TfeError && e.code === 'E_UNSUPPORTED' && /model class 'MyModel'/.test(e.message));
  const nested = keras2Config(SMALL) as { config: { layers: Record<string, unknown>[] } };
  nested.config.layers[1] = { ...nested.config.layers[1], class_name: 'Sequential' };
  assert.throws(() => kerasFileToIr(memoryFile(nested, makeWeights(SMALL))), (e: unknown) => e instanceof TfeError && e.code === 'E_UNSUPPORTED' && /layer 'hidden' \(Sequential\): a nested model/.test(e.message));
  await rejects(readKerasModelFile(sharedModel('tfe_2lfc', '2lfc.pb')), 'E_FORMAT', 'not a Keras .h5, Keras 3 .keras or tfjs layers model.json');
  await rejects(toTfjsLayersArtifacts(join(dir, 'missing.keras')), 'E_IO', 'missing.keras');
});
