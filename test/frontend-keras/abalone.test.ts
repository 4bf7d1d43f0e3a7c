/**
 * tfjs_examples_abalone_layers: the IR (float64 forward pass over the weights the frontend
 * decoded) against tfjs-layers loading the ORIGINAL model.json and weights.bin by itself,
 * and the keras-artifacts conversion against that same original.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type * as tf from '@tensorflow/tfjs-core';
import { loadTfjsLayersModel } from '../../compiler/frontend/tfjs-layers.js';
import { toTfjsLayersArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { sharedModel } from '../support/paths.js';
import { runIr } from './ir-forward.js';
import { loadReference, predict } from './tfjs-reference.js';

/** Deterministic abalone-like feature rows in [0, 1) (xorshift32; the scale of the normalised features). */
function inputs(n: number): Float32Array {
  const out = new Float32Array(n * 8);
  let s = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 32;
  }
  return out;
}

function original(): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(sharedModel('tfjs_examples_abalone_layers', 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bin = readFileSync(sharedModel('tfjs_examples_abalone_layers', 'weights.bin'));
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  };
}

test('abalone: IR forward pass matches tfjs-layers on the original model.json within 1e-4 relative', async () => {
  const n = 256;
  const x = inputs(n);
  const ref = predict(await loadReference(original()), x, [n, 8]);
  const g = await loadTfjsLayersModel(sharedModel('tfjs_examples_abalone_layers', 'model.json'));
  const [y] = runIr(g, { [g.inputs[0]]: { shape: [n, 8], data: Float64Array.from(x) } });
  assert.deepEqual(y.shape, [n, 1]);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y.data[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
  // float32 vs float64 over three 50-wide layers: errors ~1e-6 relative; 1e-4 leaves margin.
  assert.ok(worst < 1e-4, `worst relative difference ${worst}`);
  assert.ok(new Set(Array.from(ref).map((v) => v.toFixed(3))).size > 10, 'the inputs must give varied outputs');
});

test('abalone: keras-artifacts round trip gives the same float32 outputs as the original', async () => {
  const n = 64;
  const x = inputs(n);
  const ref = predict(await loadReference(original()), x, [n, 8]);
  const got = predict(await loadReference(await toTfjsLayersArtifacts(sharedModel('tfjs_examples_abalone_layers', 'model.json'))), x, [n, 8]);
  assert.deepEqual(Array.from(got), Array.from(ref));
});
