/**
 * Synthetic Keras models for the frontend tests: a compact layer-graph description written
 * out as a Keras 2 (tf.keras) or Keras 3 config, deterministic weights, and writers for
 * real .h5 (Keras 2 layout) and .keras (Keras 3 zip) files made with h5wasm and jszip.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm';
import JSZip from 'jszip';
import type { KerasFile } from '../../compiler/frontend/keras-config.js';
import type { StoredWeight } from '../../compiler/frontend/keras-weights.js';

export interface LayerSpec {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers whose (first) output this layer consumes. */
  inbound: string[];
  /** Weights in Keras order: canonical name and shape. */
  weights?: { name: string; shape: number[]; positive?: boolean }[];
}

export interface ModelSpec {
  name: string;
  input: { name: string; batchShape: (number | null)[] };
  layers: LayerSpec[];
  /** Model outputs (several, to compare intermediate tensors too). */
  outputs: string[];
}

/** Deterministic uniform values in [lo, hi) (xorshift32). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    // Round through float32 so that the files (float32) and the in-memory weights agree exactly.
    out[i] = Math.fround(lo + ((hi - lo) * s) / 2 ** 32);
  }
  return out;
}

/** Deterministic weights for every layer of `spec`, keyed by layer name, in Keras order. */
export function makeWeights(spec: ModelSpec, seed = 1): Map<string, StoredWeight[]> {
  const out = new Map<string, StoredWeight[]>();
  let k = seed;
  for (const l of spec.layers) {
    if (!l.weights) continue;
    out.set(
      l.name,
      l.weights.map((w) => {
        const n = w.shape.reduce((a, b) => a * b, 1);
        return { name: w.name, data: { dtype: 'float32', shape: w.shape, values: uniform(n, 7919 * ++k, w.positive ? 0.5 : -0.5, w.positive ? 1.5 : 0.5) } };
      }),
    );
  }
  return out;
}

export function keras2Config(spec: ModelSpec): Record<string, unknown> {
  const layers: Record<string, unknown>[] = [
    { class_name: 'InputLayer', name: spec.input.name, config: { batch_input_shape: spec.input.batchShape, dtype: 'float32', sparse: false, ragged: false, name: spec.input.name }, inbound_nodes: [] },
  ];
  for (const l of spec.layers) {
    layers.push({
      class_name: l.className,
      name: l.name,
      config: { name: l.name, trainable: true, dtype: 'float32', ...l.config },
      inbound_nodes: [l.inbound.map((i) => [i, 0, 0, {}])],
    });
  }
  return {
    class_name: 'Functional',
    config: { name: spec.name, layers, input_layers: [[spec.input.name, 0, 0]], output_layers: spec.outputs.map((o) => [o, 0, 0]) },
    keras_version: '2.9.0',
    backend: 'tensorflow',
  };
}

function keras3Tensor(layer: string): Record<string, unknown> {
  return { class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [layer, 0, 0] } };
}

export function keras3Config(spec: ModelSpec): Record<string, unknown> {
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const layers: Record<string, unknown>[] = [
    {
      module: 'keras.layers', class_name: 'InputLayer', registered_name: null, name: spec.input.name,
      config: { batch_shape: spec.input.batchShape, dtype: 'float32', sparse: false, name: spec.input.name },
      inbound_nodes: [],
    },
  ];
  for (const l of spec.layers) {
    const args = l.inbound.length === 1 ? [keras3Tensor(l.inbound[0])] : [l.inbound.map(keras3Tensor)];
    layers.push({
      module: 'keras.layers', class_name: l.className, registered_name: null, name: l.name,
      config: { name: l.name, trainable: true, dtype: policy, ...l.config },
      build_config: { input_shape: null },
      inbound_nodes: [{ args, kwargs: l.className === 'Dropout' ? { training: false } : {} }],
    });
  }
  return {
    module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
    config: { name: spec.name, trainable: true, layers, input_layers: [spec.input.name, 0, 0], output_layers: spec.outputs.length === 1 ? [spec.outputs[0], 0, 0] : spec.outputs.map((o) => [o, 0, 0]) },
    build_config: { input_shape: null },
  };
}

/** A KerasFile held in memory (no file), for tests of the config -> IR path. */
export function memoryFile(config: unknown, weights: Map<string, StoredWeight[]>, format: KerasFile['format'] = 'keras-h5'): KerasFile {
  return { format, path: 'memory.h5', config, kerasVersion: 'test', weights: { file: 'memory.h5', fetch: (l) => weights.get(l.name) } };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tfe-keras-test-'));
}

interface H5Fs {
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
}

let vcount = 0;

/** Builds an HDF5 file with h5wasm and returns its bytes. */
export async function h5Bytes(build: (f: InstanceType<typeof h5wasm.File>) => void): Promise<Uint8Array> {
  const m = (await h5wasm.ready) as unknown as { FS: H5Fs };
  const vpath = `/tfe-fixture-${vcount++}.h5`;
  const f = new h5wasm.File(vpath, 'w');
  try {
    build(f);
  } finally {
    f.close();
  }
  const bytes = m.FS.readFile(vpath);
  m.FS.unlink(vpath);
  return bytes;
}

function dataset(g: InstanceType<typeof h5wasm.Group>, name: string, w: StoredWeight): void {
  g.create_dataset({ name, data: Float32Array.from(w.data.values as Float64Array), shape: [...w.data.shape], dtype: '<f' });
}

/** A tf.keras 2.x full-model .h5: model_config + model_weights/<layer>/<layer>/<w>:0. */
export async function writeKeras2H5(path: string, config: unknown, weights: Map<string, StoredWeight[]>): Promise<void> {
  const bytes = await h5Bytes((f) => {
    f.create_attribute('model_config', JSON.stringify(config));
    f.create_attribute('keras_version', '2.9.0');
    f.create_attribute('backend', 'tensorflow');
    const mw = f.create_group('model_weights');
    mw.create_attribute('layer_names', [...weights.keys()]);
    for (const [layer, ws] of weights) {
      const g = mw.create_group(layer);
      g.create_attribute('weight_names', ws.map((w) => `${layer}/${w.name}:0`));
      const inner = g.create_group(layer);
      for (const w of ws) dataset(inner, `${w.name}:0`, w);
    }
  });
  writeFileSync(path, bytes);
}

/** A Keras 3 .keras zip; `paths` maps layer name -> weights path (`layers/<snake>`), as Keras 3 saves them. */
export async function writeKeras3Zip(path: string, config: unknown, weights: Map<string, StoredWeight[]>, paths: Map<string, string>): Promise<void> {
  const h5 = await h5Bytes((f) => {
    f.create_group('layers');
    for (const [layer, ws] of weights) {
      const g = f.create_group(paths.get(layer) as string).create_group('vars');
      ws.forEach((w, i) => dataset(g, String(i), w));
    }
    f.create_group('optimizer').create_group('vars');
  });
  const zip = new JSZip();
  zip.file('metadata.json', JSON.stringify({ keras_version: '3.1.1', date_saved: 'test' }));
  zip.file('config.json', JSON.stringify(config));
  zip.file('model.weights.h5', h5);
  writeFileSync(path, await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
}
