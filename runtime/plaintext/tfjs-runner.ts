/**
 * The tfjs reference runner: executes the original model, as tfjs-converter graph
 * artifacts or tfjs-layers artifacts held in memory, on the tfjs cpu backend (float32),
 * and returns float64 outputs. Used to check the IR interpreter and compiled plans
 * against TensorFlow's own semantics. A graph model may be fed at any node (a cut
 * point such as `Mfcc`), in which case only the nodes after the feeds run.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { TfeError } from '../../src/errors.js';
import type { PlainTensor } from './interpreter.js';

/** In-memory tfjs model artifacts (model.json topology plus weight specs and data). */
export type TfjsArtifacts = tf.io.ModelArtifacts;

let backendReady: Promise<void> | undefined;

/** Selects the cpu backend once (tfjs-node, when a user has it, registers itself before). */
async function ready(): Promise<void> {
  backendReady ??= (async () => {
    // PROD silences tfjs' "install tfjs-node" banner and skips its debug-mode checks.
    tf.env().set('PROD', true);
    if (tf.getBackend() !== 'tensorflow') await tf.setBackend('cpu');
    await tf.ready();
  })();
  return backendReady;
}

/** A float32 tensor, or int32 for an integer model input (ids: tfjs holds int64 as int32). */
function toTensor(t: PlainTensor, dtype: string = 'float32'): tf.Tensor {
  if (dtype === 'int32') return tf.tensor(Int32Array.from(t.data), [...t.shape], 'int32');
  return tf.tensor(Float32Array.from(t.data), [...t.shape], 'float32');
}

async function toPlain(t: tf.Tensor): Promise<PlainTensor> {
  const data = Float64Array.from((await t.data()) as Float32Array | Int32Array | Uint8Array);
  return { shape: [...t.shape], data };
}

/** True when the artifacts hold a tfjs-layers model (a Keras topology) rather than a graph. */
export function isLayersArtifacts(a: TfjsArtifacts): boolean {
  if (a.format === 'layers-model') return true;
  if (a.format === 'graph-model') return false;
  const topo = a.modelTopology as { node?: unknown; class_name?: unknown; model_config?: unknown } | undefined;
  return topo !== undefined && !(topo instanceof ArrayBuffer) && topo.node === undefined;
}

/** A loaded graph model: run it as often as needed, then dispose of it. */
export interface TfjsGraphRunner {
  /** Feeds keyed by tensor name (`x`, `x:0`, or an interior node to start there); outputs default to the model's. */
  run(feeds: Readonly<Record<string, PlainTensor>>, outputs?: readonly string[]): Promise<PlainTensor[]>;
  dispose(): void;
}

/** A loaded layers model: one input per model input, in order. */
export interface TfjsLayersRunner {
  run(inputs: readonly PlainTensor[]): Promise<PlainTensor[]>;
  dispose(): void;
}

/** Loads graph-model artifacts once for repeated runs. */
export async function openTfjsGraph(artifacts: TfjsArtifacts): Promise<TfjsGraphRunner> {
  await ready();
  const model = await loadGraphModel(tf.io.fromMemory(artifacts));
  return {
    async run(feeds, outputs) {
      const inputs: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) inputs[k] = toTensor(v, model.inputs.find((i) => i.name === k || i.name === k.replace(/:0$/, ''))?.dtype);
      try {
        const names = outputs ? [...outputs] : model.outputNodes;
        // execute() is synchronous and enough without control flow; executeAsync() handles the rest.
        let res: tf.Tensor | tf.Tensor[];
        try {
          res = model.execute(inputs, names);
        } catch (e) {
          if (!/executeAsync|control flow|dynamic/i.test((e as Error).message)) throw e;
          res = await model.executeAsync(inputs, names);
        }
        const list = Array.isArray(res) ? res : [res];
        const out = await Promise.all(list.map(toPlain));
        tf.dispose(list);
        return out;
      } catch (e) {
        throw new TfeError('E_UNSUPPORTED', `tfjs could not run the graph model: ${(e as Error).message}`);
      } finally {
        tf.dispose(Object.values(inputs));
      }
    },
    dispose: () => model.dispose(),
  };
}

/** Loads layers-model artifacts once for repeated runs. */
export async function openTfjsLayers(artifacts: TfjsArtifacts): Promise<TfjsLayersRunner> {
  await ready();
  const model = await loadLayersModel(tf.io.fromMemory(artifacts));
  return {
    async run(inputs) {
      const xs = inputs.map((t) => toTensor(t));
      try {
        const res = model.predict(xs.length === 1 ? xs[0] : xs);
        const list = Array.isArray(res) ? res : [res];
        const out = await Promise.all(list.map(toPlain));
        tf.dispose(list);
        return out;
      } finally {
        tf.dispose(xs);
      }
    },
    dispose: () => model.dispose(),
  };
}

/** One-shot: loads graph-model artifacts, runs them once, disposes of them. */
export async function runTfjsGraph(
  artifacts: TfjsArtifacts,
  feeds: Readonly<Record<string, PlainTensor>>,
  outputs?: readonly string[],
): Promise<PlainTensor[]> {
  const m = await openTfjsGraph(artifacts);
  try {
    return await m.run(feeds, outputs);
  } finally {
    m.dispose();
  }
}

/** One-shot: loads layers-model artifacts, runs them once, disposes of them. */
export async function runTfjsLayers(artifacts: TfjsArtifacts, inputs: readonly PlainTensor[]): Promise<PlainTensor[]> {
  const m = await openTfjsLayers(artifacts);
  try {
    return await m.run(inputs);
  } finally {
    m.dispose();
  }
}
