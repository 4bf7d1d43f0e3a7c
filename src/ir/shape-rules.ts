/**
 * Output-shape rules of every IR op, as a record from op to rule. A rule sees the node
 * and its operand nodes (their shapes, and their values when they are Const) and
 * returns the output shape, or undefined when it depends on something not known yet
 * (an unshaped operand, a non-constant shape operand). -1 is the symbolic batch
 * dimension: it broadcasts with 1 and is kept by ops that only carry it along.
 * A contradiction (mismatched dims, bad axis) is E_SHAPE naming the node.
 */
import { TfeError } from '../errors.js';
import type { IrNode, Shape } from './node.js';
import { spatialPair } from './op-specs.js';
import type { Op } from './ops.js';
import { planStridedSlice } from './strided-slice.js';
import { constNumbers, constValue, numElements } from './tensor-data.js';

type Rule = (n: IrNode, ins: readonly IrNode[]) => Shape | undefined;

function fail(n: IrNode, msg: string): never {
  throw new TfeError('E_SHAPE', `node "${n.id}" (${n.op}): ${msg}`);
}

export function fmtShape(s: Shape | undefined): string {
  return s ? `[${s.join(',')}]` : '[?]';
}

/** Normalises a possibly negative axis for a rank, E_SHAPE when out of range. */
export function normAxis(n: IrNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(n, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** NumPy broadcasting of two shapes (-1 broadcasts like an unknown size that must match). */
export function broadcastShapes(n: IrNode, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = i < r - a.length ? 1 : a[i - (r - a.length)];
    const y = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (x === -1) out.push(y);
    else if (y === -1) out.push(x);
    else fail(n, `cannot broadcast ${fmtShape(a)} with ${fmtShape(b)}`);
  }
  return out;
}

const same: Rule = (_n, ins) => ins[0].shape;

const broadcast: Rule = (n, ins) => {
  const [a, b] = ins;
  return a.shape && b.shape ? broadcastShapes(n, a.shape, b.shape) : undefined;
};

function pair(n: IrNode, name: string, fallback?: readonly [number, number]): [number, number] {
  const p = spatialPair(n.attrs[name], fallback);
  if (!p) fail(n, `attribute ${name} must be [h,w] or [1,h,w,1], got ${JSON.stringify(n.attrs[name])}`);
  return p;
}

/** Output size of a conv/pool window along one dim, TF semantics (-1 stays -1). */
export function windowOut(size: number, k: number, stride: number, dilation: number, padding: string): number {
  if (size < 0) return -1;
  const eff = (k - 1) * dilation + 1;
  return padding === 'SAME' ? Math.ceil(size / stride) : Math.max(0, Math.ceil((size - eff + 1) / stride));
}

function checkNhwc(n: IrNode, x: Shape, what: string): void {
  if (x.length !== 4) fail(n, `${what} must be rank 4 (NHWC), got ${fmtShape(x)}`);
  const df = n.attrs.data_format;
  if (df !== undefined && df !== 'NHWC') fail(n, `data_format ${String(df)} is not supported (only NHWC)`);
}

function dimsMatch(a: number, b: number): boolean {
  return a === b || a < 0 || b < 0;
}

function conv(depthwise: boolean): Rule {
  return (n, [x, f]) => {
    if (!x.shape || !f.shape) return undefined;
    checkNhwc(n, x.shape, 'input');
    if (f.shape.length !== 4) fail(n, `filter must be rank 4, got ${fmtShape(f.shape)}`);
    const [kh, kw, ci, co] = f.shape;
    if (!dimsMatch(x.shape[3], ci)) fail(n, `input has ${x.shape[3]} channels but the filter expects ${ci}`);
    const s = pair(n, 'strides');
    const d = pair(n, 'dilations', [1, 1]);
    const p = String(n.attrs.padding);
    return [
      x.shape[0],
      windowOut(x.shape[1], kh, s[0], d[0], p),
      windowOut(x.shape[2], kw, s[1], d[1], p),
      depthwise ? (ci < 0 || co < 0 ? -1 : ci * co) : co,
    ];
  };
}

const pool: Rule = (n, [x]) => {
  if (!x.shape) return undefined;
  checkNhwc(n, x.shape, 'input');
  const k = pair(n, 'ksize');
  const s = pair(n, 'strides');
  const p = String(n.attrs.padding);
  return [x.shape[0], windowOut(x.shape[1], k[0], s[0], 1, p), windowOut(x.shape[2], k[1], s[1], 1, p), x.shape[3]];
};

const reduce: Rule = (n, [x, axesNode]) => {
  const axes = constNumbers(axesNode);
  if (!x.shape || !axes) return undefined;
  const rank = x.shape.length;
  const set = new Set(axes.map((a) => normAxis(n, a, rank)));
  const keep = n.attrs.keep_dims === true;
  const out: number[] = [];
  x.shape.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return out;
};

const reshape: Rule = (n, [x, s]) => {
  const target = constNumbers(s);
  if (!target || !x.shape) return undefined;
  const free = target.filter((d) => d === -1).length;
  if (free > 1) fail(n, `target shape ${fmtShape(target)} has more than one -1`);
  if (target.some((d) => d < -1)) fail(n, `target shape ${fmtShape(target)} has a negative size`);
  const inSymbolic = x.shape.some((d) => d < 0);
  const inKnown = numElements(x.shape.filter((d) => d >= 0));
  const tKnown = numElements(target.filter((d) => d >= 0));
  if (!inSymbolic) {
    if (free === 0) {
      if (inKnown !== tKnown) fail(n, `cannot reshape ${fmtShape(x.shape)} (${inKnown} elements) to ${fmtShape(target)}`);
      return target;
    }
    if (tKnown === 0 || inKnown % tKnown !== 0) fail(n, `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(target)}`);
    return target.map((d) => (d === -1 ? inKnown / tKnown : d));
  }
  // Symbolic batch in: the -1 of the target carries it when the other sizes account for the rest.
  if (free === 0) fail(n, `cannot reshape ${fmtShape(x.shape)} (symbolic batch) to the fixed shape ${fmtShape(target)}; fix the batch with --input`);
  if (tKnown === 0 || inKnown % tKnown !== 0) fail(n, `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(target)}`);
  if (inKnown !== tKnown) {
    fail(n, `reshape ${fmtShape(x.shape)} -> ${fmtShape(target)} mixes the symbolic batch with other dims; fix the batch with --input`);
  }
  return target;
};

const matmul: Rule = (n, [a, b]) => {
  if (!a.shape || !b.shape) return undefined;
  if (a.shape.length !== 2 || b.shape.length !== 2) fail(n, `operands must be rank 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const [m, k1] = n.attrs.transpose_a === true ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, c] = n.attrs.transpose_b === true ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (!dimsMatch(k1, k2)) fail(n, `inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  return [m, c];
};

const biasAdd: Rule = (n, [x, b]) => {
  if (!x.shape || !b.shape) return undefined;
  if (b.shape.length !== 1) fail(n, `bias must be rank 1, got ${fmtShape(b.shape)}`);
  if (x.shape.length < 1 || !dimsMatch(x.shape[x.shape.length - 1], b.shape[0])) {
    fail(n, `bias ${fmtShape(b.shape)} does not match the last dim of ${fmtShape(x.shape)}`);
  }
  return x.shape;
};

const concat: Rule = (n, ins) => {
  const xs = ins.slice(0, -1);
  const axisV = constNumbers(ins[ins.length - 1]);
  if (!axisV || xs.some((x) => !x.shape)) return undefined;
  const shapes = xs.map((x) => x.shape as Shape);
  const rank = shapes[0].length;
  const axis = normAxis(n, axisV[0], rank);
  const out = [...shapes[0]];
  for (const s of shapes.slice(1)) {
    if (s.length !== rank) fail(n, `operands have different ranks: ${shapes.map(fmtShape).join(', ')}`);
    s.forEach((d, i) => {
      if (i === axis) out[i] = out[i] < 0 || d < 0 ? -1 : out[i] + d;
      else if (!dimsMatch(out[i], d)) fail(n, `operands differ outside the concat axis: ${shapes.map(fmtShape).join(', ')}`);
      else if (out[i] < 0) out[i] = d;
    });
  }
  return out;
};

const pad: Rule = (n, [x, p]) => {
  const pads = constNumbers(p);
  if (!x.shape || !pads) return undefined;
  if (pads.length !== 2 * x.shape.length) fail(n, `paddings has ${pads.length} values for rank ${x.shape.length}`);
  return x.shape.map((d, i) => (d < 0 ? -1 : d + pads[2 * i] + pads[2 * i + 1]));
};

const batchNorm: Rule = (n, ins) => {
  const x = ins[0];
  if (!x.shape) return undefined;
  const c = x.shape[x.shape.length - 1];
  for (const p of ins.slice(1)) {
    if (p.shape && (p.shape.length !== 1 || !dimsMatch(p.shape[0], c))) {
      fail(n, `parameter "${p.id}" ${fmtShape(p.shape)} does not match ${c} channels`);
    }
  }
  return x.shape;
};

const stridedSlice: Rule = (n, [x, b, e, s]) => {
  const [begin, end, strides] = [constNumbers(b), constNumbers(e), constNumbers(s)];
  if (!x.shape || !begin || !end || !strides) return undefined;
  const m = (k: string): number => (typeof n.attrs[k] === 'number' ? (n.attrs[k] as number) : 0);
  return planStridedSlice(x.shape, begin, end, strides, {
    begin_mask: m('begin_mask'),
    end_mask: m('end_mask'),
    ellipsis_mask: m('ellipsis_mask'),
    new_axis_mask: m('new_axis_mask'),
    shrink_axis_mask: m('shrink_axis_mask'),
  }, `node "${n.id}"`).outShape;
};

const pack: Rule = (n, ins) => {
  if (ins.some((x) => !x.shape)) return undefined;
  const s0 = ins[0].shape as Shape;
  for (const x of ins) {
    const s = x.shape as Shape;
    if (s.length !== s0.length || s.some((d, i) => !dimsMatch(d, s0[i]))) fail(n, `operands differ in shape: ${ins.map((y) => fmtShape(y.shape)).join(', ')}`);
  }
  const axis = typeof n.attrs.axis === 'number' ? n.attrs.axis : 0;
  const a = axis < 0 ? axis + s0.length + 1 : axis;
  if (a < 0 || a > s0.length) fail(n, `axis ${axis} out of range`);
  const out = [...s0];
  out.splice(a, 0, ins.length);
  return out;
};

const squeeze: Rule = (n, [x]) => {
  if (!x.shape) return undefined;
  const dims = n.attrs.squeeze_dims;
  const shape = x.shape;
  if (Array.isArray(dims) && dims.length > 0) {
    const set = new Set((dims as number[]).map((a) => normAxis(n, a, shape.length)));
    for (const a of set) if (shape[a] !== 1 && shape[a] !== -1) fail(n, `cannot squeeze dim ${a} of size ${shape[a]}`);
    return shape.filter((_, i) => !set.has(i));
  }
  return shape.filter((d) => d !== 1);
};

const expandDims: Rule = (n, [x, a]) => {
  const axisV = constNumbers(a);
  if (!x.shape || !axisV) return undefined;
  const r = x.shape.length;
  const axis = axisV[0] < 0 ? axisV[0] + r + 1 : axisV[0];
  if (axis < 0 || axis > r) fail(n, `axis ${axisV[0]} out of range for rank ${r}`);
  const out = [...x.shape];
  out.splice(axis, 0, 1);
  return out;
};

const transpose: Rule = (n, [x, p]) => {
  const perm = constNumbers(p);
  if (!x.shape || !perm) return undefined;
  const shape = x.shape;
  if (perm.length !== shape.length || new Set(perm).size !== perm.length || perm.some((q) => q < 0 || q >= shape.length)) {
    fail(n, `perm ${fmtShape(perm)} is not a permutation of rank ${shape.length}`);
  }
  return perm.map((q) => shape[q]);
};

const argMax: Rule = (n, [x, a]) => {
  const axisV = constNumbers(a);
  if (!x.shape || !axisV) return undefined;
  const axis = normAxis(n, axisV[0], x.shape.length);
  return x.shape.filter((_, i) => i !== axis);
};

const fill: Rule = (n, [d]) => {
  const dims = constNumbers(d);
  if (!dims) return undefined;
  if (dims.some((x) => x < 0 || !Number.isInteger(x))) fail(n, `dims ${fmtShape(dims)} must be sizes`);
  return dims;
};

const range: Rule = (n, [s, l, d]) => {
  const [start, limit, delta] = [constNumbers(s), constNumbers(l), constNumbers(d)];
  if (!start || !limit || !delta) return undefined;
  if (delta[0] === 0) fail(n, 'delta is 0');
  return [Math.max(0, Math.ceil((limit[0] - start[0]) / delta[0]))];
};

const gather: Rule = (n, [p, i, a]) => {
  const axisV = constNumbers(a);
  if (!p.shape || !i.shape || !axisV) return undefined;
  if (typeof n.attrs.batch_dims === 'number' && n.attrs.batch_dims !== 0) fail(n, 'batch_dims other than 0 is not supported');
  const axis = normAxis(n, axisV[0], p.shape.length);
  return [...p.shape.slice(0, axis), ...i.shape, ...p.shape.slice(axis + 1)];
};

const slice: Rule = (n, [x, b, s]) => {
  const [begin, size] = [constNumbers(b), constNumbers(s)];
  if (!x.shape || !begin || !size) return undefined;
  const shape = x.shape;
  if (begin.length !== shape.length || size.length !== shape.length) fail(n, `begin/size must have ${shape.length} entries`);
  return size.map((z, i) => {
    if (z !== -1) {
      if (shape[i] >= 0 && (begin[i] < 0 || begin[i] + z > shape[i])) fail(n, `slice [${begin[i]}, +${z}) exceeds dim ${i} of size ${shape[i]}`);
      return z;
    }
    return shape[i] < 0 ? -1 : shape[i] - begin[i];
  });
};

const tile: Rule = (n, [x, m]) => {
  const mult = constNumbers(m);
  if (!x.shape || !mult) return undefined;
  if (mult.length !== x.shape.length) fail(n, `multiples has ${mult.length} entries for rank ${x.shape.length}`);
  return x.shape.map((d, i) => (d < 0 ? -1 : d * mult[i]));
};

const RULES: Readonly<Record<Op, Rule>> = {
  Placeholder: (n) => n.shape,
  Const: (n) => constValue(n)?.shape,
  Add: broadcast,
  Sub: broadcast,
  Mul: broadcast,
  RealDiv: broadcast,
  Maximum: broadcast,
  Minimum: broadcast,
  BiasAdd: biasAdd,
  Neg: same,
  Identity: same,
  Relu: same,
  Relu6: same,
  Sigmoid: same,
  Tanh: same,
  Softmax: same,
  Rsqrt: same,
  Sqrt: same,
  Square: same,
  Reciprocal: same,
  Exp: same,
  Log: same,
  Floor: same,
  Cast: same,
  ZerosLike: same,
  OnesLike: same,
  MatMul: matmul,
  Conv2D: conv(false),
  DepthwiseConv2D: conv(true),
  MaxPool: pool,
  AvgPool: pool,
  Mean: reduce,
  Sum: reduce,
  Prod: reduce,
  ArgMax: argMax,
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  Transpose: transpose,
  Concat: concat,
  Pad: pad,
  FusedBatchNorm: batchNorm,
  Shape: (_n, [x]) => (x.shape ? [x.shape.length] : undefined),
  Size: () => [],
  Rank: () => [],
  StridedSlice: stridedSlice,
  Pack: pack,
  Fill: fill,
  Range: range,
  GatherV2: gather,
  Slice: slice,
  Tile: tile,
};

/**
 * The output shape of `n` given its operand nodes (in operand order), or undefined
 * when it cannot be known yet. E_SHAPE naming the node on a contradiction.
 */
export function inferShape(n: IrNode, operands: readonly IrNode[]): Shape | undefined {
  return RULES[n.op](n, operands);
}
