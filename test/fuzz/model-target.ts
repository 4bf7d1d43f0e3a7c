/**
 * Fuzz target (b): mutated model files through the compiler (`compile`: format
 * detection, the frontend of each format, the graph and secure pipelines, lowering).
 * Each model is copied once into a temporary folder; a case overwrites one of its files
 * with a mutated copy (byte mutations for every file, and structural JSON mutations for
 * model.json files), compiles, and restores the file. The models, one per format:
 *
 *  - frozen GraphDef: ../shared/models/tfe_mnist_cnn_avgpool/mnist_model.pb (136 KB)
 *  - SavedModel: ../shared/models/tfjs_node_times_three_float/saved_model (saved_model.pb,
 *    variables.index, variables.data-00000-of-00001)
 *  - Keras HDF5: ../shared/models/moonflower_mnist_convnet_h5/mnist_model.h5 (447 KB)
 *  - Keras 3: ../shared/models/moonflower_mnist_convnet_keras3/mnist_model.keras (446 KB)
 *  - TF.js graph model: ../shared/models/tfjs_e2e_dense_graph_model (model.json + shard)
 *  - TF.js layers model: ../shared/models/tfjs_examples_abalone_layers (model.json + weights.bin)
 *  - the project's zoo nets A and D: models/zoo/{A,D} (model.json + weights.bin)
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compile } from '../../compiler/compile.js';
import { zooDir } from '../../models/index.js';
import { sharedModel } from '../support/paths.js';
import { byteMutation, mutateBytes, type ByteMutation, type FuzzTarget } from './harness.js';
import { jsonMutation, mutateJson, stringsOf, type Json, type JsonMutation } from './json-mutation.js';

interface FuzzModel {
  /** Folder to copy. */
  readonly dir: string;
  /** What to compile, relative to the copy. */
  readonly entry: string;
  /** The files a case may mutate, relative to the copy. */
  readonly files: readonly string[];
}

export const FUZZ_MODELS: Readonly<Record<string, FuzzModel>> = {
  graphdef: { dir: sharedModel('tfe_mnist_cnn_avgpool'), entry: 'mnist_model.pb', files: ['mnist_model.pb'] },
  savedmodel: { dir: sharedModel('tfjs_node_times_three_float', 'saved_model'), entry: '.', files: ['saved_model.pb', 'variables/variables.index', 'variables/variables.data-00000-of-00001'] },
  'keras-h5': { dir: sharedModel('moonflower_mnist_convnet_h5'), entry: 'mnist_model.h5', files: ['mnist_model.h5'] },
  keras3: { dir: sharedModel('moonflower_mnist_convnet_keras3'), entry: 'mnist_model.keras', files: ['mnist_model.keras'] },
  'tfjs-graph': { dir: sharedModel('tfjs_e2e_dense_graph_model'), entry: 'model.json', files: ['model.json', 'group1-shard1of1.bin'] },
  'tfjs-layers': { dir: sharedModel('tfjs_examples_abalone_layers'), entry: 'model.json', files: ['model.json', 'weights.bin'] },
  'zoo-A': { dir: zooDir('A'), entry: 'model.json', files: ['model.json', 'weights.bin'] },
  'zoo-D': { dir: zooDir('D'), entry: 'model.json', files: ['model.json', 'weights.bin'] },
};

const NAMES = Object.keys(FUZZ_MODELS);

export type ModelCase =
  | { readonly model: string; readonly file: number; readonly kind: 'bytes'; readonly muts: readonly ByteMutation[] }
  | { readonly model: string; readonly file: number; readonly kind: 'json'; readonly muts: readonly JsonMutation[] };

export const modelCase: fc.Arbitrary<ModelCase> = fc.oneof(
  { arbitrary: fc.record({ model: fc.constantFrom(...NAMES), file: fc.nat(), kind: fc.constant('bytes' as const), muts: fc.array(byteMutation, { minLength: 1, maxLength: 4 }) }), weight: 3 },
  fc.record({ model: fc.constantFrom('tfjs-graph', 'tfjs-layers', 'zoo-A', 'zoo-D'), file: fc.constant(0), kind: fc.constant('json' as const), muts: fc.array(jsonMutation, { minLength: 1, maxLength: 3 }) }),
);

/** Copies every model into one temporary folder (removed by close()). */
export async function modelTarget(): Promise<FuzzTarget<ModelCase>> {
  const root = mkdtempSync(join(tmpdir(), 'tfe-fuzz-models-'));
  const copies = new Map<string, { dir: string; originals: Uint8Array[]; json: Json | undefined; pool: string[] }>();
  for (const [name, m] of Object.entries(FUZZ_MODELS)) {
    const dir = join(root, name);
    cpSync(m.dir, dir, { recursive: true });
    const originals = m.files.map((f) => new Uint8Array(readFileSync(join(dir, f))));
    const json = m.files[0].endsWith('.json') ? (JSON.parse(new TextDecoder().decode(originals[0])) as Json) : undefined;
    copies.set(name, { dir, originals, json, pool: json === undefined ? [] : [...stringsOf(json), '', '../x', 'Dense', 'Conv2D', 'float32', 'int32']});
  }
  return {
    name: 'models',
    arbitrary: modelCase,
    label: (c) => `${c.model}${c.kind === 'json' ? ' (json)' : ''}`,
    async run(c) {
      const m = FUZZ_MODELS[c.model];
      const copy = copies.get(c.model);
      if (!copy) throw new Error(`no model ${c.model}`);
      const i = c.file % m.files.length;
      const path = join(copy.dir, m.files[i]);
      const bytes = c.kind === 'bytes' || copy.json === undefined
        ? mutateBytes(copy.originals[i], c.kind === 'bytes' ? c.muts : [])
        : new TextEncoder().encode(JSON.stringify(mutateJson(copy.json, c.muts, copy.pool)));
      writeFileSync(path, bytes);
      try {
        await compile(join(copy.dir, m.entry));
      } finally {
        writeFileSync(path, copy.originals[i]);
      }
    },
    close: () => rmSync(root, { recursive: true, force: true }),
  };
}
