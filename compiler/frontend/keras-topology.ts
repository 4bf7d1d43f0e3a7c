/**
 * Rewrites a Keras model config (Keras 2, Keras 3 or tfjs flavour) into the Keras 2 JSON
 * form that tfjs-layers 4.x deserialises (`tf.loadLayersModel`), for the plaintext reference.
 *
 * Changes (each one a Keras 3 -> Keras 2 difference, or a key tfjs cannot read):
 * - drop `module`, `registered_name`, `build_config`, `compile_config`, `shared_object_id`;
 * - dtype policy objects (`{class_name: 'DTypePolicy', config: {name}}`) -> the dtype
 *   string (mixed policies -> 'float32': the reference computes in float32);
 * - drop `*_initializer`, `*_regularizer`, `*_constraint` (training-only; the weights are
 *   loaded, and tfjs does not know every Keras 3 initializer);
 * - InputLayer `batch_shape` -> `batch_input_shape`; drop `optional`;
 * - BatchNormalization `axis: [3]` (tf.keras 2) -> `axis: 3` (tfjs takes a number);
 * - Keras 3 `inbound_nodes` `{args, kwargs}` -> `[[[layer, node, tensor, {}], ...]]`;
 * - Keras 3 flat `input_layers` / `output_layers` (one tensor) -> nested lists;
 * - `Functional` model class -> 'Model' (what tfjs-layers 1.x-4.x writes).
 */
import { TfeError } from '../../src/errors.js';
import { isObject, unwrapModelConfig, type JsonObject } from './keras-model.js';

const DROP_KEYS = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id']);

function dtypeName(v: unknown): unknown {
  if (!isObject(v)) return v;
  const name = isObject(v.config) ? v.config.name : undefined;
  return typeof name === 'string' && (name === 'float32' || name === 'int32' || name === 'bool') ? name : 'float32';
}

function historyOf(v: unknown): unknown[] | undefined {
  if (isObject(v) && v.class_name === '__keras_tensor__' && isObject(v.config) && Array.isArray(v.config.keras_history)) return v.config.keras_history;
  return undefined;
}

function collect(v: unknown, out: unknown[][]): void {
  const h = historyOf(v);
  if (h !== undefined) out.push([h[0], h[1], h[2], {}]);
  else if (Array.isArray(v)) for (const x of v) collect(x, out);
}

function inboundNodes(nodes: unknown): unknown {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((n) => {
    if (!isObject(n)) return n;
    const refs: unknown[][] = [];
    collect(n.args, refs);
    return refs;
  });
}

function refList(v: unknown): unknown {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'string' ? [v] : v;
}

function layerConfig(className: string, cfg: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (DROP_KEYS.has(k) || /_(initializer|regularizer|constraint)$/.test(k)) continue;
    if (k === 'dtype') out.dtype = dtypeName(v);
    else if (className === 'InputLayer' && k === 'batch_shape') out.batch_input_shape = v;
    else if (className === 'InputLayer' && k === 'optional') continue;
    else out[k] = v;
  }
  return out;
}

function layer(l: unknown): JsonObject {
  if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config)) throw new TfeError('E_FORMAT', `malformed layer in model config: ${JSON.stringify(l)?.slice(0, 80)}`);
  const out: JsonObject = { class_name: l.class_name, config: layerConfig(l.class_name, l.config) };
  if (typeof l.name === 'string') out.name = l.name;
  if (l.inbound_nodes !== undefined) out.inbound_nodes = inboundNodes(l.inbound_nodes);
  return out;
}

/** The Keras 2 / tfjs-layers form of a model config (`{class_name, config}`). */
export function toKeras2Topology(raw: unknown, file: string): JsonObject {
  const top = unwrapModelConfig(raw, file);
  const cfg = top.config as JsonObject;
  const config: JsonObject = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (DROP_KEYS.has(k)) continue;
    if (k === 'layers') config.layers = Array.isArray(v) ? v.map(layer) : v;
    else if (k === 'input_layers' || k === 'output_layers') config[k] = refList(v);
    else if (k === 'dtype') config.dtype = dtypeName(v);
    else config[k] = v;
  }
  return { class_name: top.class_name === 'Functional' ? 'Model' : top.class_name, config };
}
