/**
 * The demo's preprocessing (runtime/serve/demo/digit.ts `mnistPixels`) against real MNIST
 * digits and the model it feeds. MNIST images are already size-normalised and centred the
 * way `mnistPixels` normalises a drawing, so a digit rendered ×10 on the 280×280 canvas
 * (nearest neighbour, as a drawing of it would be) and preprocessed again should come back
 * close to itself, and model A (models/zoo/A, plaintext tfjs) should classify the
 * re-preprocessed digits about as well as the originals. Images 8000..8499 of the MNIST test
 * set: model A was trained on 0..7999 (models/zoo/A/INFO.json).
 *
 * Measured when this test was written: all 500 come back unchanged (MNIST's longer side is
 * exactly 20 pixels for each, and its centres of mass lie within half a pixel of pixel 14's
 * centre, which is where mnistPixels puts them), so the bound is float rounding (1e-6) and
 * model A's predictions must be identical.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTfjsLayers, type TfjsArtifacts } from '../../runtime/plaintext/tfjs-runner.js';
import { DIGIT_PIXELS, mnistPixels } from '../../runtime/serve/demo/digit.js';
import { MNIST_IMAGES, readMnist } from '../support/mnist.js';
import { REPO_ROOT } from '../support/paths.js';

const FIRST = 8000;
const COUNT = 500;
const UP = 10;

/** A 28×28 image in [0, 1] drawn ×10 on a 280×280 RGBA canvas (white on black, nearest neighbour). */
function upscale(img: Float32Array): Uint8ClampedArray {
  const side = 28 * UP;
  const px = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = Math.round(255 * img[Math.floor(y / UP) * 28 + Math.floor(x / UP)]);
      px.set([v, v, v, 255], 4 * (y * side + x));
    }
  }
  return px;
}

function modelA(): TfjsArtifacts {
  const dir = join(REPO_ROOT, 'models', 'zoo', 'A');
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { weights: TfjsArtifacts['weightSpecs'] }[] };
  const bin = readFileSync(join(dir, 'weights.bin'));
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((m) => m.weights ?? []),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  };
}

function argmaxRows(data: Float64Array, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / cols; r++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (data[r * cols + j] > data[r * cols + best]) best = j;
    out.push(best);
  }
  return out;
}

test('MNIST digits drawn on the canvas come back close to themselves, and model A classifies them as well', { skip: existsSync(MNIST_IMAGES) ? false : `no MNIST test set at ${MNIST_IMAGES}` }, async () => {
  const all = readMnist(FIRST + COUNT);
  const original = all.images.slice(FIRST * DIGIT_PIXELS);
  const labels = all.labels.slice(FIRST);
  const again = new Float32Array(COUNT * DIGIT_PIXELS);
  let absDiff = 0;
  let maxDiff = 0;
  let ink = 0;
  for (let i = 0; i < COUNT; i++) {
    const img = original.subarray(i * DIGIT_PIXELS, (i + 1) * DIGIT_PIXELS);
    const p = mnistPixels(upscale(img), 28 * UP, 28 * UP);
    again.set(p, i * DIGIT_PIXELS);
    for (let j = 0; j < DIGIT_PIXELS; j++) {
      absDiff += Math.abs(p[j] - img[j]);
      maxDiff = Math.max(maxDiff, Math.abs(p[j] - img[j]));
      ink += img[j];
    }
  }
  const model = await openTfjsLayers(modelA());
  try {
    const shape = [COUNT, 28, 28, 1];
    const [a] = await model.run([{ shape, data: Float64Array.from(original) }]);
    const [b] = await model.run([{ shape, data: Float64Array.from(again) }]);
    const pa = argmaxRows(a.data, 10);
    const pb = argmaxRows(b.data, 10);
    const acc = (p: number[]): number => p.filter((c, i) => c === labels[i]).length / COUNT;
    const agree = pa.filter((c, i) => c === pb[i]).length / COUNT;
    const relDiff = absDiff / ink;
    console.log(`mnistPixels on ${COUNT} MNIST digits: relative L1 change ${relDiff.toFixed(3)}, largest pixel change ${maxDiff}, model A accuracy ${acc(pa)} -> ${acc(pb)}, predictions agree ${agree}`);
    assert.ok(maxDiff < 1e-6, `largest pixel change ${maxDiff} (relative L1 change ${relDiff})`);
    assert.deepEqual(pb, pa, `model A's predictions change (accuracy ${acc(pa)} -> ${acc(pb)})`);
    const info = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'zoo', 'A', 'INFO.json'), 'utf8')) as { accuracy: { testSubset: { images: string; accuracy: number } } };
    assert.equal(info.accuracy.testSubset.images, `${FIRST}..${FIRST + COUNT - 1}`);
    assert.equal(acc(pa), info.accuracy.testSubset.accuracy, "model A's accuracy on these digits is INFO.json's");
  } finally {
    model.dispose();
  }
});
