/**
 * TensorFlow SavedModel frontend (saved_model.proto, meta_graph.proto): picks the
 * MetaGraphDef by tags (default `serve`) and a SignatureDef (default
 * `serving_default`), takes inputs/outputs from the signature's TensorInfo names,
 * inlines the function calls the outputs need (TF2), prunes away training, save,
 * restore and ParseExample parts, and replaces variables by constants read from
 * the tensor bundle `variables/variables.{index,data-*}`:
 *
 * - TF1 `VariableV2`/`Variable`: the checkpoint key is the node name;
 * - `VarHandleOp` (resource variables): the key is found through the object
 *   graphs: the call that captures the handle lists, in
 *   SavedObjectGraph.concrete_functions[f].bound_inputs, the saved object of
 *   each captured input (the call's last inputs); its path of child names from
 *   the root leads, in the checkpoint's TrackableObjectGraph
 *   (`_CHECKPOINTABLE_OBJECT_GRAPH`), to the object whose VARIABLE_VALUE
 *   attribute names the checkpoint key (e.g. `a/.ATTRIBUTES/VARIABLE_VALUE`).
 *   Fallbacks: a unique checkpoint attribute whose full_name is the handle's
 *   `shared_name`, then a checkpoint key equal to `shared_name` or the node name.
 *   The handle becomes a Const holding the value and ReadVariableOp an Identity.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { IrGraph } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { DT, decodeTf, type MetaGraphDefMsg, type NodeDefMsg, type SavedObjectGraphMsg, type TrackableObjectGraphMsg } from './proto/tf-proto.js';
import { readModelFile, type TfLoadOptions } from './graphdef.js';
import { inlineFunctions, reachableNodes } from './tf-functions.js';
import { parseTensorName, prepareTfGraph, type TensorRef, type TfGraph, type TfInputSpec } from './tf-graph.js';
import { tfGraphToIr } from './tf-nodes.js';
import { irDType, shapeOf } from './tf-tensor.js';
import { tensorToProto } from './tf-tensor-encode.js';
import { openTensorBundle, type TensorBundle } from './tensor-bundle.js';

export interface SavedModelOptions {
  /** Signature key (default `serving_default`). */
  readonly signature?: string;
  /** Comma-separated MetaGraphDef tags (default `serve`). */
  readonly tags?: string;
}

const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';
const TF1_VARIABLE_OPS = new Set(['VariableV2', 'Variable']);

/** The SavedModel directory for a directory or a path to its saved_model.pb. */
function savedModelDir(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) return path;
  if (basename(path) === 'saved_model.pb') return dirname(path);
  throw new TfeError('E_ARG', `${path}: not a SavedModel directory`, 'pass the directory that holds saved_model.pb and variables/');
}

function chooseMetaGraph(metas: readonly MetaGraphDefMsg[], tags: string, pbPath: string): MetaGraphDefMsg {
  const want = tags.split(',').map((t) => t.trim()).filter(Boolean);
  const found = metas.find((m) => want.every((t) => (m.metaInfoDef?.tags ?? []).includes(t)));
  if (found === undefined) {
    const have = metas.map((m) => `[${(m.metaInfoDef?.tags ?? []).join(',')}]`).join(', ') || 'none';
    throw new TfeError('E_ARG', `${pbPath}: no MetaGraphDef with tags [${want.join(',')}] (available: ${have})`, 'choose one with --tags');
  }
  return found;
}

/**
 * Reads a SavedModel into an unprepared TfGraph: signature inputs/outputs set,
 * needed calls inlined and variables resolved to constants.
 */
export async function readSavedModel(path: string, opts: SavedModelOptions = {}): Promise<TfGraph> {
  const dir = savedModelDir(path);
  const pbPath = join(dir, 'saved_model.pb');
  if (!existsSync(pbPath) && existsSync(join(dir, 'saved_model.pbtxt'))) {
    throw new TfeError('E_UNSUPPORTED', `${dir}: text-format SavedModels (saved_model.pbtxt) are not supported`, 'save the model in binary form');
  }
  const sm = decodeTf('SavedModel', await readModelFile(pbPath, 'SavedModel'), pbPath);
  const metas = sm.metaGraphs ?? [];
  if (metas.length === 0 || metas.every((m) => m.graphDef === undefined)) {
    throw new TfeError('E_FORMAT', `${pbPath}: not a SavedModel (no MetaGraphDef with a graph)`, 'the file is truncated, corrupt or of another format');
  }
  const meta = chooseMetaGraph(metas, opts.tags ?? 'serve', pbPath);
  const sigName = opts.signature ?? 'serving_default';
  const sigs = meta.signatureDef ?? {};
  const sig = sigs[sigName];
  if (sig === undefined) {
    const have = Object.keys(sigs).filter((k) => !k.startsWith('__')).sort();
    throw new TfeError('E_ARG', `${pbPath}: no signature '${sigName}' (available: ${have.join(', ') || 'none'})`, 'choose one with --signature');
  }
  const inKeys = Object.keys(sig.inputs ?? {}).sort();
  const outKeys = Object.keys(sig.outputs ?? {}).sort();
  const inputs: TfInputSpec[] = inKeys.map((k) => {
    const info = (sig.inputs ?? {})[k];
    if (!info.name) throw new TfeError('E_UNSUPPORTED', `${pbPath}: signature '${sigName}' input '${k}' is not a dense tensor`);
    const shape = shapeOf(info.tensorShape, `${pbPath}: signature input '${k}'`);
    const dtype = irDType(info.dtype);
    return { name: info.name, ...(shape ? { shape } : {}), ...(dtype ? { dtype } : {}) };
  });
  const outputs = outKeys.map((k) => {
    const name = (sig.outputs ?? {})[k].name;
    if (!name) throw new TfeError('E_UNSUPPORTED', `${pbPath}: signature '${sigName}' output '${k}' is not a dense tensor`);
    return name;
  });

  const graph = meta.graphDef ?? {};
  const raw: TfGraph = { nodes: graph.node ?? [], inputs, inputKeys: inKeys, outputs, source: { format: 'savedmodel', path: dir } };
  const handleObjects = capturedObjects(raw.nodes, meta.objectGraphDef);
  const inlined = inlineFunctions(raw, graph.library?.function ?? []);

  // Resolve the variables the outputs need.
  const stops = new Set(inputs.map((i) => (parseTensorName(i.name) as TensorRef).node));
  const reach = reachableNodes(inlined.nodes, inlined.outputs, stops);
  const needed = inlined.nodes.filter((n) => reach.has(n.name ?? '') && (TF1_VARIABLE_OPS.has(n.op ?? '') || n.op === 'VarHandleOp'));
  if (needed.length === 0) return inlined;
  const prefix = join(dir, 'variables', 'variables');
  const bundle = openTensorBundle(prefix);
  const keyOf = variableKeys(needed, handleObjects, meta.objectGraphDef, bundle);
  const values = new Map(needed.map((n) => [n.name ?? '', n]));
  const nodes = inlined.nodes.map((n): NodeDefMsg => {
    const name = n.name ?? '';
    if (values.has(name)) {
      const key = keyOf.get(name);
      if (key === undefined) {
        throw new TfeError('E_FORMAT', `${prefix}.index: no checkpoint value found for variable node '${name}' (op ${n.op})`,
          `the checkpoint holds: ${bundle.keys().filter((k) => k !== OBJECT_GRAPH_KEY).slice(0, 8).join(', ')}`);
      }
      const value = bundle.read(key);
      return { name, op: 'Const', input: [], attr: { dtype: { type: tensorToProto(value).dtype ?? DT.FLOAT }, value: { tensor: tensorToProto(value) } } };
    }
    if (n.op === 'ReadVariableOp') return { ...n, op: 'Identity', attr: { T: n.attr?.dtype ?? { type: DT.FLOAT } } };
    return n;
  });
  return { ...inlined, nodes };
}

/** VarHandleOp name -> SavedObjectGraph node id, from the calls that capture handles (bound_inputs). */
function capturedObjects(nodes: readonly NodeDefMsg[], og: SavedObjectGraphMsg | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (og === undefined) return out;
  const byName = new Map(nodes.map((n) => [n.name ?? '', n]));
  for (const n of nodes) {
    const f = n.attr?.f?.func?.name;
    const bound = f === undefined ? undefined : og.concreteFunctions?.[f]?.boundInputs;
    if (bound === undefined || bound.length === 0) continue;
    const data = (n.input ?? []).filter((i) => !i.startsWith('^'));
    const captured = data.slice(data.length - bound.length);
    captured.forEach((t, i) => {
      const src = (parseTensorName(t) as TensorRef).node;
      if (byName.get(src)?.op === 'VarHandleOp') out.set(src, bound[i]);
    });
  }
  return out;
}

/** Root-to-node child-name paths of an object graph (breadth first, first path wins). */
function objectPaths(nodes: readonly { children?: { nodeId?: number; localName?: string }[] }[]): Map<number, string[]> {
  const paths = new Map<number, string[]>([[0, []]]);
  const queue = [0];
  while (queue.length) {
    const id = queue.shift() as number;
    for (const c of nodes[id]?.children ?? []) {
      const child = c.nodeId ?? 0;
      if (!paths.has(child)) {
        paths.set(child, [...(paths.get(id) as string[]), c.localName ?? '']);
        queue.push(child);
      }
    }
  }
  return paths;
}

function checkpointVariableKey(ckpt: TrackableObjectGraphMsg, path: readonly string[]): string | undefined {
  let id = 0;
  for (const name of path) {
    const next = ckpt.nodes?.[id]?.children?.find((c) => c.localName === name);
    if (next === undefined) return undefined;
    id = next.nodeId ?? 0;
  }
  return ckpt.nodes?.[id]?.attributes?.find((a) => a.name === 'VARIABLE_VALUE')?.checkpointKey;
}

/** Checkpoint key of each variable node (see the file comment for the rules). */
function variableKeys(vars: readonly NodeDefMsg[], handleObjects: ReadonlyMap<string, number>,
  og: SavedObjectGraphMsg | undefined, bundle: TensorBundle): Map<string, string> {
  const keys = new Map<string, string>();
  let ckpt: TrackableObjectGraphMsg | undefined;
  if (bundle.has(OBJECT_GRAPH_KEY)) {
    ckpt = decodeTf('TrackableObjectGraph', bundle.readStringBytes(OBJECT_GRAPH_KEY)[0] ?? new Uint8Array(0), `${bundle.prefix}.index (${OBJECT_GRAPH_KEY})`);
  }
  const savedPaths = og ? objectPaths(og.nodes ?? []) : new Map<number, string[]>();
  const byFullName = new Map<string, string[]>();
  for (const node of ckpt?.nodes ?? []) {
    for (const a of node.attributes ?? []) {
      if (a.name === 'VARIABLE_VALUE' && a.fullName && a.checkpointKey) byFullName.set(a.fullName, [...(byFullName.get(a.fullName) ?? []), a.checkpointKey]);
    }
  }
  const utf8 = new TextDecoder('utf-8');
  for (const v of vars) {
    const name = v.name ?? '';
    if (TF1_VARIABLE_OPS.has(v.op ?? '')) {
      if (bundle.has(name)) keys.set(name, name);
      continue;
    }
    const obj = handleObjects.get(name);
    const path = obj === undefined ? undefined : savedPaths.get(obj);
    const viaGraph = path && ckpt ? checkpointVariableKey(ckpt, path) : undefined;
    if (viaGraph !== undefined && bundle.has(viaGraph)) { keys.set(name, viaGraph); continue; }
    const shared = v.attr?.shared_name?.s ? utf8.decode(v.attr.shared_name.s) : name;
    const byName = byFullName.get(shared);
    if (byName?.length === 1 && bundle.has(byName[0])) { keys.set(name, byName[0]); continue; }
    for (const k of [shared, name]) if (!keys.has(name) && bundle.has(k)) keys.set(name, k);
  }
  return keys;
}

/** Loads a SavedModel directory into IR (see readSavedModel; cut options as in tf-graph.ts). */
export async function loadSavedModel(dir: string, opts: SavedModelOptions & TfLoadOptions = {}): Promise<IrGraph> {
  return tfGraphToIr(prepareTfGraph(await readSavedModel(dir, opts), opts), opts);
}
