/**
 * NodeDef -> IR normalisation, shared by the frozen GraphDef, SavedModel and TF.js
 * graph-model frontends. Input: a TfGraph prepared by `prepareTfGraph` (pruned,
 * cut, topologically ordered, no NoOps or control edges; variables already
 * constants; function calls inlined). Output: an IrGraph in topological order.
 *
 * Every unsupported node is collected and reported in ONE E_UNSUPPORTED error
 * listing each as `node 'name' (op Foo)`. With `allowUnsupported`, the graph is
 * returned anyway and each unsupported node becomes a marker (see below) so
 * that a cut pass can remove it before anything executes.
 *
 * ## Attribute conventions (what the interpreter and passes can rely on)
 *
 * All layouts are NHWC; a node with `data_format` other than NHWC is unsupported.
 * Spatial vectors are 2-element `[h, w]` (the TF 4-vectors' batch and channel
 * entries must be 1, else unsupported). `padding` is 'SAME' or 'VALID' (TF
 * EXPLICIT padding is unsupported). Axis/shape/perm operands stay as inputs
 * (normally Const nodes, int32 or int64), in TF's operand order.
 *
 * | IR op           | from TF op(s)                         | inputs                                  | attrs |
 * |-----------------|---------------------------------------|-----------------------------------------|-------|
 * | Placeholder     | Placeholder, PlaceholderWithDefault (fed), any fed tensor | []                   | `signature_key?: string`; shape = the `shape` attr (-1 unknown dim; undefined = unknown rank) |
 * | Const           | Const, resolved variables, TF.js weights | []                                   | `value: TensorData` (shape = value.shape) |
 * | Identity        | Identity, Snapshot, StopGradient, PreventGradient, CheckNumerics, EnsureShape, IdentityN(1 input), unfed PlaceholderWithDefault | [x] | — |
 * | MatMul          | MatMul, _FusedMatMul                  | [a, b] (rank 2)                         | `transpose_a: boolean`, `transpose_b: boolean` |
 * | BiasAdd         | BiasAdd, BiasAddV1, fused BiasAdd     | [x, bias] (bias rank 1, on the last axis) | — |
 * | Add / Sub / Mul | Add, AddV2 / Sub / Mul                | [a, b] (NumPy broadcasting)             | — |
 * | Neg, Relu, Relu6, Sigmoid, Tanh | same names             | [x]                                     | — |
 * | Softmax         | Softmax                               | [x] (over the last axis)                | — |
 * | Conv2D          | Conv2D, _FusedConv2D                  | [x NHWC, filter HWIO]                   | `strides: [sh, sw]`, `dilations: [dh, dw]`, `padding` |
 * | DepthwiseConv2D | DepthwiseConv2dNative, FusedDepthwiseConv2dNative | [x NHWC, filter [H, W, C, multiplier]] | `strides`, `dilations`, `padding` as Conv2D |
 * | MaxPool, AvgPool| MaxPool, AvgPool                      | [x NHWC]                                | `ksize: [kh, kw]`, `strides: [sh, sw]`, `padding` |
 * | Mean, Sum       | Mean, Sum                             | [x, axes]                               | `keep_dims: boolean` |
 * | ArgMax          | ArgMax                                | [x, axis (scalar)]                      | `output_type: 'int32' \| 'int64'` (= the node's dtype) |
 * | Reshape         | Reshape                               | [x, shape (may hold one -1)]            | — |
 * | Squeeze         | Squeeze                               | [x]                                     | `squeeze_dims: number[]` (empty = every size-1 dim) |
 * | ExpandDims      | ExpandDims                            | [x, axis (scalar)]                      | — |
 * | Transpose       | Transpose                             | [x, perm]                               | — |
 * | Concat          | ConcatV2, Concat (axis moved last)    | [x0, ..., x(N-1), axis (scalar)]        | `N: number` |
 * | Pad             | Pad, PadV2 with a zero constant       | [x, paddings [rank, 2]]                 | — |
 * | FusedBatchNorm  | FusedBatchNorm, V2, V3 (is_training false), fused FusedBatchNorm | [x, scale, offset, mean, variance] | `epsilon: number` (y = (x - mean) * scale / sqrt(variance + epsilon) + offset, per last-axis channel) |
 * | Shape, Size, Rank | same                                | [x]                                     | dtype = `out_type` (int32 default) |
 * | StridedSlice    | StridedSlice                          | [x, begin, end, strides]                | `begin_mask`, `end_mask`, `ellipsis_mask`, `new_axis_mask`, `shrink_axis_mask`: number (bit masks) |
 * | Pack            | Pack                                  | [x0, ..., x(N-1)]                       | `axis: number`, `N: number` |
 * | Cast            | Cast                                  | [x]                                     | `DstT: DType` (= the node's dtype), `Truncate: boolean` |
 * | Prod            | Prod                                  | [x, axes]                               | `keep_dims: boolean` |
 * | GatherV2        | GatherV2, Gather, ResourceGather (axis Const `NAME/axis` = 0 added) | [params, indices, axis] | `batch_dims: number` |
 * | RealDiv         | RealDiv, Div on floats                | [a, b]                                  | — |
 * | other FOLDABLE_OPS (Rsqrt, Sqrt, Fill, Range, Maximum, Minimum, Square, Reciprocal, Exp, Log, Floor, Slice, Tile, ZerosLike, OnesLike) | same names | TF operand order | — |
 *
 * TF.js fused ops are decomposed: `_FusedMatMul` / `_FusedConv2D` /
 * `FusedDepthwiseConv2dNative` with `fused_ops` [BiasAdd | FusedBatchNorm,
 * activation?] become `NAME/MatMul` (or `/Conv2D`, `/DepthwiseConv2D`), then
 * `NAME/BiasAdd` or `NAME/FusedBatchNorm`, then the activation (Relu, Relu6,
 * Sigmoid, Tanh); the last node of the chain keeps the id NAME.
 *
 * Node dtype: from the `dtype`, `T`, `DstT`, `out_type` or `output_type` attr,
 * float32 if none. Shapes are left undefined except for Placeholder and Const.
 * Inputs `name:k` with k > 0 are not modelled by any IR op: such a use is reported
 * with the unsupported ops (fed tensors `name:k` become Placeholders with id `name:k`).
 *
 * ## allowUnsupported markers
 *
 * An unsupported node becomes `{ op: 'Placeholder', inputs: [], attrs:
 * { unsupported_op: 'DecodeWav', unsupported_inputs: [...] } }` (shape from
 * `_output_shapes` if recorded, else from `audioOpShape`). It is NOT listed in `graph.inputs`; such a graph
 * must not execute until a cut pass has removed every marker (test: a Placeholder
 * node with an `unsupported_op` attr).
 */
import type { Attrs, DType, IrGraph, IrNode, TensorData } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import { FOLDABLE_OPS } from '../../src/ir/ops.js';
import { TfeError } from '../../src/errors.js';
import { dtName, type NodeDefMsg } from './proto/tf-proto.js';
import { attrBool, attrFloat, attrInt, attrInts, attrString, attrStrings, attrType } from './tf-attrs.js';
import { nodeOutputType, parseTensorName, type TfGraph, type TensorRef } from './tf-graph.js';
import { audioOpShape } from './tf-audio-shapes.js';
import { irDType, shapeOf, tensorFromProto } from './tf-tensor.js';

export interface TfConvertOptions {
  /** Return the IR with marker nodes instead of raising E_UNSUPPORTED (see the file comment). */
  readonly allowUnsupported?: boolean;
}

/** Raised by a converter for a node it cannot express; collected, not thrown to the user directly. */
class Unsupported {
  constructor(readonly detail: string) {}
}

interface Cx {
  readonly node: NodeDefMsg;
  readonly name: string;
  readonly inputs: readonly string[];
  /** The value of a Const node feeding input `i`, if it is one. */
  constInput(i: number): TensorData | undefined;
  make(id: string, op: Op, inputs: readonly string[], attrs?: Attrs, dtype?: DType): IrNode;
}

type Convert = (cx: Cx) => IrNode[];

function outDType(n: NodeDefMsg): DType {
  return irDType(nodeOutputType(n)) ?? 'float32';
}

function requireArity(cx: Cx, min: number, max = min): void {
  if (cx.inputs.length < min || cx.inputs.length > max) {
    throw new TfeError('E_FORMAT', `node '${cx.name}' (op ${cx.node.op}) has ${cx.inputs.length} inputs, expected ${min === max ? min : `${min}..${max}`}`);
  }
}

function nhwc(cx: Cx): void {
  const f = attrString(cx.node, 'data_format', 'NHWC');
  if (f !== 'NHWC') throw new Unsupported(`data_format ${f}; only NHWC is supported`);
}

/** [1, h, w, 1] -> [h, w]. */
function spatial(cx: Cx, key: string, def: readonly number[]): number[] {
  const v = attrInts(cx.node, key, def);
  if (v.length !== 4) throw new TfeError('E_FORMAT', `node '${cx.name}' (op ${cx.node.op}): attr '${key}' has ${v.length} entries, expected 4`);
  if (v[0] !== 1 || v[3] !== 1) throw new Unsupported(`${key} [${v.join(',')}] on the batch or channel axis`);
  return [v[1], v[2]];
}

function padding(cx: Cx): 'SAME' | 'VALID' {
  const p = attrString(cx.node, 'padding', '');
  if (p === 'SAME' || p === 'VALID') return p;
  throw new Unsupported(`padding ${p || '(none)'}; only SAME and VALID are supported`);
}

/** The same IR op on the same inputs, with `attrs` computed from the node. */
function same(op: Op, arity?: [number, number], attrs?: (cx: Cx) => Attrs): Convert {
  return (cx) => {
    if (arity) requireArity(cx, arity[0], arity[1]);
    return [cx.make(cx.name, op, cx.inputs, attrs ? attrs(cx) : {})];
  };
}

function convAttrs(cx: Cx): Attrs {
  nhwc(cx);
  return { strides: spatial(cx, 'strides', []), dilations: spatial(cx, 'dilations', [1, 1, 1, 1]), padding: padding(cx) };
}

function poolAttrs(cx: Cx): Attrs {
  nhwc(cx);
  return { ksize: spatial(cx, 'ksize', []), strides: spatial(cx, 'strides', []), padding: padding(cx) };
}

const keepDims = (cx: Cx): Attrs => ({ keep_dims: attrBool(cx.node, 'keep_dims', false) });

function batchNorm(cx: Cx): IrNode[] {
  requireArity(cx, 5);
  nhwc(cx);
  if (attrBool(cx.node, 'is_training', true)) throw new Unsupported('is_training true; export the model for inference');
  return [cx.make(cx.name, 'FusedBatchNorm', cx.inputs, { epsilon: attrFloat(cx.node, 'epsilon', 0.0001) })];
}

const FUSED_ACTIVATIONS: Readonly<Record<string, Op>> = { Relu: 'Relu', Relu6: 'Relu6', Sigmoid: 'Sigmoid', Tanh: 'Tanh' };

/** TF.js/Grappler fused ops: the linear op, then BiasAdd or FusedBatchNorm, then an optional activation. */
function fused(linear: Op, attrs: (cx: Cx) => Attrs): Convert {
  return (cx) => {
    const ops = attrStrings(cx.node, 'fused_ops');
    const numArgs = attrInt(cx.node, 'num_args', cx.inputs.length - 2);
    requireArity(cx, 2 + numArgs);
    const [x, w, ...args] = cx.inputs;
    const act = ops.length > 1 ? ops[ops.length - 1] : undefined;
    const norm = ops[0];
    if (ops.length === 0 || ops.length > 2 || (act !== undefined && FUSED_ACTIVATIONS[act] === undefined)) {
      throw new Unsupported(`fused_ops [${ops.join(', ')}]`);
    }
    const out: IrNode[] = [cx.make(`${cx.name}/${linear}`, linear, [x, w], attrs(cx))];
    const last = (id: string): string => (act === undefined ? cx.name : id);
    if (norm === 'BiasAdd') {
      if (args.length !== 1) throw new TfeError('E_FORMAT', `node '${cx.name}' (op ${cx.node.op}): fused BiasAdd needs 1 argument, has ${args.length}`);
      out.push(cx.make(last(`${cx.name}/BiasAdd`), 'BiasAdd', [out[0].id, args[0]]));
    } else if (norm === 'FusedBatchNorm') {
      if (args.length !== 4) throw new TfeError('E_FORMAT', `node '${cx.name}' (op ${cx.node.op}): fused FusedBatchNorm needs 4 arguments, has ${args.length}`);
      out.push(cx.make(last(`${cx.name}/FusedBatchNorm`), 'FusedBatchNorm', [out[0].id, ...args], { epsilon: attrFloat(cx.node, 'epsilon', 0.0001) }));
    } else {
      throw new Unsupported(`fused_ops [${ops.join(', ')}]`);
    }
    if (act !== undefined) out.push(cx.make(cx.name, FUSED_ACTIVATIONS[act], [out[out.length - 1].id]));
    return out;
  };
}

function isZero(t: TensorData | undefined): boolean {
  if (t === undefined || t.values.length !== 1) return false;
  const v = t.values[0];
  return v === 0 || v === 0n || v === '';
}

/** TF op name -> converter. Ops absent here are unsupported. */
const CONVERTERS: ReadonlyMap<string, Convert> = new Map<string, Convert>([
  ['Placeholder', (cx) => [cx.make(cx.name, 'Placeholder', [], {})]],
  ['Const', (cx) => {
    const t = cx.node.attr?.value?.tensor;
    if (t === undefined) throw new TfeError('E_FORMAT', `node '${cx.name}' (op Const) has no value`);
    const dt = irDType(t.dtype);
    if (dt === undefined) throw new Unsupported(`a constant of type ${dtName(t.dtype)}`);
    return [cx.make(cx.name, 'Const', [], { value: tensorFromProto(t, `node '${cx.name}' (op Const)`) }, dt)];
  }],
  ...['Identity', 'Snapshot', 'StopGradient', 'PreventGradient', 'CheckNumerics', 'EnsureShape'].map((op): [string, Convert] => [op, same('Identity', [1, 1])]),
  ['IdentityN', same('Identity', [1, 1])],
  ['MatMul', same('MatMul', [2, 2], (cx) => ({ transpose_a: attrBool(cx.node, 'transpose_a', false), transpose_b: attrBool(cx.node, 'transpose_b', false) }))],
  ['BiasAdd', same('BiasAdd', [2, 2], (cx) => { nhwc(cx); return {}; })],
  ['BiasAddV1', same('BiasAdd', [2, 2])],
  ['Add', same('Add', [2, 2])],
  ['AddV2', same('Add', [2, 2])],
  ['Sub', same('Sub', [2, 2])],
  ['Mul', same('Mul', [2, 2])],
  ['Neg', same('Neg', [1, 1])],
  ['Relu', same('Relu', [1, 1])],
  ['Relu6', same('Relu6', [1, 1])],
  ['Sigmoid', same('Sigmoid', [1, 1])],
  ['Tanh', same('Tanh', [1, 1])],
  ['Softmax', same('Softmax', [1, 1])],
  ['Conv2D', same('Conv2D', [2, 2], convAttrs)],
  ['DepthwiseConv2dNative', same('DepthwiseConv2D', [2, 2], convAttrs)],
  ['MaxPool', same('MaxPool', [1, 1], poolAttrs)],
  ['AvgPool', same('AvgPool', [1, 1], poolAttrs)],
  ['Mean', same('Mean', [2, 2], keepDims)],
  ['Sum', same('Sum', [2, 2], keepDims)],
  ['Prod', same('Prod', [2, 2], keepDims)],
  ['ArgMax', (cx) => {
    requireArity(cx, 2);
    const t = irDType(attrType(cx.node, 'output_type')) ?? 'int64';
    if (t !== 'int32' && t !== 'int64') throw new Unsupported(`output_type ${t}`);
    return [cx.make(cx.name, 'ArgMax', cx.inputs, { output_type: t }, t)];
  }],
  ['Reshape', same('Reshape', [2, 2])],
  ['Squeeze', same('Squeeze', [1, 1], (cx) => ({ squeeze_dims: attrInts(cx.node, 'squeeze_dims', []) }))],
  ['ExpandDims', same('ExpandDims', [2, 2])],
  ['Transpose', same('Transpose', [2, 2])],
  ['ConcatV2', (cx) => {
    requireArity(cx, 2, Infinity);
    return [cx.make(cx.name, 'Concat', cx.inputs, { N: cx.inputs.length - 1 })];
  }],
  ['Concat', (cx) => {
    requireArity(cx, 2, Infinity);
    const [axis, ...xs] = cx.inputs;
    return [cx.make(cx.name, 'Concat', [...xs, axis], { N: xs.length })];
  }],
  ['Pad', same('Pad', [2, 2])],
  ['PadV2', (cx) => {
    requireArity(cx, 3);
    if (!isZero(cx.constInput(2))) throw new Unsupported('a non-zero or non-constant padding value');
    return [cx.make(cx.name, 'Pad', cx.inputs.slice(0, 2), {})];
  }],
  ['FusedBatchNorm', batchNorm],
  ['FusedBatchNormV2', batchNorm],
  ['FusedBatchNormV3', batchNorm],
  ['_FusedMatMul', fused('MatMul', (cx) => ({ transpose_a: attrBool(cx.node, 'transpose_a', false), transpose_b: attrBool(cx.node, 'transpose_b', false) }))],
  ['_FusedConv2D', fused('Conv2D', convAttrs)],
  ['FusedDepthwiseConv2dNative', fused('DepthwiseConv2D', convAttrs)],
  ['StridedSlice', same('StridedSlice', [4, 4], (cx) => ({
    begin_mask: attrInt(cx.node, 'begin_mask', 0), end_mask: attrInt(cx.node, 'end_mask', 0),
    ellipsis_mask: attrInt(cx.node, 'ellipsis_mask', 0), new_axis_mask: attrInt(cx.node, 'new_axis_mask', 0),
    shrink_axis_mask: attrInt(cx.node, 'shrink_axis_mask', 0),
  }))],
  ['Pack', same('Pack', [1, Infinity], (cx) => ({ axis: attrInt(cx.node, 'axis', 0), N: cx.inputs.length }))],
  ['Cast', (cx) => {
    requireArity(cx, 1);
    const t = irDType(attrType(cx.node, 'DstT'));
    if (t === undefined) throw new Unsupported(`a cast to ${dtName(attrType(cx.node, 'DstT'))}`);
    return [cx.make(cx.name, 'Cast', cx.inputs, { DstT: t, Truncate: attrBool(cx.node, 'Truncate', false) }, t)];
  }],
  ...['Shape', 'Size', 'Rank'].map((op): [string, Convert] => [op, (cx) => {
    requireArity(cx, 1);
    const t = irDType(attrType(cx.node, 'out_type')) ?? 'int32';
    return [cx.make(cx.name, op as Op, cx.inputs, {}, t)];
  }]),
  ['GatherV2', same('GatherV2', [3, 3], (cx) => ({ batch_dims: attrInt(cx.node, 'batch_dims', 0) }))],
  // Gather (v1) and ResourceGather (its handle already resolved to a Const by the SavedModel
  // loader) take rows on axis 0: a GatherV2 with an explicit axis.
  ...['Gather', 'ResourceGather'].map((op): [string, Convert] => [op, (cx) => {
    requireArity(cx, 2);
    const axis = `${cx.name}/axis`;
    return [
      cx.make(axis, 'Const', [], { value: { dtype: 'int32', shape: [], values: Int32Array.of(0) } }, 'int32'),
      cx.make(cx.name, 'GatherV2', [...cx.inputs, axis], { batch_dims: attrInt(cx.node, 'batch_dims', 0) }),
    ];
  }]),
  ['Div', (cx) => {
    requireArity(cx, 2);
    const t = outDType(cx.node);
    if (t !== 'float32' && t !== 'float64') throw new Unsupported(`integer division (T ${t})`);
    return [cx.make(cx.name, 'RealDiv', cx.inputs, {})];
  }],
  ...FOLDABLE_OPS.filter((op) => !['StridedSlice', 'Pack', 'Cast', 'Shape', 'Size', 'Rank', 'GatherV2', 'Prod'].includes(op))
    .map((op): [string, Convert] => [op, same(op)]),
]);

/** The TF op names this converter accepts. */
export const SUPPORTED_TF_OPS: readonly string[] = [...CONVERTERS.keys()].sort();

/**
 * Converts a prepared TfGraph (see `prepareTfGraph`) to IR. Throws one
 * E_UNSUPPORTED error listing every unsupported node, unless `allowUnsupported`.
 */
export function tfGraphToIr(g: TfGraph, opts: TfConvertOptions = {}): IrGraph {
  const file = g.source.path;
  const byName = new Map(g.nodes.map((n) => [n.name ?? '', n]));
  const out: IrNode[] = [];
  const ids = new Set<string>();
  const problems: { name: string; text: string }[] = [];
  const unsupportedNames = new Set<string>();
  const unsupportedShapes = new Map<string, number[] | undefined>();
  const inputKey = new Map<string, string>();
  g.inputs.forEach((t, i) => { const k = g.inputKeys?.[i]; if (k !== undefined) inputKey.set(t.name, k); });

  const make = (n: NodeDefMsg) => (id: string, op: Op, inputs: readonly string[], attrs: Attrs = {}, dtype?: DType): IrNode => {
    if (ids.has(id)) throw new TfeError('E_FORMAT', `${file}: node id '${id}' (from node '${n.name}', op ${n.op}) is not unique`);
    ids.add(id);
    let shape: number[] | undefined;
    if (op === 'Placeholder') shape = shapeOf(n.attr?.shape?.shape ?? { unknownRank: true }, `node '${n.name}'`);
    const value = attrs.value as TensorData | undefined;
    if (op === 'Const' && value !== undefined) shape = [...value.shape];
    const key = op === 'Placeholder' ? inputKey.get(id) : undefined;
    return { id, op, inputs: [...inputs], attrs: key === undefined ? attrs : { ...attrs, signature_key: key }, dtype: dtype ?? outDType(n), shape };
  };

  const marker = (n: NodeDefMsg, inputs: readonly string[]): IrNode => {
    const shape = unsupportedShapes.get(n.name ?? '');
    ids.add(n.name ?? '');
    return { id: n.name ?? '', op: 'Placeholder', inputs: [], attrs: { unsupported_op: n.op ?? '', unsupported_inputs: [...inputs] }, dtype: outDType(n), shape };
  };

  for (const n of g.nodes) {
    const name = n.name ?? '';
    const inputs = n.input ?? [];
    // Uses of a second output: only fed tensors (Placeholders named `node:k`) are modelled.
    const badUse = inputs.map((i) => parseTensorName(i) as TensorRef).find((r) => r.index > 0 && !byName.has(`${r.node}:${r.index}`) && !unsupportedNames.has(r.node));
    const convert = CONVERTERS.get(n.op ?? '');
    let detail: string | undefined;
    let nodes: IrNode[] = [];
    if (convert === undefined) {
      detail = `op ${n.op}`;
    } else if (badUse !== undefined) {
      detail = `op ${n.op}, reads output ${badUse.index} of '${badUse.node}' (op ${byName.get(badUse.node)?.op}), which the IR does not model`;
    } else {
      const cx: Cx = {
        node: n, name, inputs,
        constInput: (i) => {
          const p = byName.get(inputs[i] ?? '');
          return p?.op === 'Const' && p.attr?.value?.tensor ? tensorFromProto(p.attr.value.tensor, `node '${p.name}'`) : undefined;
        },
        make: make(n),
      };
      const before = new Set(ids);
      try {
        nodes = convert(cx);
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        detail = `op ${n.op}, ${e.detail}`;
        for (const id of ids) if (!before.has(id)) ids.delete(id);
      }
    }
    if (detail !== undefined) {
      problems.push({ name, text: `node '${name}' (${detail})` });
      unsupportedNames.add(name);
      // Its shape as recorded, else where TF's shape rule is known (audio front-end): for the cut hint.
      const recorded = n.attr?._output_shapes?.list?.shape?.[0];
      const operandShape = (i: string): readonly number[] | undefined => {
        const r = parseTensorName(i) as TensorRef;
        return r.index === 0 ? unsupportedShapes.get(r.node) ?? out.find((m) => m.id === r.node)?.shape : undefined;
      };
      unsupportedShapes.set(name, recorded ? shapeOf(recorded, `node '${name}'`) : audioOpShape(n, inputs.map(operandShape)));
      if (opts.allowUnsupported) out.push(marker(n, inputs));
      continue;
    }
    out.push(...nodes);
  }

  if (problems.length && !opts.allowUnsupported) {
    throw new TfeError('E_UNSUPPORTED', `${file}: ${problems.length} unsupported node${problems.length > 1 ? 's' : ''}: ${problems.map((p) => p.text).join(', ')}`,
      cutHint(g, unsupportedShapes));
  }

  const outputs = g.outputs.map((t) => {
    if (!ids.has(t)) {
      const r = parseTensorName(t) as TensorRef;
      throw new TfeError('E_UNSUPPORTED', `${file}: output '${t}' is output ${r.index} of node '${r.node}' (op ${byName.get(r.node)?.op}), which the IR does not model`,
        'name another output with --output NAME');
    }
    return t;
  });
  return { nodes: out, inputs: g.inputs.map((i) => i.name), outputs, source: g.source };
}

/** A hint naming the unsupported nodes that feed supported ones: the places to cut, with their shapes where known. */
function cutHint(g: TfGraph, unsupported: ReadonlyMap<string, readonly number[] | undefined>): string {
  const frontier = new Set<string>();
  for (const n of g.nodes) {
    if (unsupported.has(n.name ?? '')) continue;
    for (const i of n.input ?? []) {
      const r = parseTensorName(i) as TensorRef;
      if (unsupported.has(r.node)) frontier.add(i);
    }
  }
  // The tensor's real shape where known (output 0 only), else SHAPE.
  const spell = (t: string): string => {
    const r = parseTensorName(t) as TensorRef;
    const s = r.index === 0 ? unsupported.get(r.node) : undefined;
    return s !== undefined && s.length > 0 && s.every((d) => d >= -1) ? s.join('x') : 'SHAPE';
  };
  const cut = [...frontier].slice(0, 3).map((t) => `--input ${t}=${spell(t)}`).join(' ');
  return `cut the graph below them${cut ? ` (e.g. ${cut})` : ' with --input NAME=SHAPE'}, feed a constant with --const NAME=FILE, or they are not supported yet`;
}
