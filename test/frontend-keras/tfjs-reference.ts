/**
 * The tests' independent reference: runs a model's tfjs-layers artifacts (from
 * keras-artifacts.ts, or a model.json read as is) with tfjs-layers on the tfjs cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { TfjsLayersArtifacts } from '../../compiler/frontend/keras-artifacts.js';

let ready: Promise<boolean> | undefined;

export async function loadReference(artifacts: TfjsLayersArtifacts | tf.io.ModelArtifacts): Promise<LayersModel> {
  ready ??= tf.setBackend('cpu');
  await ready;
  return loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
}

function concat(chunks: Float32Array[]): Float32Array {
  const all = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** Runs `model` on `input` (shape [n, ...]) in batches; every output as float32, row-major. */
export function predictAll(model: LayersModel, input: Float32Array, shape: readonly number[], batch = 100): Float32Array[] {
  const n = shape[0];
  const per = input.length / n;
  const chunks: Float32Array[][] = model.outputs.map(() => []);
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const outs = tf.tidy(() => {
      const x = tf.tensor(input.subarray(i * per, (i + m) * per), [m, ...shape.slice(1)]);
      const y = model.predict(x);
      return Array.isArray(y) ? y : [y];
    });
    outs.forEach((o, k) => chunks[k].push(o.dataSync() as Float32Array));
    for (const o of outs) o.dispose();
  }
  return chunks.map(concat);
}

/** The first output of `model` on `input`; see predictAll. */
export function predict(model: LayersModel, input: Float32Array, shape: readonly number[], batch = 100): Float32Array {
  return predictAll(model, input, shape, batch)[0];
}
