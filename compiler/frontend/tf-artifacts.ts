/**
 * Turns a TensorFlow model (frozen `.pb`, SavedModel directory, or TF.js graph
 * `model.json`) into the in-memory artifacts TF.js accepts in
 * `loadGraphModel(tf.io.fromMemory(artifacts))`, so the ORIGINAL model can run in
 * tfjs-converter as an independent plaintext reference. The graph is the one
 * the IR frontends see (signature chosen, functions inlined, variables resolved,
 * cut and pruned as asked), but with TF's own ops, not the IR's normalisation.
 *
 * As the TF.js converter does, every Const's value moves into the weights (the
 * node keeps only dtype and shape; the weight has the node's name); float64 is
 * stored as float32 and int64 as int32 (TF.js has neither). Attributes starting
 * with `_` (exporter bookkeeping such as `_output_shapes`) and devices are
 * dropped; op-def defaults that old exporters omit are filled in. A fed tensor `node:k` (k > 0) becomes a Placeholder named `node__k`.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { DType } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { DT, graphDefToJson, type AttrMsg, type NodeDefMsg } from './proto/tf-proto.js';
import { readGraphDef } from './graphdef.js';
import { readSavedModel, type SavedModelOptions } from './savedmodel.js';
import { parseTensorName, prepareTfGraph, type TensorRef, type TfCutOptions, type TfGraph } from './tf-graph.js';
import { tensorFromProto } from './tf-tensor.js';
import { tfjsWeightBytes, tfjsWeightDType, type TfjsWeightDType } from './tf-tensor-encode.js';
import { readTfjsGraphModel } from './tfjs-graph.js';

/** A subset of tfjs-core `io.ModelArtifacts`, structurally compatible with it. */
export interface TfjsModelArtifacts {
  readonly format: 'graph-model';
  readonly generatedBy: string;
  readonly convertedBy: string;
  readonly modelTopology: Record<string, unknown>;
  readonly weightSpecs: { name: string; shape: number[]; dtype: TfjsWeightDType }[];
  readonly weightData: ArrayBuffer;
  /** Signature: keys are the node names of the inputs/outputs; `name` is `node:0`. */
  readonly signature: {
    inputs: Record<string, { name: string; dtype: string; tensorShape?: { dim: { size: string }[] } }>;
    outputs: Record<string, { name: string }>;
  };
}

export interface TfjsGraphArtifacts {
  readonly artifacts: TfjsModelArtifacts;
  /** Graph inputs: node names in the topology (signature order) with shape (-1 unknown) and dtype where known. */
  readonly inputs: readonly { readonly name: string; readonly shape?: readonly number[]; readonly dtype?: DType }[];
  /** Output node names in the topology, in signature order. */
  readonly outputs: readonly string[];
  /** Format the model was read as. */
  readonly format: 'graphdef' | 'savedmodel' | 'tfjs-graph';
}

export type TfArtifactOptions = SavedModelOptions & TfCutOptions;

/** Which TF format `path` holds, by its name and kind. */
export function detectTfFormat(path: string): 'graphdef' | 'savedmodel' | 'tfjs-graph' {
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (existsSync(`${path}/saved_model.pb`) || existsSync(`${path}/saved_model.pbtxt`)) return 'savedmodel';
    if (existsSync(`${path}/model.json`)) return 'tfjs-graph';
    throw new TfeError('E_ARG', `${path}: a directory with neither saved_model.pb nor model.json`);
  }
  if (basename(path) === 'saved_model.pb') return 'savedmodel';
  if (path.endsWith('.json')) return 'tfjs-graph';
  return 'graphdef';
}

/**
 * TF op-def defaults for attrs old exporters omit and tfjs-converter reads
 * without a default of its own (e.g. Conv2D `dilations` before TF 1.5).
 */
const ONES4: AttrMsg = { list: { i: ['1', '1', '1', '1'] } };
const NHWC: AttrMsg = { s: new TextEncoder().encode('NHWC') };
const FALSE: AttrMsg = { b: false };
const ZERO: AttrMsg = { i: '0' };
const CONV_DEFAULTS = { dilations: ONES4, data_format: NHWC };
const OP_DEFAULTS: Readonly<Record<string, Readonly<Record<string, AttrMsg>>>> = {
  Conv2D: CONV_DEFAULTS, DepthwiseConv2dNative: CONV_DEFAULTS, _FusedConv2D: CONV_DEFAULTS, FusedDepthwiseConv2dNative: CONV_DEFAULTS,
  MaxPool: { data_format: NHWC }, AvgPool: { data_format: NHWC }, BiasAdd: { data_format: NHWC },
  FusedBatchNorm: { epsilon: { f: 0.0001 }, data_format: NHWC }, FusedBatchNormV2: { epsilon: { f: 0.0001 }, data_format: NHWC },
  FusedBatchNormV3: { epsilon: { f: 0.0001 }, data_format: NHWC },
  MatMul: { transpose_a: FALSE, transpose_b: FALSE }, _FusedMatMul: { transpose_a: FALSE, transpose_b: FALSE },
  Mean: { keep_dims: FALSE }, Sum: { keep_dims: FALSE }, Prod: { keep_dims: FALSE }, Max: { keep_dims: FALSE }, Min: { keep_dims: FALSE },
  StridedSlice: { begin_mask: ZERO, end_mask: ZERO, ellipsis_mask: ZERO, new_axis_mask: ZERO, shrink_axis_mask: ZERO },
  Squeeze: { squeeze_dims: { list: {} } }, Pack: { axis: ZERO }, Cast: { Truncate: FALSE },
};

const JS_DT: Readonly<Record<TfjsWeightDType, number>> = { float32: DT.FLOAT, int32: DT.INT32, bool: DT.BOOL, string: DT.STRING };

async function readAny(path: string, opts: TfArtifactOptions): Promise<[TfGraph, TfjsGraphArtifacts['format']]> {
  const format = detectTfFormat(path);
  if (format === 'savedmodel') return [await readSavedModel(path, opts), format];
  if (format === 'tfjs-graph') return [await readTfjsGraphModel(path.endsWith('.json') ? path : `${path}/model.json`), format];
  return [await readGraphDef(path), format];
}

/** Reads `path` and builds TF.js graph-model artifacts of the (cut, pruned) graph. */
export async function toTfjsGraphArtifacts(path: string, opts: TfArtifactOptions = {}): Promise<TfjsGraphArtifacts> {
  const [raw, format] = await readAny(path, opts);
  const g = prepareTfGraph(raw, opts);
  const jsName = (n: string): string => n.replace(/:(\d+)$/, '__$1');
  const names = new Set(g.nodes.map((n) => n.name ?? ''));
  const jsTensor = (t: string): string => {
    const r = parseTensorName(t) as TensorRef;
    return r.index > 0 && names.has(t) ? jsName(t) : t;
  };

  const specs: TfjsModelArtifacts['weightSpecs'] = [];
  const chunks: Uint8Array[] = [];
  const nodes = g.nodes.map((n): NodeDefMsg => {
    const attr: Record<string, AttrMsg> = { ...OP_DEFAULTS[n.op ?? ''] };
    for (const [k, v] of Object.entries(n.attr ?? {})) if (!k.startsWith('_')) attr[k] = v;
    const name = jsName(n.name ?? '');
    if (n.op === 'Const' && attr.value?.tensor) {
      const t = tensorFromProto(attr.value.tensor, `${g.source.path}: node '${n.name}'`);
      const dtype = tfjsWeightDType(t);
      specs.push({ name, shape: [...t.shape], dtype });
      chunks.push(tfjsWeightBytes(t, `${g.source.path}: node '${n.name}'`));
      attr.value = { tensor: { dtype: JS_DT[dtype], tensorShape: { dim: t.shape.map((d) => ({ size: String(d) })) } } };
      attr.dtype = { type: JS_DT[dtype] };
    }
    return { name, op: n.op, input: (n.input ?? []).map(jsTensor), attr };
  });
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const weightData = new ArrayBuffer(total);
  let off = 0;
  for (const c of chunks) { new Uint8Array(weightData, off, c.length).set(c); off += c.length; }

  const inputs = g.inputs.map((i) => ({ ...i, name: jsName(i.name) }));
  const outputs = g.outputs.map(jsTensor);
  const signature: TfjsModelArtifacts['signature'] = { inputs: {}, outputs: {} };
  for (const i of inputs) {
    signature.inputs[i.name] = {
      name: `${i.name}:0`,
      dtype: i.dtype === 'int32' || i.dtype === 'int64' ? 'DT_INT32' : i.dtype === 'bool' ? 'DT_BOOL' : i.dtype === 'string' ? 'DT_STRING' : 'DT_FLOAT',
      ...(i.shape ? { tensorShape: { dim: i.shape.map((d) => ({ size: String(d) })) } } : {}),
    };
  }
  for (const o of outputs) signature.outputs[o] = { name: o.includes(':') ? o : `${o}:0` };

  return {
    artifacts: {
      format: 'graph-model',
      generatedBy: `tfe (${format})`,
      convertedBy: 'tfe tf-artifacts',
      modelTopology: graphDefToJson({ node: nodes, versions: { producer: 0 } }),
      weightSpecs: specs,
      weightData,
      signature,
    },
    inputs,
    outputs,
    format,
  };
}
