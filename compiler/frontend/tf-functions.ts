/**
 * Inlining of TF function calls (function.proto FunctionDefLibrary) into the
 * calling graph: `StatefulPartitionedCall`, `PartitionedCall` (function in attr
 * `f`) and direct calls whose op is a library function name. Only calls the
 * outputs need are expanded, repeatedly, so nested calls (TF2 signature
 * wrappers) flatten; save/restore functions are never touched.
 *
 * Inside a FunctionDef, node inputs are `arg` (a signature input arg), `node`
 * (output 0), or `node:output_arg:index`; outputs are mapped through `ret`
 * (output_arg name -> tensor). A call `N` expands into nodes `N/<body name>`;
 * its output 0 becomes an Identity named `N` (so names in signatures stay valid)
 * and its output k > 0 references are rewritten to the body tensor.
 */
import { TfeError } from '../../src/errors.js';
import type { AttrMsg, FunctionDefMsg, NodeDefMsg } from './proto/tf-proto.js';
import { graphSinks, parseTensorName, tensorName, type TensorRef, type TfGraph } from './tf-graph.js';

/** Output arg names of multi-output ops that appear inside functions (op_def order; each arg one tensor). */
const OUTPUT_ARGS: Readonly<Record<string, readonly string[]>> = {
  FusedBatchNorm: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV2: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2'],
  FusedBatchNormV3: ['y', 'batch_mean', 'batch_variance', 'reserve_space_1', 'reserve_space_2', 'reserve_space_3'],
  DecodeWav: ['audio', 'sample_rate'],
  TopKV2: ['values', 'indices'],
  Unique: ['y', 'idx'],
};

const CALL_OPS = new Set(['StatefulPartitionedCall', 'PartitionedCall']);

/** Guards against recursive functions. */
const MAX_DEPTH = 64;

/** Data inputs reachable backwards from `outputs`, without crossing `stops` (fed tensors' nodes). */
export function reachableNodes(nodes: readonly NodeDefMsg[], outputs: readonly string[], stops: ReadonlySet<string> = new Set()): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name ?? '', n]));
  const seen = new Set<string>();
  const stack = outputs.map((o) => (parseTensorName(o) as TensorRef).node);
  while (stack.length) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    if (stops.has(name)) continue;
    for (const i of byName.get(name)?.input ?? []) {
      const r = parseTensorName(i);
      if (r !== undefined) stack.push(r.node);
    }
  }
  return seen;
}

/**
 * Expands the calls that `g.outputs` (or, if none, the graph's sinks) need.
 * Fed input nodes stop the search. Returns a graph with the same inputs/outputs
 * (outputs rewritten where they named a call's output k > 0).
 */
export function inlineFunctions(g: TfGraph, library: readonly FunctionDefMsg[]): TfGraph {
  const what = g.source.path;
  const lib = new Map(library.map((f) => [f.signature?.name ?? '', f]));
  const stops = new Set(g.inputs.map((i) => (parseTensorName(i.name) as TensorRef).node));
  let nodes = [...g.nodes];
  let outputs = g.outputs.length ? [...g.outputs] : graphSinks(nodes);
  for (let depth = 0; ; depth++) {
    const reach = reachableNodes(nodes, outputs, stops);
    const calls = nodes.filter((n) => reach.has(n.name ?? '') && calleeName(n, lib) !== undefined);
    if (calls.length === 0) break;
    if (depth >= MAX_DEPTH) {
      throw new TfeError('E_UNSUPPORTED', `${what}: function calls nest deeper than ${MAX_DEPTH} (recursive function '${calleeName(calls[0], lib)}'?)`);
    }
    const rename = new Map<string, string>();
    const expanded = new Set<string>();
    const added: NodeDefMsg[] = [];
    for (const call of calls) {
      const fname = calleeName(call, lib) as string;
      const f = lib.get(fname);
      if (f === undefined) {
        throw new TfeError('E_FORMAT', `${what}: node '${call.name}' (op ${call.op}) calls function '${fname}', which is not in the function library`);
      }
      added.push(...expandCall(call, f, lib, rename, what));
      expanded.add(call.name ?? '');
    }
    const renameInput = (i: string): string => {
      const r = parseTensorName(i);
      if (r === undefined) return i;
      return rename.get(tensorName(r)) ?? i;
    };
    nodes = [...nodes.filter((n) => !expanded.has(n.name ?? '')), ...added]
      .map((n) => ({ ...n, input: (n.input ?? []).map(renameInput) }));
    outputs = outputs.map(renameInput);
  }
  return { ...g, nodes, outputs: g.outputs.length ? outputs : [] };
}

function calleeName(n: NodeDefMsg, lib: ReadonlyMap<string, FunctionDefMsg>): string | undefined {
  if (CALL_OPS.has(n.op ?? '')) return n.attr?.f?.func?.name ?? '';
  return lib.has(n.op ?? '') ? n.op : undefined;
}

/** The body of `f` as nodes of the outer graph; records `call:k` -> body tensor renames in `rename`. */
function expandCall(call: NodeDefMsg, f: FunctionDefMsg, lib: ReadonlyMap<string, FunctionDefMsg>,
  rename: Map<string, string>, what: string): NodeDefMsg[] {
  const prefix = call.name ?? '';
  const fname = f.signature?.name ?? '';
  const args = f.signature?.inputArg ?? [];
  for (const a of [...args, ...(f.signature?.outputArg ?? [])]) {
    if (a.numberAttr || a.typeListAttr) {
      throw new TfeError('E_UNSUPPORTED', `${what}: function '${fname}' (called by node '${prefix}') has list argument '${a.name}'`);
    }
  }
  const dataInputs = (call.input ?? []).filter((i) => !i.startsWith('^'));
  if (dataInputs.length !== args.length) {
    throw new TfeError('E_FORMAT', `${what}: node '${prefix}' passes ${dataInputs.length} inputs to function '${fname}', which takes ${args.length}`);
  }
  const argMap = new Map(args.map((a, i) => [a.name ?? '', tensorName(parseTensorName(dataInputs[i]) as TensorRef)]));
  const body = f.nodeDef ?? [];
  const bodyOps = new Map(body.map((n) => [n.name ?? '', n.op ?? '']));

  const outerTensor = (s: string): string => {
    if (s.startsWith('^')) return s;
    const parts = s.split(':');
    if (parts.length === 1) return argMap.get(s) ?? `${prefix}/${s}`;
    if (parts.length === 3) {
      const [node, arg, idx] = parts;
      if (!bodyOps.has(node)) throw new TfeError('E_FORMAT', `${what}: function '${fname}' refers to '${s}', which is not a node of the function`);
      return tensorName({ node: `${prefix}/${node}`, index: outputIndex(bodyOps.get(node) as string, arg, Number(idx), lib) });
    }
    if (parts.length === 2 && argMap.has(parts[0])) return argMap.get(parts[0]) as string;
    throw new TfeError('E_FORMAT', `${what}: function '${fname}' has a malformed input '${s}'`);
  };
  const substitute = (attr: Record<string, AttrMsg> | undefined): Record<string, AttrMsg> | undefined => {
    if (attr === undefined) return undefined;
    const out: Record<string, AttrMsg> = {};
    for (const [k, v] of Object.entries(attr)) {
      out[k] = v.placeholder !== undefined ? call.attr?.[v.placeholder] ?? f.attr?.[v.placeholder] ?? v : v;
    }
    return out;
  };
  const nodes: NodeDefMsg[] = body.map((n) => ({
    ...n,
    name: `${prefix}/${n.name}`,
    input: (n.input ?? []).filter((i) => !i.startsWith('^')).map(outerTensor),
    ...(n.attr ? { attr: substitute(n.attr) } : {}),
  }));
  (f.signature?.outputArg ?? []).forEach((a, k) => {
    const ret = f.ret?.[a.name ?? ''];
    if (ret === undefined) throw new TfeError('E_FORMAT', `${what}: function '${fname}' does not map its output '${a.name}' in ret`);
    const t = outerTensor(ret);
    if (k === 0) {
      nodes.push({ name: prefix, op: 'Identity', input: [t], attr: a.type ? { T: { type: a.type } } : {} });
    } else {
      rename.set(`${prefix}:${k}`, t);
    }
  });
  return nodes;
}

/** Flat output index of `op`'s output `arg` element `idx`. */
function outputIndex(op: string, arg: string, idx: number, lib: ReadonlyMap<string, FunctionDefMsg>): number {
  const fn = lib.get(op);
  if (fn) {
    const k = (fn.signature?.outputArg ?? []).findIndex((a) => a.name === arg);
    return k < 0 ? idx : k;
  }
  const names = OUTPUT_ARGS[op];
  const k = names ? names.indexOf(arg) : -1;
  return k < 0 ? idx : k + idx;
}
