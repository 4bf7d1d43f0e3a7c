/**
 * Converts any Keras-family model file (.h5, .keras, tfjs layers model.json) into the
 * in-memory artifacts `tf.loadLayersModel(tf.io.fromMemory(artifacts))` accepts, so the
 * plaintext runner can execute the ORIGINAL model with tfjs-layers as an independent
 * reference for the compiled one.
 *
 * The topology is the file's config rewritten to the Keras 2 form (keras-topology.ts).
 * Weights are the ones the IR frontend extracts, matched to the config the same way, named
 * `<layer>/<weight>` as tfjs-layers names them (`kernel`, `bias`, `depthwise_kernel`,
 * `gamma`, `beta`, `moving_mean`, `moving_variance`) and stored as float32 little-endian,
 * layer by layer in config order. Only models the IR frontend supports can be converted:
 * an unsupported layer is the same E_UNSUPPORTED error as from the frontend.
 * This module does not import tfjs: the artifact types are declared structurally.
 */
import { kerasFileToIr, type KerasFile } from './keras-config.js';
import { readKerasModelFile } from './keras-detect.js';
import { toKeras2Topology } from './keras-topology.js';
import { matchWeights, type KerasLayerRef, type KerasWeightSpec, type StoredWeight } from './keras-weights.js';

/** One entry of tfjs' weightSpecs (tfjs-core io `WeightsManifestEntry`, float32 only). */
export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32';
}

/** The subset of tfjs-core io `ModelArtifacts` a layers model needs. */
export interface TfjsLayersArtifacts {
  readonly modelTopology: Record<string, unknown>;
  readonly weightSpecs: TfjsWeightSpec[];
  readonly weightData: ArrayBuffer;
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: string;
}

/** Builds tfjs-layers artifacts from a Keras-family file already read. */
export function kerasFileToTfjsArtifacts(f: KerasFile): TfjsLayersArtifacts {
  const fetched = new Map<string, { layer: KerasLayerRef; expected: readonly KerasWeightSpec[]; stored: readonly StoredWeight[] | undefined }>();
  kerasFileToIr({
    ...f,
    weights: {
      file: f.weights.file,
      fetch(layer, expected) {
        const stored = f.weights.fetch(layer, expected);
        if (!fetched.has(layer.name)) fetched.set(layer.name, { layer, expected, stored });
        return stored;
      },
    },
  });
  const specs: TfjsWeightSpec[] = [];
  const chunks: Float32Array[] = [];
  for (const { layer, expected, stored } of fetched.values()) {
    const data = matchWeights(f.weights.file, layer, expected, stored);
    expected.forEach((spec, i) => {
      specs.push({ name: `${layer.name}/${spec.name}`, shape: [...data[i].shape], dtype: 'float32' });
      chunks.push(Float32Array.from(data[i].values as Float64Array));
    });
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return {
    modelTopology: toKeras2Topology(f.config, f.path),
    weightSpecs: specs,
    weightData: all.buffer,
    format: 'layers-model',
    generatedBy: `keras ${f.kerasVersion ?? 'unknown'} (${f.format})`,
    convertedBy: 'tfe keras-artifacts',
  };
}

/** Reads a .h5 / .keras / model.json Keras model and returns tfjs-layers artifacts for it. */
export async function toTfjsLayersArtifacts(path: string): Promise<TfjsLayersArtifacts> {
  return kerasFileToTfjsArtifacts(await readKerasModelFile(path));
}
