/**
 * TF.js graph-model frontend (`model.json` with `format: "graph-model"`): the
 * `modelTopology` is a GraphDef in the protobuf JSON mapping; `weightsManifest`
 * lists groups of shard files (concatenated in order per group) and the weights
 * stored in them, in order: name, shape, dtype (float32, int32, bool: 1 byte,
 * string: per element a 4-byte little-endian length then the bytes) and an
 * optional `quantization` {dtype uint8 | uint16 | float16, scale, min} (value =
 * q * scale + min; float16 as IEEE half). Each weight becomes the value of the
 * Const node of the same name; the same NodeDef conversion as for GraphDefs follows.
 * Inputs/outputs come from the `signature` (or `userDefinedMetadata.signature`)
 * when present, else the Placeholders and sinks.
 */
import { dirname, join } from 'node:path';
import type { IrGraph, TensorData } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { DT, graphDefFromJson, type NodeDefMsg } from './proto/tf-proto.js';
import { readModelFile, type TfLoadOptions } from './graphdef.js';
import { inlineFunctions } from './tf-functions.js';
import { prepareTfGraph, type TfGraph, type TfInputSpec } from './tf-graph.js';
import { tfGraphToIr } from './tf-nodes.js';
import { shardPath } from './shard-path.js';
import { tensorToProto } from './tf-tensor-encode.js';
import { valuesFromBytes } from './tf-tensor.js';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface ModelJson {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  signature?: unknown;
  userDefinedMetadata?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkManifest(m: unknown, path: string): ModelJson['weightsManifest'] {
  if (m === undefined) return [];
  const bad = (why: string): TfeError => new TfeError('E_FORMAT', `${path}: bad weightsManifest (${why})`);
  if (!Array.isArray(m)) throw bad('not an array');
  for (const g of m) {
    if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) throw bad('a group without paths or weights');
    if (!g.paths.every((p) => typeof p === 'string')) throw bad('a shard path is not a string');
    for (const w of g.weights) {
      if (!isObject(w) || typeof w.name !== 'string' || typeof w.dtype !== 'string' || !Array.isArray(w.shape)
        || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`weight ${isObject(w) ? String(w.name) : '?'} has no name, dtype or shape`);
    }
  }
  return m as ModelJson['weightsManifest'];
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
const DT_OF: Readonly<Record<string, number>> = { float32: DT.FLOAT, int32: DT.INT32, bool: DT.BOOL, uint8: DT.UINT8, uint16: DT.UINT16, float16: DT.HALF };

/** Decodes one weight at `data[pos..]`; returns it and the bytes consumed. */
function decodeWeight(w: WeightSpec, data: Uint8Array, pos: number, what: string): [TensorData, number] {
  const count = w.shape.reduce((a, b) => a * b, 1);
  const fail = (): TfeError => new TfeError('E_FORMAT', `${what}: the weight shards end inside weight '${w.name}'`, 'a shard file is truncated or missing');
  if (w.dtype === 'string') {
    const dec = new TextDecoder('utf-8');
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const values: string[] = [];
    let p = pos;
    for (let i = 0; i < count; i++) {
      if (p + 4 > data.length) throw fail();
      const n = view.getUint32(p, true);
      if (p + 4 + n > data.length) throw fail();
      values.push(dec.decode(data.subarray(p + 4, p + 4 + n)));
      p += 4 + n;
    }
    return [{ dtype: 'string', shape: w.shape, values }, p - pos];
  }
  const stored = w.quantization?.dtype ?? w.dtype;
  const width = BYTES[stored];
  if (width === undefined) throw new TfeError('E_UNSUPPORTED', `${what}: weight '${w.name}' has unsupported dtype ${stored}`);
  const size = width * count;
  if (pos + size > data.length) throw fail();
  const raw = valuesFromBytes(DT_OF[stored], data.subarray(pos, pos + size), count, `${what}: weight '${w.name}'`);
  const q = w.quantization;
  if (q === undefined || q.dtype === 'float16') {
    const dtype = w.dtype === 'int32' ? 'int32' : w.dtype === 'bool' ? 'bool' : 'float32';
    return [{ dtype, shape: w.shape, values: dtype === 'float32' ? Float64Array.from(raw as ArrayLike<number>) : raw }, size];
  }
  const scale = q.scale ?? 1;
  const min = q.min ?? 0;
  const deq = Float64Array.from(raw as Int32Array, (v) => v * scale + min);
  if ((q.original_dtype ?? w.dtype) === 'int32') return [{ dtype: 'int32', shape: w.shape, values: Int32Array.from(deq, Math.round) }, size];
  // Dequantised values are float32 in TF.js.
  return [{ dtype: 'float32', shape: w.shape, values: Float64Array.from(Float32Array.from(deq)) }, size];
}

/**
 * The inputs or outputs of the model's `signature` (untrusted JSON): each entry an object
 * with an optional string `name` and `dtype` and an optional `tensorShape` whose `dim`
 * list holds sizes (integers >= -1, as numbers or decimal strings); else E_FORMAT.
 */
function signatureSpecs(entries: unknown, path: string, what: string): { names: string[]; specs: TfInputSpec[] } {
  const bad = (key: string, why: string): TfeError => new TfeError('E_FORMAT', `${path}: signature ${what} '${key}' ${why}`);
  if (entries !== undefined && !isObject(entries)) throw new TfeError('E_FORMAT', `${path}: signature ${what} is not an object`);
  const names: string[] = [];
  const specs: TfInputSpec[] = [];
  for (const [key, e] of Object.entries(entries ?? {})) {
    if (!isObject(e)) throw bad(key, 'is not an object');
    if (e.name !== undefined && typeof e.name !== 'string') throw bad(key, 'has a name that is not a string');
    const name = (e.name as string | undefined) ?? key;
    names.push(name);
    const shape = e.tensorShape as unknown;
    if (shape !== undefined && !isObject(shape)) throw bad(key, 'has a tensorShape that is not an object');
    let dims: number[] | undefined;
    if (shape && !shape.unknownRank) {
      const dim = shape.dim ?? [];
      if (!Array.isArray(dim)) throw bad(key, 'has a tensorShape.dim that is not a list');
      dims = dim.map((d: unknown) => {
        const size = isObject(d) ? Number(d.size ?? '0') : NaN;
        if (!Number.isSafeInteger(size) || size < -1) throw bad(key, `has a dimension ${JSON.stringify(d)} that is not a size`);
        return size;
      });
    }
    specs.push({ name, ...(dims ? { shape: dims } : {}), ...(e.dtype === 'DT_INT32' ? { dtype: 'int32' as const } : e.dtype === 'DT_FLOAT' ? { dtype: 'float32' as const } : {}) });
  }
  return { names, specs };
}

/** Reads a TF.js graph model into an unprepared TfGraph whose Const nodes hold the weights. */
export async function readTfjsGraphModel(modelJsonPath: string): Promise<TfGraph> {
  const text = new TextDecoder('utf-8').decode(await readModelFile(modelJsonPath, 'TF.js model.json'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TfeError('E_FORMAT', `${modelJsonPath}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'a TF.js graph model is a model.json next to its .bin shards');
  }
  if (!isObject(json)) throw new TfeError('E_FORMAT', `${modelJsonPath}: not a TF.js model.json (not an object)`);
  const model = json as ModelJson;
  if (model.format === 'layers-model' || (isObject(model.modelTopology) && 'model_config' in model.modelTopology)) {
    throw new TfeError('E_FORMAT', `${modelJsonPath}: this is a TF.js layers model, not a graph model`, 'load it with the tfjs-layers frontend');
  }
  if (model.format !== undefined && model.format !== 'graph-model') {
    throw new TfeError('E_FORMAT', `${modelJsonPath}: format '${model.format}' is not 'graph-model'`);
  }
  const graph = graphDefFromJson(model.modelTopology, modelJsonPath);
  const manifest = checkManifest(model.weightsManifest, modelJsonPath) ?? [];

  const weights = new Map<string, TensorData>();
  const dir = dirname(modelJsonPath);
  for (const group of manifest) {
    const parts = await Promise.all(group.paths.map((p) => readModelFile(shardPath(dir, p, modelJsonPath), 'TF.js weight shard')));
    const data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of parts) { data.set(p, off); off += p.length; }
    let pos = 0;
    const where = `${join(dir, group.paths[0] ?? '')}${group.paths.length > 1 ? ` (+${group.paths.length - 1} shards)` : ''}`;
    for (const w of group.weights) {
      const [t, used] = decodeWeight(w, data, pos, where);
      weights.set(w.name, t);
      pos += used;
    }
    if (pos !== data.length) {
      throw new TfeError('E_FORMAT', `${where}: the shards hold ${data.length} bytes, the manifest describes ${pos}`, 'the shards do not match model.json');
    }
  }

  const nodes = (graph.node ?? []).map((n): NodeDefMsg => {
    if (n.op !== 'Const') return n;
    const w = weights.get(n.name ?? '');
    const t = n.attr?.value?.tensor;
    const hasInline = t !== undefined && (t.tensorContent?.length || t.floatVal?.length || t.intVal?.length || t.boolVal?.length
      || t.stringVal?.length || t.int64Val?.length || t.doubleVal?.length || t.halfVal?.length);
    if (w === undefined) {
      if (hasInline) return n;
      throw new TfeError('E_FORMAT', `${modelJsonPath}: Const node '${n.name}' has no weight in weightsManifest`);
    }
    return { ...n, attr: { ...n.attr, value: { tensor: tensorToProto(w) } } };
  });

  const meta: unknown = model.userDefinedMetadata;
  const sig: unknown = model.signature ?? (isObject(meta) ? meta.signature : undefined);
  if (sig !== undefined && !isObject(sig)) throw new TfeError('E_FORMAT', `${modelJsonPath}: signature is not an object`);
  const ins = signatureSpecs(sig?.inputs, modelJsonPath, 'input');
  const outs = signatureSpecs(sig?.outputs, modelJsonPath, 'output');
  const raw: TfGraph = { nodes, inputs: ins.specs, outputs: outs.names, source: { format: 'tfjs-graph', path: modelJsonPath } };
  return (graph.library?.function ?? []).length > 0 ? inlineFunctions(raw, graph.library?.function ?? []) : raw;
}

/** Loads a TF.js graph model (`model.json` + shards) into IR. */
export async function loadTfjsGraphModel(modelJsonPath: string, opts: TfLoadOptions = {}): Promise<IrGraph> {
  return tfGraphToIr(prepareTfGraph(await readTfjsGraphModel(modelJsonPath), opts), opts);
}
