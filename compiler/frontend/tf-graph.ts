/**
 * NodeDef-level graph handling shared by the GraphDef, SavedModel and TF.js
 * frontends, before the conversion to IR: tensor-name parsing (`node`, `node:k`,
 * `^node` control inputs), cutting the graph at fed tensors (each becomes a
 * Placeholder) or constants, choosing the outputs (requested, signature, or the
 * graph's sinks without save/restore/init junk), pruning to what the outputs
 * need, dropping NoOps and control edges, and topological ordering.
 */
import type { DType, TensorData } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { DT, type AttrMsg, type NodeDefMsg, type TensorShapeMsg } from './proto/tf-proto.js';
import { tensorToProto } from './tf-tensor-encode.js';
import { irDType, shapeOf } from './tf-tensor.js';

/** A TF graph as NodeDefs with its chosen inputs and outputs (tensor names `node` or `node:k`). */
export interface TfGraph {
  readonly nodes: readonly NodeDefMsg[];
  /** Fed tensors, in signature order (after `prepareTfGraph`: canonical names, then every other reachable Placeholder). */
  readonly inputs: readonly TfInputSpec[];
  /** Signature keys of `inputs` where known (SavedModel signatures). */
  readonly inputKeys?: readonly (string | undefined)[];
  /** Requested output tensors, in signature order; empty = the graph's sinks. */
  readonly outputs: readonly string[];
  readonly source: { readonly format: string; readonly path: string };
}

/** A tensor to feed: its name and, where known, shape (-1 unknown) and dtype. */
export interface TfInputSpec {
  readonly name: string;
  readonly shape?: readonly number[];
  readonly dtype?: DType;
}

/** How to cut a TF graph before conversion (the CLI's --input / --const / --output). */
export interface TfCutOptions {
  /** Tensors fed by the client; each producer is replaced by a Placeholder (replacing the signature's inputs). */
  readonly inputs?: readonly TfInputSpec[];
  /** Tensors replaced by constants. */
  readonly consts?: readonly { readonly name: string; readonly value: TensorData }[];
  /** Output tensors (replacing the signature's or the sinks). */
  readonly outputs?: readonly string[];
}

export interface TensorRef { readonly node: string; readonly index: number }

/** Parses `node`, `node:k`; returns undefined for a control input `^node`. */
export function parseTensorName(s: string): TensorRef | undefined {
  if (s.startsWith('^')) return undefined;
  const m = /^(.*):(\d+)$/.exec(s);
  return m ? { node: m[1], index: Number(m[2]) } : { node: s, index: 0 };
}

/** Canonical tensor name: `node` for output 0, else `node:k`. */
export function tensorName(r: TensorRef): string {
  return r.index === 0 ? r.node : `${r.node}:${r.index}`;
}

/** Ops that never make a graph output: bookkeeping, saving, restoring, initialising, training. */
const JUNK_SINK_OPS = new Set([
  'NoOp', 'Const', 'Placeholder', 'PlaceholderWithDefault', 'VariableV2', 'Variable', 'VarHandleOp',
  'Assign', 'AssignAdd', 'AssignSub', 'AssignVariableOp', 'AssignAddVariableOp', 'AssignSubVariableOp',
  'SaveV2', 'Save', 'SaveSlices', 'RestoreV2', 'Restore', 'RestoreSlice', 'MergeV2Checkpoints',
  'ShardedFilename', 'StringJoin', 'VarIsInitializedOp', 'IsVariableInitialized', 'ReadVariableOp',
]);

function isJunkSink(n: NodeDefMsg): boolean {
  const op = n.op ?? '';
  const name = n.name ?? '';
  return JUNK_SINK_OPS.has(op) || /^(Resource)?Apply/.test(op) || /(^|\/)(save|init|gradients|report_uninitialized_variables)(_\d+)?(\/|$)/.test(name);
}

/** The sinks of a graph: nodes no node consumes (data or control), except junk. */
export function graphSinks(nodes: readonly NodeDefMsg[]): string[] {
  const consumed = new Set<string>();
  for (const n of nodes) for (const i of n.input ?? []) consumed.add(i.startsWith('^') ? i.slice(1) : (parseTensorName(i) as TensorRef).node);
  return nodes.filter((n) => !consumed.has(n.name ?? '') && !isJunkSink(n)).map((n) => n.name ?? '');
}

function shapeProto(shape: readonly number[] | undefined): TensorShapeMsg {
  return shape === undefined ? { unknownRank: true } : { dim: shape.map((d) => ({ size: String(d) })) };
}

const DT_OF: Record<DType, number> = { float32: DT.FLOAT, float64: DT.DOUBLE, int32: DT.INT32, int64: DT.INT64, bool: DT.BOOL, string: DT.STRING };

/** The DataType a node produces on output 0, from its usual attrs, or undefined. */
export function nodeOutputType(n: NodeDefMsg): number | undefined {
  const a = n.attr ?? {};
  for (const k of ['dtype', 'T', 'DstT', 'out_type', 'output_type', 'Tparams', 'Tidx']) if (a[k]?.type !== undefined) return a[k].type;
  const tout = a.Tout?.list?.type;
  if (tout && tout.length) return tout[0];
  return undefined;
}

/** The `_output_shapes` entry of output `k`, if the exporter recorded it. */
function recordedShape(n: NodeDefMsg, k: number): TensorShapeMsg | undefined {
  return n.attr?._output_shapes?.list?.shape?.[k];
}

/**
 * Applies cuts and output selection, prunes to what the outputs need (stopping at
 * fed tensors), drops NoOps and control edges, and orders the nodes
 * topologically. The result's inputs/outputs are canonical tensor names.
 */
export function prepareTfGraph(g: TfGraph, cut: TfCutOptions = {}): TfGraph {
  const what = g.source.path;
  const byName = new Map<string, NodeDefMsg>();
  for (const n of g.nodes) {
    const name = n.name ?? '';
    if (byName.has(name)) throw new TfeError('E_FORMAT', `${what}: two nodes are named '${name}'`);
    byName.set(name, n);
  }
  const checkTensor = (t: string, role: string): TensorRef => {
    const r = parseTensorName(t);
    if (r === undefined || !byName.has(r.node)) {
      throw new TfeError('E_ARG', `${what}: ${role} '${t}' is not a node of the graph`,
        `node names look like ${[...byName.keys()].slice(0, 3).map((s) => `'${s}'`).join(', ')}`);
    }
    return r;
  };

  const inputSpecs: readonly TfInputSpec[] = cut.inputs ?? g.inputs;
  const inputKeys = cut.inputs ? undefined : g.inputKeys;
  const replaced = new Map<string, NodeDefMsg>(); // tensor name -> new source node
  const inputs: TfInputSpec[] = [];
  for (const spec of inputSpecs) {
    const r = checkTensor(spec.name, 'input');
    const orig = byName.get(r.node) as NodeDefMsg;
    const isPlaceholder = r.index === 0 && (orig.op === 'Placeholder' || orig.op === 'PlaceholderWithDefault');
    const dtype = spec.dtype !== undefined ? DT_OF[spec.dtype] : (isPlaceholder ? orig.attr?.dtype?.type : undefined) ?? nodeOutputType(orig) ?? DT.FLOAT;
    const shape: TensorShapeMsg | undefined = spec.shape !== undefined ? shapeProto(spec.shape)
      : isPlaceholder ? orig.attr?.shape?.shape ?? recordedShape(orig, 0) : recordedShape(orig, r.index);
    const name = tensorName(r);
    const attr: Record<string, AttrMsg> = { dtype: { type: dtype }, shape: { shape: shape ?? { unknownRank: true } } };
    replaced.set(name, { name, op: 'Placeholder', input: [], attr });
    const dims = shape ? shapeOf(shape, `input '${name}'`) : undefined;
    const t = irDType(dtype);
    inputs.push({ name, ...(dims ? { shape: dims } : {}), ...(t ? { dtype: t } : {}) });
  }
  for (const c of cut.consts ?? []) {
    const r = checkTensor(c.name, 'constant');
    const name = tensorName(r);
    replaced.set(name, { name, op: 'Const', input: [], attr: { dtype: { type: DT_OF[c.value.dtype] }, value: { tensor: tensorToProto(c.value) } } });
  }

  const requested = cut.outputs ?? g.outputs;
  const outputs = (requested.length ? requested.map((t) => tensorName(checkTensor(t, 'output'))) : graphSinks(g.nodes));
  if (outputs.length === 0) throw new TfeError('E_FORMAT', `${what}: the graph has no outputs`, 'name them with --output NAME');

  // Data inputs in canonical form; a fed or constant tensor `n:k` is provided by the new node named `n:k`.
  const resolve = (t: string): string => tensorName(parseTensorName(t) as TensorRef);
  const sourceOf = (t: string): string => {
    const name = resolve(t);
    return replaced.has(name) ? name : (parseTensorName(name) as TensorRef).node;
  };

  // Prune: walk back from the outputs over data inputs.
  const keep = new Map<string, NodeDefMsg>();
  const stack = outputs.map((o) => sourceOf(o));
  while (stack.length) {
    const name = stack.pop() as string;
    if (keep.has(name)) continue;
    const node = replaced.get(name) ?? byName.get(name);
    if (node === undefined) throw new TfeError('E_FORMAT', `${what}: input '${name}' refers to no node`);
    const dataInputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    for (const i of dataInputs) {
      if (!byName.has((parseTensorName(i) as TensorRef).node)) {
        throw new TfeError('E_FORMAT', `${what}: node '${name}' (op ${node.op}) reads '${i}', which is not a node of the graph`);
      }
    }
    const clean: NodeDefMsg = { ...node, input: dataInputs.map(resolve) };
    // A PlaceholderWithDefault that is not fed is its default value.
    keep.set(name, clean.op === 'PlaceholderWithDefault' ? { ...clean, op: 'Identity' } : clean);
    for (const i of clean.input ?? []) stack.push(sourceOf(i));
  }
  for (const i of inputs) if (!keep.has(i.name)) keep.set(i.name, replaced.get(i.name) as NodeDefMsg);
  // Placeholders the outputs need that nobody said to feed are inputs too (e.g. a keep_prob).
  for (const n of g.nodes) {
    const name = n.name ?? '';
    if (n.op === 'Placeholder' && keep.get(name)?.op === 'Placeholder' && !replaced.has(name)) {
      const t = n.attr?.dtype?.type;
      const shape = shapeOf(n.attr?.shape?.shape ?? { unknownRank: true }, `node '${name}'`);
      inputs.push({ name, ...(shape ? { shape } : {}), ...(irDType(t) ? { dtype: irDType(t) } : {}) });
    }
  }

  return {
    nodes: topoSort(keep, what, sourceOf),
    inputs,
    ...(inputKeys ? { inputKeys } : {}),
    outputs,
    source: g.source,
  };
}

/** Orders `nodes` so that every producer precedes its consumers; a cycle (TF control flow) is E_UNSUPPORTED. */
function topoSort(nodes: Map<string, NodeDefMsg>, what: string, sourceOf: (t: string) => string): NodeDefMsg[] {
  const order: NodeDefMsg[] = [];
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  for (const root of nodes.keys()) {
    if (state.has(root)) continue;
    const stack: [string, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const node = nodes.get(top[0]) as NodeDefMsg;
      const ins = node.input ?? [];
      if (top[1] < ins.length) {
        const dep = sourceOf(ins[top[1]++]);
        const s = state.get(dep);
        if (s === 1) {
          throw new TfeError('E_UNSUPPORTED', `${what}: the graph has a cycle through node '${dep}' (op ${nodes.get(dep)?.op}); TF control flow (while loops) is not supported`);
        }
        if (s === undefined) { state.set(dep, 1); stack.push([dep, 0]); }
      } else {
        state.set(top[0], 2);
        order.push(node);
        stack.pop();
      }
    }
  }
  return order;
}
