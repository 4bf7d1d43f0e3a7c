/**
 * to-ring: the level boundary from the TF-level graph (shaped, folded) to the ring IR.
 * Each TF op becomes the ring ops that compute it; constants used as data become
 * `const` nodes (model parameters, `param: true`); constants used as structure
 * (shapes, axes, paddings, permutations) become attributes. Decisions made here:
 * - Relu6(x) = relu(x) - relu(x - 6): two exact comparisons, no approximation.
 * - Mean over H,W of an NHWC tensor (GlobalAveragePooling) = an avgpool over the whole
 *   plane; Mean over other axes = sum times a public 1/count.
 * - A Softmax that is a graph output is left to the client (output kind
 *   'probabilities', postprocess 'softmax': the client turns the revealed logits into
 *   the model's probabilities); a Softmax anywhere else is unsupported.
 * - The output's kind (probabilities, logits, label, values): output-kind.ts.
 * - With --output label the (single) output becomes argmax(logits), revealed alone.
 * - An input's providing role and declared range (Placeholder attrs role, range) become
 *   the ring input's attrs; a Const's visibility mark its ring const's (role-attrs.ts).
 * - Squeeze / ExpandDims / Reshape become reshape; MatMul's transpose flags become a
 *   compile-time transpose of a constant, or a transpose node.
 * The conversion is a table from TF op to converter (TO_RING, total over src/ir/ops.ts).
 * Everything it cannot map is reported at once (E_UNSUPPORTED, one line per node).
 */
import { TfeError } from '../../src/errors.js';
import { outputKind } from './output-kind.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import { constVisibility, placeholderRange, placeholderRole } from '../../src/ir/role-attrs.js';
import { FOLDABLE_OPS, type FoldableOp, type Op } from '../../src/ir/ops.js';
import { spatialPair } from '../../src/ir/op-specs.js';
import type { RingAttrs, RingGraph, RingNode, RingOp } from '../../src/ir/ring-ops.js';
import { constNumbers, constValue, tensorToFloat64 } from '../../src/ir/tensor-data.js';
import type { SecureOptions } from './options.js';

interface Problem {
  readonly node: string;
  readonly op: string;
  readonly why: string;
}

class Builder {
  readonly nodes: RingNode[] = [];
  readonly ids = new Set<string>();
  /** TF id -> ring id holding its value. */
  readonly alias = new Map<string, string>();
  readonly problems: Problem[] = [];

  constructor(
    readonly tf: ReadonlyMap<string, IrNode>,
    /** Softmax nodes that are graph outputs (left to the client). */
    readonly softmaxOutputs: ReadonlySet<string>,
  ) {}

  fresh(base: string): string {
    let id = base;
    for (let k = 1; this.ids.has(id); k++) id = `${base}_${k}`;
    return id;
  }

  add(n: Omit<RingNode, 'id'> & { id?: string }, base: string): string {
    const id = this.fresh(n.id ?? base);
    this.ids.add(id);
    this.nodes.push({ ...n, id });
    return id;
  }

  op(op: RingOp, inputs: string[], shape: readonly number[], source: string, attrs: RingAttrs = {}, id = source): string {
    return this.add({ id, op, inputs, attrs, shape: [...shape], source }, id);
  }

  /** Ring id for TF operand `id`, materialising a Const as a ring const on first data use. */
  val(id: string): string {
    const a = this.alias.get(id);
    if (a !== undefined) return a;
    const n = this.tf.get(id);
    const v = constValue(n);
    if (n && v) {
      const r = this.add({ op: 'const', inputs: [], attrs: constAttrs(n), shape: [...v.shape], source: id, value: Float64Array.from(tensorToFloat64(v, id)) }, id);
      this.alias.set(id, r);
      return r;
    }
    throw new TfeError('E_IR', `to-ring: operand "${id}" has no ring value (not in topological order?)`);
  }

  /** A compiler constant (public): e.g. the 6 of Relu6. */
  constant(value: number, source: string, name: string): string {
    return this.add({ op: 'const', inputs: [], attrs: { param: false }, shape: [], source, value: Float64Array.of(value) }, name);
  }

  fail(n: IrNode, why: string): void {
    this.problems.push({ node: n.id, op: n.op, why });
  }
}

/**
 * A ring const's attributes from its TF Const: a model parameter (param), unless marked
 * public (a program's public constant: not a parameter, public whatever
 * --public-weights says); one marked private keeps the mark (secret even under
 * --public-weights). See src/ir/role-attrs.ts and the visibility pass.
 */
function constAttrs(n: IrNode): RingAttrs {
  const v = constVisibility(n);
  return v === undefined ? { param: true } : { param: v === 'private', visibility: v };
}

function shapeOf(n: IrNode): readonly number[] {
  if (!n.shape) throw new TfeError('E_IR', `to-ring: node "${n.id}" has no shape (run shape inference first)`);
  return n.shape;
}

function ints(n: IrNode | undefined): number[] | undefined {
  return constNumbers(n)?.map((x) => Math.trunc(x));
}

function transposedConst(b: Builder, id: string, src: IrNode): string {
  const v = constValue(src);
  if (!v || v.shape.length !== 2) throw new TfeError('E_IR', `to-ring: "${id}" is not a matrix`);
  const [r, c] = v.shape;
  const x = tensorToFloat64(v, id);
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = x[i * c + j];
  return b.add({ op: 'const', inputs: [], attrs: constAttrs(src), shape: [c, r], source: id, value: t }, `${id}/T`);
}

/** A MatMul operand, transposed if its flag says so. */
function matOperand(b: Builder, n: IrNode, k: 0 | 1): string {
  const flag = n.attrs[k === 0 ? 'transpose_a' : 'transpose_b'] === true;
  const id = n.inputs[k];
  if (!flag) return b.val(id);
  const src = b.tf.get(id);
  if (src && constValue(src)) return transposedConst(b, id, src);
  const s = shapeOf(src as IrNode);
  const perm = s.map((_, i) => i);
  [perm[s.length - 2], perm[s.length - 1]] = [perm[s.length - 1], perm[s.length - 2]];
  return b.op('transpose', [b.val(id)], perm.map((p) => s[p]), n.id, { perm }, `${n.id}/transpose_${k === 0 ? 'a' : 'b'}`);
}

function windowAttrs(b: Builder, n: IrNode, withKsize: boolean): RingAttrs | undefined {
  const strides = spatialPair(n.attrs.strides, [1, 1]);
  const padding = n.attrs.padding;
  const ksize = withKsize ? spatialPair(n.attrs.ksize, undefined) : [1, 1];
  const dil = spatialPair(n.attrs.dilations, [1, 1]);
  if (!strides || !ksize || (padding !== 'SAME' && padding !== 'VALID')) {
    b.fail(n, `window attributes not supported (padding ${JSON.stringify(padding)})`);
    return undefined;
  }
  if (!dil || dil[0] !== 1 || dil[1] !== 1) {
    b.fail(n, 'dilated convolutions are not supported');
    return undefined;
  }
  return withKsize ? { ksize, strides, padding } : { strides, padding };
}

/** Mean: over H,W of NHWC as an avgpool over the plane, else sum times 1/count. */
function mean(b: Builder, n: IrNode): void {
  const x = b.tf.get(n.inputs[0]) as IrNode;
  const s = shapeOf(x);
  const axes = (ints(b.tf.get(n.inputs[1])) ?? []).map((a) => (a < 0 ? a + s.length : a));
  const keep = n.attrs.keep_dims === true;
  const out = shapeOf(n);
  const set = new Set(axes);
  if (s.length === 4 && set.size === 2 && set.has(1) && set.has(2) && s[1] > 0 && s[2] > 0) {
    const pooled = [s[0], 1, 1, s[3]];
    const p = b.op('avgpool', [b.val(x.id)], pooled, n.id, { ksize: [s[1], s[2]], strides: [1, 1], padding: 'VALID' }, keep ? n.id : `${n.id}/pool`);
    b.alias.set(n.id, keep ? p : b.op('reshape', [p], out, n.id, { shape: [...out] }));
    return;
  }
  if (axes.some((a) => s[a] < 0)) {
    b.fail(n, 'Mean over the batch dimension');
    return;
  }
  const count = axes.reduce((a, ax) => a * s[ax], 1);
  const sum = b.op('sum', [b.val(x.id)], out, n.id, { axes, keepDims: keep }, `${n.id}/sum`);
  const r = b.constant(1 / count, n.id, `${n.id}/reciprocal`);
  b.alias.set(n.id, b.op('mul', [sum, r], out, n.id));
}

/** Converts TF node `n` to ring nodes (or reports it through b.fail). */
type Converter = (b: Builder, n: IrNode) => void;

/** The TF op as one ring op on its first operand. */
const un = (op: RingOp, attrsOf: (b: Builder, n: IrNode) => RingAttrs = () => ({})): Converter => (b, n) => {
  b.alias.set(n.id, b.op(op, [b.val(n.inputs[0])], shapeOf(n), n.id, attrsOf(b, n)));
};
/** The TF op as one ring op on its two operands. */
const bin = (op: RingOp): Converter => (b, n) => {
  b.alias.set(n.id, b.op(op, [b.val(n.inputs[0]), b.val(n.inputs[1])], shapeOf(n), n.id));
};
/** A TF op with no secure implementation: reported with `why`. */
const unsupported = (why: string): Converter => (b, n) => b.fail(n, why);
const noSecureImplementation: Converter = (b, n) => b.fail(n, `${n.op} on a secret value has no secure implementation`);

const conv = (op: RingOp): Converter => (b, n) => {
  const a = windowAttrs(b, n, false);
  if (a) b.alias.set(n.id, b.op(op, [b.val(n.inputs[0]), b.val(n.inputs[1])], shapeOf(n), n.id, a));
};
const pool = (op: RingOp): Converter => (b, n) => {
  const a = windowAttrs(b, n, true);
  if (a) un(op, () => a)(b, n);
};

/** Ops folded away on constant inputs (FOLDABLE_OPS): one left here computes on a secret. */
const FOLDABLE: Readonly<Record<FoldableOp, Converter>> = Object.fromEntries(FOLDABLE_OPS.map((op) => [op, noSecureImplementation])) as Record<FoldableOp, Converter>;

/** The TF op table: every TF op (src/ir/ops.ts) and the ring ops that compute it; a missing op is a type error. */
const TO_RING: Readonly<Record<Op, Converter>> = {
  Placeholder: (b, n) => {
    // a client-side one-hot input (client-one-hot pass) carries its preprocessing to the plan
    const d = n.attrs.one_hot_depth;
    const oneHot: RingAttrs = typeof d === 'number'
      ? { one_hot_depth: d, one_hot_dtype: String(n.attrs.one_hot_dtype), one_hot_shape: [...(n.attrs.one_hot_shape as readonly number[])] }
      : {};
    // the providing role and the declared range, when the graph names them (src/ir/role-attrs.ts)
    const role = placeholderRole(n);
    const range = placeholderRange(n);
    const own: RingAttrs = { ...(role !== undefined ? { role } : {}), ...(range !== undefined ? { range } : {}) };
    b.alias.set(n.id, b.op('input', [], shapeOf(n), n.id, { ...oneHot, ...own }));
  },
  Const: () => undefined, // materialised on first data use
  Identity: (b, n) => {
    b.alias.set(n.id, b.val(n.inputs[0]));
  },
  MatMul: (b, n) => {
    b.alias.set(n.id, b.op('matmul', [matOperand(b, n, 0), matOperand(b, n, 1)], shapeOf(n), n.id));
  },
  Conv2D: conv('conv2d'),
  DepthwiseConv2D: conv('depthwise_conv2d'),
  BiasAdd: bin('add'),
  Add: bin('add'),
  Sub: bin('sub'),
  Mul: bin('mul'),
  Neg: un('neg'),
  Relu: un('relu'),
  Relu6: (b, n) => {
    const shape = shapeOf(n);
    const x = b.val(n.inputs[0]);
    const r1 = b.op('relu', [x], shape, n.id, {}, `${n.id}/relu`);
    const six = b.constant(6, n.id, `${n.id}/six`);
    const xm = b.op('sub', [x, six], shape, n.id, {}, `${n.id}/minus6`);
    const r2 = b.op('relu', [xm], shape, n.id, {}, `${n.id}/relu_minus6`);
    b.alias.set(n.id, b.op('sub', [r1, r2], shape, n.id, { clampBound: 6 }));
  },
  Sigmoid: un('sigmoid'),
  Tanh: un('tanh'),
  Softmax: (b, n) => {
    if (b.softmaxOutputs.has(n.id)) b.alias.set(n.id, b.val(n.inputs[0]));
    else b.fail(n, 'a Softmax inside the model cannot be computed (only a final Softmax, which the client applies)');
  },
  MaxPool: pool('maxpool'),
  AvgPool: pool('avgpool'),
  Mean: (b, n) => mean(b, n),
  Sum: un('sum', (b, n) => {
    const s = shapeOf(b.tf.get(n.inputs[0]) as IrNode);
    const axes = (ints(b.tf.get(n.inputs[1])) ?? []).map((a) => (a < 0 ? a + s.length : a));
    return { axes, keepDims: n.attrs.keep_dims === true };
  }),
  ArgMax: (b, n) => {
    const s = shapeOf(b.tf.get(n.inputs[0]) as IrNode);
    const ax = ints(b.tf.get(n.inputs[1]))?.[0] ?? 0;
    if ((ax < 0 ? ax + s.length : ax) !== s.length - 1) b.fail(n, 'ArgMax over an axis other than the last');
    else un('argmax')(b, n);
  },
  Reshape: un('reshape', (_b, n) => ({ shape: [...shapeOf(n)] })),
  Squeeze: un('reshape', (_b, n) => ({ shape: [...shapeOf(n)] })),
  ExpandDims: un('reshape', (_b, n) => ({ shape: [...shapeOf(n)] })),
  Transpose: un('transpose', (b, n) => ({ perm: ints(b.tf.get(n.inputs[1])) ?? [] })),
  Pad: un('pad', (b, n) => {
    const p = ints(b.tf.get(n.inputs[1])) ?? [];
    const pairs: number[][] = [];
    for (let i = 0; i < p.length; i += 2) pairs.push([p[i], p[i + 1]]);
    return { paddings: pairs };
  }),
  Concat: (b, n) => {
    const shape = shapeOf(n);
    const data = n.inputs.slice(0, -1);
    const ax = ints(b.tf.get(n.inputs[n.inputs.length - 1]))?.[0] ?? 0;
    b.alias.set(n.id, b.op('concat', data.map((i) => b.val(i)), shape, n.id, { axis: ax < 0 ? ax + shape.length : ax }));
  },
  FusedBatchNorm: unsupported('a batch normalisation not preceded by a linear op cannot be folded'),
  ...FOLDABLE,
};

function convert(b: Builder, n: IrNode): void {
  shapeOf(n);
  const rule = Object.hasOwn(TO_RING, n.op) ? TO_RING[n.op] : undefined;
  if (rule) rule(b, n);
  else noSecureImplementation(b, n); // an op outside src/ir/ops.ts (a model loaded with allowUnsupported)
}

/** Converts the TF-level graph to the ring IR; E_UNSUPPORTED listing every node it cannot convert. */
export function toRing(g: IrGraph, opts: SecureOptions): RingGraph {
  const tf = new Map(g.nodes.map((n) => [n.id, n]));
  const softmaxOutputs = new Set(g.outputs.filter((o) => tf.get(o)?.op === 'Softmax'));
  const b = new Builder(tf, softmaxOutputs);
  const problems = b.problems;
  for (const n of g.nodes) {
    try {
      convert(b, n);
    } catch (e) {
      if (!(e instanceof TfeError) || problems.length === 0) throw e;
    }
  }
  if (opts.outputLabel && g.outputs.length !== 1) problems.push({ node: g.outputs.join(', '), op: 'output', why: '--output label needs exactly one output' });
  if (problems.length > 0) {
    throw new TfeError(
      'E_UNSUPPORTED',
      `${problems.length} node(s) cannot be computed securely:\n${problems.map((p) => `  ${p.node} (${p.op}): ${p.why}`).join('\n')}`,
      'cut the model before or after these nodes with --input NAME=SHAPE / --output NAME, or replace them in the model',
    );
  }
  for (const o of g.outputs) {
    const v = b.val(o);
    const sm = softmaxOutputs.has(o);
    const vn = b.nodes.find((m) => m.id === v) as RingNode;
    if (opts.outputLabel) {
      const am = b.op('argmax', [v], vn.shape.slice(0, -1), o, {}, `${o}/argmax`);
      b.op('output', [am], vn.shape.slice(0, -1), o, { name: o, postprocess: 'none', kind: 'label' }, `${o}/output`);
    } else {
      const kind = vn.op === 'argmax' ? 'label' : outputKind(tf.get(o), (id) => tf.get(id), g.source.format);
      b.op('output', [v], vn.shape, o, { name: o, postprocess: sm ? 'softmax' : 'none', kind }, `${o}/output`);
    }
  }
  return { nodes: b.nodes, fracBits: opts.fracBits, source: g.source };
}
