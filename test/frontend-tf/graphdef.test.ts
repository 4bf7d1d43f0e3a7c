/**
 * Frozen GraphDef frontend on the shared models: structure, values from a float64
 * evaluation of the IR against the published results and against tfjs-converter
 * running the original graph (via tf-artifacts), the all-at-once unsupported-op
 * report (arm_kws audio front-end), cutting, and errors on wrong or broken files.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadGraphDef } from '../../compiler/frontend/graphdef.js';
import { toTfjsGraphArtifacts } from '../../compiler/frontend/tf-artifacts.js';
import { readMnist } from '../support/mnist.js';
import { sharedModel } from '../support/paths.js';
import { eval64, type T64 } from './eval64.js';
import { argmaxRows, maxRelDiff, readNpy, runTfjs, tempCopy, tfeError } from './helpers.js';

// float32 models evaluated in float64 vs tfjs float32: products of <= 800 terms of
// magnitude <= ~10 accumulate relative rounding below 1e-5; 1e-4 leaves a margin.
const TOL = 1e-4;

describe('loadGraphDef', () => {
  it('tf2onnx regression: X=5 -> 2.1193342', async () => {
    const g = await loadGraphDef(sharedModel('tf2onnx_regression_graphdef', 'frozen.pb'));
    assert.deepEqual(g.inputs, ['X']);
    assert.deepEqual(g.outputs, ['pred']);
    assert.equal(g.nodes.find((n) => n.id === 'X')?.shape, undefined, 'X has unknown rank');
    const [y] = eval64(g, { X: { shape: [1], data: Float64Array.of(5) } });
    assert.ok(Math.abs(y.data[0] - 2.1193342) < 1e-6, `got ${y.data[0]}`);
  });

  it('accepts the bytes instead of reading the file, and nodes are in topological order', async () => {
    const path = sharedModel('tfe_2lfc', '2lfc.pb');
    const g = await loadGraphDef(path, readFileSync(path));
    const seen = new Set<string>();
    for (const n of g.nodes) {
      for (const i of n.inputs) assert.ok(seen.has(i), `${n.id} reads ${i} before it is defined`);
      seen.add(n.id);
    }
    assert.deepEqual(g.outputs, ['MatMul_2']);
    assert.deepEqual(g.nodes.find((n) => n.id === 'Placeholder')?.shape, [1, 16]);
  });

  it('tfe 2lfc agrees with tfjs-converter on the example input', async () => {
    const path = sharedModel('tfe_2lfc', '2lfc.pb');
    const x = readNpy(sharedModel('tfe_2lfc', '2lfc_input_example.npy'));
    const [ours] = eval64(await loadGraphDef(path), { Placeholder: x });
    const [ref] = await runTfjs((await toTfjsGraphArtifacts(path)).artifacts, { Placeholder: x });
    assert.deepEqual(ours.shape, [1, 2]);
    assert.ok(maxRelDiff(ours, ref) < TOL, `diff ${maxRelDiff(ours, ref)}`);
  });

  for (const [model, file, input] of [
    ['tf2onnx_fc_layers', 'frozen.pb', 'X'],
    ['tfe_mnist_cnn_avgpool', 'mnist_model.pb', 'Placeholder'],
  ] as const) {
    it(`${model}: MNIST logits agree with tfjs-converter and classify the test images`, async () => {
      const path = sharedModel(model, file);
      const g = await loadGraphDef(path);
      assert.deepEqual(g.inputs, [input]);
      assert.deepEqual(g.nodes.find((n) => n.id === input)?.shape, [-1, 784]);
      const m = readMnist(8);
      const x: T64 = { shape: [m.n, 784], data: Float64Array.from(m.images) };
      const [ours] = eval64(g, { [input]: x });
      const [ref] = await runTfjs((await toTfjsGraphArtifacts(path)).artifacts, { [input]: x });
      assert.deepEqual(ours.shape, [m.n, 10]);
      assert.ok(maxRelDiff(ours, ref) < TOL, `diff ${maxRelDiff(ours, ref)}`);
      const pred = argmaxRows(ours);
      assert.ok(pred.filter((p, i) => p === m.labels[i]).length >= m.n - 1, `predictions ${pred} labels ${Array.from(m.labels)}`);
    });
  }

  it('tfe_mnist_cnn_avgpool: conv and pool attributes follow the documented conventions', async () => {
    const g = await loadGraphDef(sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb'));
    const conv = g.nodes.find((n) => n.id === 'conv1/Conv2D');
    assert.deepEqual(conv?.attrs, { strides: [1, 1], dilations: [1, 1], padding: 'VALID' });
    const pool = g.nodes.find((n) => n.id === 'pool1/AvgPool');
    assert.deepEqual(pool?.attrs, { ksize: [2, 2], strides: [2, 2], padding: 'VALID' });
  });

  describe('arm_kws_cnn_s (audio front-end)', () => {
    const path = sharedModel('arm_kws_cnn_s', 'CNN_S.pb');

    it('reports every unsupported op at once, with names and a place to cut', async () => {
      await assert.rejects(loadGraphDef(path), (e: unknown) => {
        tfeError('E_UNSUPPORTED', /CNN_S\.pb/, /node 'decoded_sample_data' \(op DecodeWav\)/,
          /node 'AudioSpectrogram' \(op AudioSpectrogram\)/, /node 'Mfcc' \(op Mfcc\)/, /3 unsupported/)(e);
        // The real shape at the cut, from TF's audio shape rules (no _output_shapes in this file).
        assert.match((e as { hint?: string }).hint ?? '', /--input Mfcc=1x49x10\b/);
        return true;
      });
    });

    it('with allowUnsupported, loads with marker nodes in place of the unsupported ops', async () => {
      const g = await loadGraphDef(path, undefined, { allowUnsupported: true });
      const markers = g.nodes.filter((n) => n.attrs.unsupported_op !== undefined);
      assert.deepEqual(markers.map((n) => [n.id, n.op, n.attrs.unsupported_op]).sort(),
        [['AudioSpectrogram', 'Placeholder', 'AudioSpectrogram'], ['Mfcc', 'Placeholder', 'Mfcc'], ['decoded_sample_data', 'Placeholder', 'DecodeWav']]);
      assert.deepEqual(g.outputs, ['labels_softmax']);
      assert.deepEqual(g.inputs, ['wav_data']);
      assert.equal(g.nodes.find((n) => n.id === 'wav_data')?.dtype, 'string');
      assert.equal(g.nodes.find((n) => n.id === 'bn1/FusedBatchNorm')?.op, 'FusedBatchNorm');
    });

    it('cut at Mfcc: logits and softmax agree with tfjs-converter on the same cut', async () => {
      const cut = { inputs: [{ name: 'Mfcc', shape: [1, 49, 10] }], outputs: ['add_4', 'labels_softmax'] };
      const g = await loadGraphDef(path, undefined, cut);
      assert.deepEqual(g.inputs, ['Mfcc']);
      assert.deepEqual(g.outputs, ['add_4', 'labels_softmax']);
      assert.ok(!g.nodes.some((n) => n.id === 'wav_data' || n.id === 'AudioSpectrogram'));
      const a = await toTfjsGraphArtifacts(path, cut);
      // Deterministic pseudo-MFCC inputs in the range real MFCCs take (about +-50), and a small one.
      for (const scale of [40, 2]) {
        const data = Float64Array.from({ length: 490 }, (_, i) => scale * Math.sin(i * 1.7) * Math.cos(i * 0.31));
        const x: T64 = { shape: [1, 49, 10], data };
        const [logits, soft] = eval64(g, { Mfcc: x });
        const [refLogits, refSoft] = await runTfjs(a.artifacts, { Mfcc: x }, a.outputs.slice());
        assert.deepEqual(soft.shape, [1, 12]);
        assert.ok(Math.abs(soft.data.reduce((p, q) => p + q, 0) - 1) < 1e-9, 'softmax sums to 1');
        assert.ok(maxRelDiff(logits, refLogits) < TOL, `logits diff ${maxRelDiff(logits, refLogits)}`);
        assert.ok(maxRelDiff(soft, refSoft) < TOL, `softmax diff ${maxRelDiff(soft, refSoft)}`);
      }
    });
  });

  describe('errors', () => {
    it('a Keras .h5 file is named as the wrong format', async () => {
      const h5 = sharedModel('tfe_short_dnn_h5', 'short-dnn.h5');
      await assert.rejects(loadGraphDef(h5), tfeError('E_FORMAT', /short-dnn\.h5/, /HDF5/));
    });

    it('a truncated .pb is E_FORMAT naming the file', async () => {
      const path = tempCopy(sharedModel('tf2onnx_fc_layers', 'frozen.pb'), 'frozen.pb');
      const b = readFileSync(path);
      writeFileSync(path, b.subarray(0, Math.floor(b.length / 2)));
      await assert.rejects(loadGraphDef(path), tfeError('E_FORMAT', /frozen\.pb/, /not a valid GraphDef/));
    });

    it('random bytes, an empty file and a missing file', async () => {
      const dir = tempCopy(sharedModel('tf2onnx_regression_graphdef', 'frozen.pb'), 'x.pb').replace(/x\.pb$/, '');
      const junk = join(dir, 'junk.pb');
      writeFileSync(junk, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 197 + 13) & 0xff)));
      await assert.rejects(loadGraphDef(junk), tfeError('E_FORMAT', /junk\.pb/));
      const empty = join(dir, 'empty.pb');
      writeFileSync(empty, Buffer.alloc(0));
      await assert.rejects(loadGraphDef(empty), tfeError('E_FORMAT', /empty\.pb/, /no nodes/));
      await assert.rejects(loadGraphDef(join(dir, 'missing.pb')), tfeError('E_IO', /missing\.pb/, /ENOENT/));
    });

    it('an unknown requested output or input is E_ARG naming it', async () => {
      const path = sharedModel('tf2onnx_regression_graphdef', 'frozen.pb');
      await assert.rejects(loadGraphDef(path, undefined, { outputs: ['nope:0'] }), tfeError('E_ARG', /'nope:0'/));
      await assert.rejects(loadGraphDef(path, undefined, { inputs: [{ name: 'nada' }] }), tfeError('E_ARG', /'nada'/));
    });
  });
});
