/**
 * Model format detection and dispatch: `loadModel(path)` looks at the file or
 * directory (content first, the extension only where the content says nothing, so a
 * misnamed file still loads) and calls that format's frontend:
 * - a directory holding saved_model.pb, or a file named saved_model.pb: SavedModel;
 * - a directory holding model.json, or a JSON file: TF.js model.json, `format`
 *   graph-model or layers-model (else told apart by its topology: a GraphDef has `node`);
 * - HDF5 signature: Keras .h5; zip signature: Keras 3 .keras;
 * - anything else named *.pb: frozen GraphDef (its decoder reports corruption).
 * Otherwise E_FORMAT naming the file and the accepted formats. TensorFlow-family
 * frontends are asked to keep unsupported ops as markers, so that a later `--input`
 * cut can remove them before the pipeline reports the ones that remain.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { IrGraph } from '../../src/ir/node.js';
import { loadGraphDef } from './graphdef.js';
import { loadKeras3 } from './keras3.js';
import { loadKerasH5 } from './keras-h5.js';
import { loadSavedModel } from './savedmodel.js';
import { loadTfjsGraphModel } from './tfjs-graph.js';
import { loadTfjsLayersModel } from './tfjs-layers.js';

export type ModelFormat = 'graphdef' | 'savedmodel' | 'keras-h5' | 'keras3' | 'tfjs-graph' | 'tfjs-layers';

export interface LoadOptions {
  /** SavedModel signature (default serving_default). */
  readonly signature?: string;
}

/** What the formats look like, for error messages. */
export const ACCEPTED_FORMATS =
  'a frozen GraphDef (.pb), a SavedModel directory (with saved_model.pb), a Keras .h5, a Keras 3 .keras, or a TF.js model.json (graph-model or layers-model)';

function head(path: string, n: number): Uint8Array {
  const buf = new Uint8Array(n);
  const fd = openSync(path, 'r');
  try {
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function startsWith(b: Uint8Array, sig: readonly number[]): boolean {
  return sig.every((v, i) => b[i] === v);
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** graph-model or layers-model, from a model.json's `format` field or its topology. */
function tfjsKind(path: string): ModelFormat {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TfeError('E_FORMAT', `${path}: not valid JSON (${(e as Error).message})`, `expected ${ACCEPTED_FORMATS}`);
  }
  const o = (typeof json === 'object' && json !== null ? json : {}) as { format?: unknown; modelTopology?: unknown };
  if (o.format === 'graph-model') return 'tfjs-graph';
  if (o.format === 'layers-model') return 'tfjs-layers';
  const topo = o.modelTopology as { node?: unknown; class_name?: unknown; model_config?: unknown } | undefined;
  if (topo && typeof topo === 'object') {
    if (Array.isArray(topo.node)) return 'tfjs-graph';
    if (topo.class_name !== undefined || topo.model_config !== undefined) return 'tfjs-layers';
  }
  throw new TfeError('E_FORMAT', `${path}: a JSON file that is not a TF.js model.json (no graph-model or layers-model topology)`, `expected ${ACCEPTED_FORMATS}`);
}

/** The format of the model at `path` (and the file to hand its frontend). E_IO if it cannot be read. */
export function detectFormat(path: string): { format: ModelFormat; file: string } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new TfeError('E_IO', `${path}: cannot read the model (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (st.isDirectory()) {
    if (safeIsFile(join(path, 'saved_model.pb'))) return { format: 'savedmodel', file: path };
    if (safeIsFile(join(path, 'model.json'))) return { format: tfjsKind(join(path, 'model.json')), file: join(path, 'model.json') };
    throw new TfeError('E_FORMAT', `${path}: a directory without saved_model.pb or model.json`, `expected ${ACCEPTED_FORMATS}`);
  }
  if (basename(path) === 'saved_model.pb') return { format: 'savedmodel', file: join(path, '..') };
  const b = head(path, 64);
  if (b.length === 0) throw new TfeError('E_FORMAT', `${path}: the file is empty`, `expected ${ACCEPTED_FORMATS}`);
  if (startsWith(b, HDF5_MAGIC)) return { format: 'keras-h5', file: path };
  if (startsWith(b, ZIP_MAGIC)) return { format: 'keras3', file: path };
  const text = new TextDecoder('latin1').decode(b).trimStart();
  if (text.startsWith('{')) return { format: tfjsKind(path), file: path };
  if (extname(path).toLowerCase() === '.pb') return { format: 'graphdef', file: path };
  throw new TfeError('E_FORMAT', `${path}: unrecognised model format`, `expected ${ACCEPTED_FORMATS}`);
}

function safeIsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The frontend of each format (TF-family ones keep unsupported ops as markers for the cut). */
const LOADERS: Readonly<Record<ModelFormat, (file: string, opts: LoadOptions) => Promise<IrGraph>>> = {
  graphdef: (file) => loadGraphDef(file, undefined, { allowUnsupported: true }),
  savedmodel: (file, opts) => loadSavedModel(file, { allowUnsupported: true, ...(opts.signature !== undefined ? { signature: opts.signature } : {}) }),
  'tfjs-graph': (file) => loadTfjsGraphModel(file, { allowUnsupported: true }),
  'tfjs-layers': (file) => loadTfjsLayersModel(file),
  'keras-h5': (file) => loadKerasH5(file),
  keras3: (file) => loadKeras3(file),
};

/** Loads the model at `path` (any accepted format) into IR, as its frontend returns it. */
export async function loadModel(path: string, opts: LoadOptions = {}): Promise<IrGraph> {
  const { format, file } = detectFormat(path);
  if (opts.signature !== undefined && format !== 'savedmodel') {
    throw new TfeError('E_ARG', `--signature applies to SavedModels only; ${path} is a ${format} model`);
  }
  return LOADERS[format](file, opts);
}
