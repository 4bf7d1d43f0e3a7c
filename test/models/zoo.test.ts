/**
 * The committed model zoo (models/zoo/A–D): every network loads through the project's
 * TF.js layers frontend, survives the graph pipeline with the expected layer structure,
 * shapes and parameter count; the tfjs-layers model read from the committed files
 * classifies its sample correctly and reproduces, on held-out MNIST images 8000..8499,
 * the accuracy its INFO.json records (within 0.5 points); no file reaches 2 MB.
 * Nothing is trained here.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadTfjsLayersModel } from '../../compiler/frontend/tfjs-layers.js';
import { runPipeline } from '../../compiler/pipeline.js';
import { DEFAULT_PASS_OPTIONS } from '../../compiler/passes/pass.js';
import { NETS, ZOO_DIR, zooDir, zooInfoPath, zooModelPath, zooSamplePath, type NetName } from '../../models/index.js';
import { accuracy, loadLayersModelFile, predictClasses } from '../../models/zoo.js';
import type { Mnist } from '../../models/mnist.js';
import { readMnist } from '../support/mnist.js';

interface Info {
  readonly net: string;
  readonly params: number;
  readonly accuracy: { readonly heldOut: { readonly accuracy: number }; readonly testSubset: { readonly images: string; readonly n: number; readonly accuracy: number } };
  readonly sample: { readonly index: number; readonly label: number };
}

interface Sample {
  readonly index: number;
  readonly label: number;
  readonly input: number[][][][];
}

/** The IR ops (constants left out) each network must lower to, in order, with the shapes of interest. */
const EXPECTED: Readonly<Record<NetName, { ops: string[]; shapes: Readonly<Record<string, readonly number[]>>; params: number }>> = {
  A: {
    ops: ['Placeholder', 'Reshape', 'MatMul', 'BiasAdd', 'Relu', 'MatMul', 'BiasAdd', 'Relu', 'MatMul', 'BiasAdd', 'Softmax'],
    shapes: { 'flatten/Reshape': [-1, 784], 'dense1/MatMul': [-1, 128], 'dense2/MatMul': [-1, 128], 'dense3/MatMul': [-1, 10] },
    params: 784 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10,
  },
  B: {
    ops: ['Placeholder', 'Conv2D', 'BiasAdd', 'MaxPool', 'Relu', 'Conv2D', 'BiasAdd', 'MaxPool', 'Relu', 'Reshape', 'MatMul', 'BiasAdd', 'Relu', 'MatMul', 'BiasAdd', 'Softmax'],
    shapes: { 'conv1/Conv2D': [-1, 24, 24, 16], 'pool1/MaxPool': [-1, 12, 12, 16], 'conv2/Conv2D': [-1, 8, 8, 16], 'pool2/MaxPool': [-1, 4, 4, 16], 'dense1/MatMul': [-1, 100], 'dense2/MatMul': [-1, 10] },
    params: 25 * 16 + 16 + 25 * 16 * 16 + 16 + 256 * 100 + 100 + 100 * 10 + 10,
  },
  C: {
    ops: ['Placeholder', 'Conv2D', 'BiasAdd', 'MaxPool', 'Relu', 'Conv2D', 'BiasAdd', 'MaxPool', 'Relu', 'Reshape', 'MatMul', 'BiasAdd', 'Relu', 'MatMul', 'BiasAdd', 'Softmax'],
    shapes: { 'conv1/Conv2D': [-1, 24, 24, 20], 'pool1/MaxPool': [-1, 12, 12, 20], 'conv2/Conv2D': [-1, 8, 8, 50], 'pool2/MaxPool': [-1, 4, 4, 50], 'dense1/MatMul': [-1, 500], 'dense2/MatMul': [-1, 10] },
    params: 25 * 20 + 20 + 25 * 20 * 50 + 50 + 800 * 500 + 500 + 500 * 10 + 10,
  },
  D: {
    ops: ['Placeholder', 'Conv2D', 'BiasAdd', 'Relu', 'Reshape', 'MatMul', 'BiasAdd', 'Relu', 'MatMul', 'BiasAdd', 'Softmax'],
    shapes: { 'conv1/Conv2D': [-1, 14, 14, 5], 'flatten/Reshape': [-1, 980], 'dense1/MatMul': [-1, 100], 'dense2/MatMul': [-1, 10] },
    params: 25 * 5 + 5 + 980 * 100 + 100 + 100 * 10 + 10,
  },
};

const MAX_FILE_BYTES = 2 * 1024 * 1024;

let testImages: Mnist;
before(() => {
  const all = readMnist(8500);
  testImages = { images: all.images.slice(8000 * 784), labels: all.labels.slice(8000), n: all.n - 8000 };
});

for (const net of NETS) {
  describe(`network ${net}`, () => {
    const info = (): Info => JSON.parse(readFileSync(zooInfoPath(net), 'utf8')) as Info;

    test('model files are committed and each is under 2 MB', () => {
      for (const f of ['model.json', 'weights.bin', 'sample.json', 'INFO.json']) {
        const size = statSync(join(zooDir(net), f)).size;
        assert.ok(size > 0 && size < MAX_FILE_BYTES, `${net}/${f} is ${size} bytes`);
      }
      assert.ok(zooModelPath(net).startsWith(ZOO_DIR));
    });

    test('the frontend and pipeline give the expected layers, shapes and parameter count', async () => {
      const g = runPipeline(await loadTfjsLayersModel(zooModelPath(net)), DEFAULT_PASS_OPTIONS);
      const exp = EXPECTED[net];
      assert.deepEqual(
        g.nodes.filter((n) => n.op !== 'Const').map((n) => n.op),
        exp.ops,
      );
      const byId = new Map(g.nodes.map((n) => [n.id, n]));
      for (const [id, shape] of Object.entries(exp.shapes)) assert.deepEqual(byId.get(id)?.shape, shape, `shape of ${id}`);
      const input = byId.get(g.inputs[0]);
      assert.deepEqual(input?.shape, [-1, 28, 28, 1]);
      assert.equal(g.outputs.length, 1);
      assert.equal(byId.get(g.outputs[0])?.op, 'Softmax');
      assert.deepEqual(byId.get(g.outputs[0])?.shape, [-1, 10]);
      for (const n of g.nodes.filter((m) => m.op === 'Conv2D')) {
        const stride = net === 'D' ? 2 : 1;
        assert.deepEqual(n.attrs.strides, [1, stride, stride, 1], `${n.id} strides`);
        assert.equal(n.attrs.padding, net === 'D' ? 'SAME' : 'VALID', `${n.id} padding`);
      }
      for (const n of g.nodes.filter((m) => m.op === 'MaxPool')) {
        assert.deepEqual(n.attrs.ksize, [1, 2, 2, 1], `${n.id} ksize`);
        assert.deepEqual(n.attrs.strides, [1, 2, 2, 1], `${n.id} strides`);
      }
      const params = g.nodes.filter((n) => n.op === 'Const' && n.dtype.startsWith('float')).reduce((a, n) => a + (n.shape ?? []).reduce((p, d) => p * d, 1), 0);
      assert.equal(params, exp.params);
      assert.equal(info().params, exp.params);
    });

    test('tfjs classifies the sample and reproduces the recorded accuracy on images 8000..8499', async () => {
      const model = await loadLayersModelFile(zooModelPath(net));
      try {
        assert.equal(model.countParams(), EXPECTED[net].params);
        const sample = JSON.parse(readFileSync(zooSamplePath(net), 'utf8')) as Sample;
        assert.deepEqual([sample.input.length, sample.input[0].length, sample.input[0][0].length, sample.input[0][0][0].length], [1, 28, 28, 1]);
        const pixels = Float32Array.from(sample.input.flat(3));
        assert.deepEqual(pixels, testImages.images.subarray((sample.index - 8000) * 784, (sample.index - 8000 + 1) * 784), 'sample.json holds MNIST image ' + sample.index);
        assert.equal(sample.label, testImages.labels[sample.index - 8000]);
        const [cls] = await predictClasses(model, { images: pixels, labels: Uint8Array.of(sample.label), n: 1 });
        assert.equal(cls, sample.label);

        const rec = info().accuracy.testSubset;
        assert.equal(rec.images, '8000..8499');
        const acc = await accuracy(model, testImages);
        assert.ok(Math.abs(acc - rec.accuracy) <= 0.005, `accuracy ${acc} vs recorded ${rec.accuracy}`);
        assert.ok(acc >= 0.9 && info().accuracy.heldOut.accuracy >= 0.9, `network ${net} is a sensible classifier`);
      } finally {
        model.dispose();
      }
    });
  });
}
