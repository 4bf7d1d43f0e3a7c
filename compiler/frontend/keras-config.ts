/**
 * Keras model config -> IR graph, shared by the Keras .h5, Keras 3 .keras and tfjs
 * layers-model frontends. The config is normalised by keras-model.ts, each layer call is
 * converted by its entry in the KERAS_LAYERS registry, and weights come from the format's
 * KerasWeightSource. Every unsupported layer or argument is collected and reported in one
 * E_UNSUPPORTED error; weights that do not fit the config are an E_FORMAT error.
 *
 * Node ids derive from layer names: `<layer>/<Op>` (e.g. `dense_1/MatMul`), weights as
 * `<layer>/kernel`; a shared layer's second call uses the prefix `<layer>_call1`. An
 * InputLayer becomes a Placeholder named after the layer, with batch dimension -1.
 */
import { TfeError } from '../../src/errors.js';
import type { Attrs, IrGraph, IrNode, TensorData } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import type { KTensor, LayerContext } from './keras-layer-context.js';
import { KERAS_LAYERS } from './keras-layers.js';
import { declaredBatchShape, isObject, parseKerasModel, type KerasLayer, type KerasModel, type TensorRef } from './keras-model.js';
import { matchWeights, type KerasWeightSource, type KerasWeightSpec } from './keras-weights.js';

export interface KerasIrSource {
  /** Format name for IrGraph.source (e.g. 'keras-h5'). */
  readonly format: string;
  readonly path: string;
}

/** What a Keras-family file holds once read: its model config and its weights. */
export interface KerasFile extends KerasIrSource {
  readonly format: 'keras-h5' | 'keras3' | 'tfjs-layers';
  /** The model config, JSON-decoded (a `{class_name, config}` object or a tfjs modelTopology). */
  readonly config: unknown;
  /** `keras_version` as the file records it (e.g. '2.9.0', '3.1.1', 'tfjs-layers 1.3.2'). */
  readonly kerasVersion: string | undefined;
  readonly weights: KerasWeightSource;
}

const refKey = (r: TensorRef): string => `${r.layer}:${r.node}:${r.tensor}`;

/** Builds the graph from a parsed model; see kerasConfigToIr. */
export function kerasModelToIr(model: KerasModel, weights: KerasWeightSource, source: KerasIrSource): IrGraph {
  const file = source.path;
  const nodes: IrNode[] = [];
  const ids = new Set<string>();
  const issues: string[] = [];
  const tensors = new Map<string, KTensor>();

  const uniqueId = (base: string): string => {
    let id = base;
    for (let i = 1; ids.has(id); i++) id = `${base}_${i}`;
    ids.add(id);
    return id;
  };
  const describe = (l: KerasLayer): string => `layer '${l.name}' (${l.className})`;

  for (const l of model.nestedModels) issues.push(`${describe(l)}: a nested model (flatten it into one Sequential or Functional model)`);

  // Inputs: one Placeholder per InputLayer.
  for (const l of model.layers.filter((x) => x.className === 'InputLayer')) {
    const raw = declaredBatchShape(l.config);
    if (!Array.isArray(raw) || raw.length < 1 || !raw.slice(1).every((d) => typeof d === 'number' || d === null)) {
      throw new TfeError('E_FORMAT', `${file}: ${describe(l)} has no usable batch shape (${JSON.stringify(raw)})`);
    }
    const shape = raw.map((d, i) => (i === 0 || d === null ? -1 : (d as number)));
    if (shape.slice(1).some((d) => d < 0)) issues.push(`${describe(l)}: unknown non-batch input dimensions [${raw.map((d) => (d === null ? '?' : String(d))).join(',')}] (give the model a fixed input shape)`);
    const dtype = l.config.dtype ?? 'float32';
    if (dtype !== 'float32' && !(isObject(dtype) && (dtype.config as { name?: unknown } | undefined)?.name === 'float32')) {
      issues.push(`${describe(l)}: input dtype ${JSON.stringify(dtype)} (only float32)`);
    }
    for (const key of ['sparse', 'ragged']) if (l.config[key] === true) issues.push(`${describe(l)}: ${key} input`);
    const id = uniqueId(l.name);
    nodes.push({ id, op: 'Placeholder', inputs: [], attrs: { shape }, dtype: 'float32', shape });
    tensors.set(refKey({ layer: l.name, node: 0, tensor: 0 }), { id, shape });
  }

  // Layer calls, in dependency order (configs list layers topologically, except that a
  // shared layer's later call may depend on layers listed after it).
  const pending: { layer: KerasLayer; call: number }[] = [];
  for (const l of model.layers) l.calls.forEach((_, call) => pending.push({ layer: l, call }));
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  for (const r of [...model.outputs, ...pending.flatMap((p) => p.layer.calls[p.call])]) {
    if (!byName.has(r.layer)) throw new TfeError('E_FORMAT', `${file}: the config refers to a layer '${r.layer}' it does not define`);
  }

  while (pending.length > 0) {
    // Layers have one output: a ref to output k > 0 waits for output 0 and is reported below.
    const ready = pending.findIndex((p) => p.layer.calls[p.call].every((r) => tensors.has(refKey({ ...r, tensor: 0 }))));
    if (ready < 0) {
      const p = pending[0];
      throw new TfeError('E_FORMAT', `${file}: ${describe(p.layer)} call ${p.call} consumes tensors no layer produces (${p.layer.calls[p.call].map(refKey).join(', ')})`);
    }
    const { layer, call } = pending.splice(ready, 1)[0];
    const refs = layer.calls[call];
    const inputs = refs.map((r) => {
      const t = tensors.get(refKey({ ...r, tensor: 0 })) as KTensor;
      if (r.tensor === 0) return t;
      issues.push(`${describe(layer)}: consumes output ${r.tensor} of layer '${r.layer}' (multi-output layers are not supported)`);
      return { id: t.id, shape: undefined };
    });
    const converter = KERAS_LAYERS[layer.className];
    const prefix = call === 0 ? layer.name : `${layer.name}_call${call}`;
    let out: KTensor;
    for (const issue of layer.callIssues) issues.push(`${describe(layer)}: ${issue}`);
    const dtype = layer.config.dtype;
    if (isObject(dtype) && typeof dtype.class_name === 'string' && dtype.class_name.includes('Quantized')) {
      issues.push(`${describe(layer)}: quantized dtype policy ${JSON.stringify(dtype.class_name)}`);
    }
    // Keras 3 LoRA and quantized layers carry extra variables and change the computation.
    for (const key of ['lora_rank', 'quantization_config']) {
      const v = layer.config[key];
      if (v !== undefined && v !== null && v !== false) issues.push(`${describe(layer)}: ${key}=${JSON.stringify(v)} (LoRA / quantized layers)`);
    }
    if (converter === undefined) {
      issues.push(`${describe(layer)}: layer class not supported`);
      out = { id: inputs[0]?.id ?? layer.name, shape: undefined };
    } else if (converter.arity === 1 ? inputs.length !== 1 : inputs.length < 2) {
      issues.push(`${describe(layer)}: called on ${inputs.length} tensors (expected ${converter.arity === 1 ? 'one' : 'two or more'})`);
      out = { id: inputs[0]?.id ?? layer.name, shape: undefined };
    } else {
      const ctx: LayerContext = {
        layer,
        cfg: layer.config,
        inputs,
        node(suffix: string, op: Op, ins: readonly string[], attrs: Attrs = {}): string {
          const id = uniqueId(`${prefix}/${suffix}`);
          nodes.push({ id, op, inputs: [...ins], attrs, dtype: 'float32', shape: undefined });
          return id;
        },
        constant(suffix: string, data: TensorData): string {
          const id = uniqueId(`${prefix}/${suffix}`);
          nodes.push({ id, op: 'Const', inputs: [], attrs: { value: data }, dtype: data.dtype, shape: [...data.shape] });
          return id;
        },
        weights(specs: readonly KerasWeightSpec[]): TensorData[] {
          const ref = { name: layer.name, className: layer.className };
          return matchWeights(weights.file, ref, specs, weights.fetch(ref, specs));
        },
        unsupported(what: string): void {
          issues.push(`${describe(layer)}: ${what}`);
        },
      };
      out = converter.convert(ctx);
    }
    tensors.set(refKey({ layer: layer.name, node: call, tensor: 0 }), out);
  }

  const outputs = model.outputs.map((r) => {
    const t = tensors.get(refKey(r));
    if (t === undefined) {
      const l = byName.get(r.layer) as KerasLayer;
      if (r.tensor !== 0) issues.push(`${describe(l)}: output tensor ${r.tensor} (multi-output layers are not supported)`);
      else throw new TfeError('E_FORMAT', `${file}: model output ${refKey(r)} is never computed`);
      return '';
    }
    return t.id;
  });

  if (issues.length > 0) {
    throw new TfeError(
      'E_UNSUPPORTED',
      `${file}: ${issues.length} unsupported Keras feature${issues.length > 1 ? 's' : ''}: ${issues.join('; ')}`,
      `supported layers: InputLayer, ${Object.keys(KERAS_LAYERS).join(', ')}; activations relu, relu6, sigmoid, tanh, softmax, linear; channels_last only`,
    );
  }
  const inputs = model.inputs.map((r) => {
    const t = tensors.get(refKey(r));
    if (t === undefined || byName.get(r.layer)?.className !== 'InputLayer') throw new TfeError('E_FORMAT', `${file}: model input ${refKey(r)} is not an InputLayer`);
    return t.id;
  });
  return { nodes, inputs, outputs, source: { format: source.format, path: source.path } };
}

/**
 * Converts a Keras model config (JSON-decoded; Sequential or Functional, Keras 2, Keras 3
 * or tfjs-layers flavour) and its weights to an IR graph.
 */
export function kerasConfigToIr(config: unknown, weights: KerasWeightSource, source: KerasIrSource): IrGraph {
  return kerasModelToIr(parseKerasModel(config, source.path), weights, source);
}

/** Converts a read Keras-family file to an IR graph. */
export function kerasFileToIr(f: KerasFile): IrGraph {
  return kerasConfigToIr(f.config, f.weights, f);
}
