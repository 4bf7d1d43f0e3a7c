/**
 * Normalises a Keras model config, in any of the flavours the frontends meet, into one
 * functional form: a list of layers, each with the tensors it is called on, and the model's
 * input and output tensors.
 *
 * Flavours (facts from the Keras and tfjs-layers serialisers):
 * - Keras 2 / tf.keras 2.x and tfjs-layers: `{class_name, config}`; Functional layers carry
 *   `inbound_nodes: [[[layer, node_index, tensor_index, kwargs], ...], ...]` (one list per
 *   call) and the model `input_layers` / `output_layers: [[layer, node, tensor], ...]`.
 * - Keras 3: the same plus `module` / `registered_name`; a call is
 *   `{args: [...], kwargs: {...}}` whose tensors are `{class_name: '__keras_tensor__',
 *   config: {keras_history: [layer, node, tensor]}}`, and a single input or output may be
 *   written flat (`["dense", 0, 0]`).
 * - Sequential models (all flavours) list layers in order; the input comes from an
 *   InputLayer, the first layer's `batch_input_shape` / `batch_shape`, or the model's
 *   `build_input_shape`.
 * - tfjs-layers model.json: `modelTopology` is the config, or holds it in `model_config`.
 * - Keras <= 2.2 Sequential: `config` is the bare list of layers.
 * Sequential models become functional ones here (a synthetic InputLayer named
 * `<first layer>_input` when the config has none), so the IR builder handles one form.
 */
import { TfeError } from '../../src/errors.js';

/** One tensor: output `tensor` of call `node` of layer `layer` (Keras' keras_history). */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

export type JsonObject = Record<string, unknown>;

export interface KerasLayer {
  readonly name: string;
  readonly className: string;
  readonly config: JsonObject;
  /** The layer's calls, each with the tensors it consumes (InputLayer: none). */
  readonly calls: readonly (readonly TensorRef[])[];
  /** Problems with a call that make the layer unsupported (e.g. tensors in kwargs). */
  readonly callIssues: readonly string[];
}

export interface KerasModel {
  readonly kind: 'Sequential' | 'Functional';
  readonly name: string;
  readonly layers: readonly KerasLayer[];
  readonly inputs: readonly TensorRef[];
  readonly outputs: readonly TensorRef[];
  /** Layers inside the model that are themselves models (unsupported, reported by name). */
  readonly nestedModels: readonly KerasLayer[];
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(file: string, what: string): TfeError {
  return new TfeError('E_FORMAT', `${file}: malformed Keras model config: ${what}`, 'the model file may be corrupt or from an unknown Keras version');
}

/** Finds the `{class_name, config}` model object in a parsed config or tfjs modelTopology. */
export function unwrapModelConfig(raw: unknown, file: string): JsonObject {
  if (!isObject(raw)) throw bad(file, 'not a JSON object');
  if (isObject(raw.model_config)) return unwrapModelConfig(raw.model_config, file);
  if (typeof raw.class_name !== 'string') throw bad(file, 'no class_name at the top level');
  // Keras <= 2.2 wrote a Sequential config as the bare list of layers.
  if (raw.class_name === 'Sequential' && Array.isArray(raw.config)) return { ...raw, config: { name: 'sequential', layers: raw.config } };
  if (!isObject(raw.config)) throw bad(file, 'no config object at the top level');
  return raw;
}

function parseRef(v: unknown, file: string, where: string): TensorRef {
  if (!Array.isArray(v) || v.length < 3 || typeof v[0] !== 'string' || typeof v[1] !== 'number' || typeof v[2] !== 'number') {
    throw bad(file, `${where}: expected [layer, node_index, tensor_index], got ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  return { layer: v[0], node: v[1], tensor: v[2] };
}

/** input_layers / output_layers: a list of refs, or (Keras 3, one tensor) a single flat ref. */
function parseRefList(v: unknown, file: string, where: string): TensorRef[] {
  if (!Array.isArray(v)) throw bad(file, `${where} missing`);
  if (v.length > 0 && typeof v[0] === 'string') return [parseRef(v, file, where)];
  return v.map((r) => parseRef(r, file, where));
}

function isKerasTensor(v: unknown): v is JsonObject & { config: JsonObject } {
  return isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config);
}

/** Collects the Keras 3 tensors in a call's args, depth first in argument order. */
function collectTensors(v: unknown, file: string, out: TensorRef[]): void {
  if (isKerasTensor(v)) out.push(parseRef(v.config.keras_history, file, 'keras_history'));
  else if (Array.isArray(v)) for (const x of v) collectTensors(x, file, out);
  else if (isObject(v)) for (const x of Object.values(v)) collectTensors(x, file, out);
}

function parseCall(node: unknown, file: string, layer: string, issues: string[]): TensorRef[] {
  if (isObject(node)) {
    // Keras 3: {args, kwargs}.
    const refs: TensorRef[] = [];
    collectTensors(node.args, file, refs);
    const kw: TensorRef[] = [];
    collectTensors(node.kwargs, file, kw);
    if (kw.length > 0) issues.push('tensors passed as keyword arguments (e.g. a mask)');
    return refs;
  }
  if (!Array.isArray(node)) throw bad(file, `layer '${layer}': inbound node is neither a list nor an object`);
  const refs: TensorRef[] = [];
  for (const entry of node) {
    refs.push(parseRef(entry, file, `layer '${layer}' inbound node`));
    if (Array.isArray(entry) && isObject(entry[3]) && Object.keys(entry[3]).length > 0) {
      const kw: TensorRef[] = [];
      collectTensors(entry[3], file, kw);
      if (kw.length > 0) issues.push('tensors passed as keyword arguments (e.g. a mask)');
    }
  }
  return refs;
}

function layerList(cfg: JsonObject, file: string): JsonObject[] {
  const layers = cfg.layers;
  if (!Array.isArray(layers)) throw bad(file, 'config.layers is not a list');
  return layers.map((l, i) => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) throw bad(file, `layer #${i} has no class_name/config`);
    return l;
  });
}

function layerName(l: JsonObject, i: number): string {
  const cfg = l.config as JsonObject;
  if (typeof cfg.name === 'string') return cfg.name;
  if (typeof l.name === 'string') return l.name;
  return `layer_${i}`;
}

/** The batch input shape a layer declares, if any (Keras 2/tfjs and Keras 3 spellings). */
export function declaredBatchShape(cfg: JsonObject): unknown {
  return cfg.batch_input_shape ?? cfg.batch_shape ?? undefined;
}

function sequential(top: JsonObject, file: string): KerasModel {
  const cfg = top.config as JsonObject;
  const raw = layerList(cfg, file);
  const layers: KerasLayer[] = [];
  const nested: KerasLayer[] = [];
  let prev: TensorRef | undefined;
  let input: TensorRef | undefined;
  raw.forEach((l, i) => {
    const name = layerName(l, i);
    const className = l.class_name as string;
    const config = l.config as JsonObject;
    if (className === 'InputLayer') {
      if (prev !== undefined) throw bad(file, `InputLayer '${name}' is not the first layer of the Sequential model`);
      layers.push({ name, className, config, calls: [], callIssues: [] });
      prev = input = { layer: name, node: 0, tensor: 0 };
      return;
    }
    if (prev === undefined) {
      const shape = declaredBatchShape(config) ?? cfg.build_input_shape;
      if (shape === undefined) {
        throw new TfeError('E_FORMAT', `${file}: Sequential model '${String(cfg.name)}' declares no input shape`, 'save the model after building it (give the first layer an input shape)');
      }
      const inName = `${name}_input`;
      layers.push({ name: inName, className: 'InputLayer', config: { name: inName, batch_input_shape: shape, dtype: config.dtype ?? 'float32' }, calls: [], callIssues: [] });
      prev = input = { layer: inName, node: 0, tensor: 0 };
    }
    const layer: KerasLayer = { name, className, config, calls: [[prev]], callIssues: [] };
    layers.push(layer);
    if (MODEL_CLASSES.has(className)) nested.push(layer);
    prev = { layer: name, node: 0, tensor: 0 };
  });
  if (input === undefined || prev === undefined) throw bad(file, 'Sequential model has no layers');
  return { kind: 'Sequential', name: String(cfg.name ?? 'sequential'), layers, inputs: [input], outputs: [prev], nestedModels: nested };
}

function functional(top: JsonObject, file: string): KerasModel {
  const cfg = top.config as JsonObject;
  const layers: KerasLayer[] = [];
  const nested: KerasLayer[] = [];
  layerList(cfg, file).forEach((l, i) => {
    const name = layerName(l, i);
    const className = l.class_name as string;
    const inbound = l.inbound_nodes ?? [];
    if (!Array.isArray(inbound)) throw bad(file, `layer '${name}': inbound_nodes is not a list`);
    const issues: string[] = [];
    const calls = className === 'InputLayer' ? [] : inbound.map((n) => parseCall(n, file, name, issues));
    const layer: KerasLayer = { name, className, config: l.config as JsonObject, calls, callIssues: issues };
    layers.push(layer);
    if (MODEL_CLASSES.has(className)) nested.push(layer);
  });
  const inputs = parseRefList(cfg.input_layers, file, 'input_layers');
  const outputs = parseRefList(cfg.output_layers, file, 'output_layers');
  return { kind: 'Functional', name: String(cfg.name ?? 'model'), layers, inputs, outputs, nestedModels: nested };
}

/** Parses a model config (already JSON-decoded) into the functional form. */
export function parseKerasModel(raw: unknown, file: string): KerasModel {
  const top = unwrapModelConfig(raw, file);
  const cls = top.class_name as string;
  if (cls === 'Sequential') return sequential(top, file);
  if (cls === 'Functional' || cls === 'Model') return functional(top, file);
  throw new TfeError('E_UNSUPPORTED', `${file}: model class '${cls}' is not supported (only Sequential and Functional models)`, 'subclassed models have no config to read; save a Sequential or Functional model');
}
