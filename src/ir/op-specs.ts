/**
 * Per-op contract of the TF-level IR, as data: operand count, attributes (required
 * and optional, with their kinds), which operands must be constants, and the dtype
 * rule. The verifier checks nodes against this table; shape rules live in
 * `shape-rules.ts`, evaluation in `eval/`.
 *
 * Attribute conventions every frontend follows (TensorFlow's, NHWC only):
 * - MatMul [a, b]: `transpose_a`, `transpose_b` booleans (default false).
 * - BiasAdd [x, bias]: rank-1 bias added along the last axis.
 * - Conv2D [x NHWC, filter HWIO]: `strides` [1,sh,sw,1] or [sh,sw], `padding` 'SAME'|'VALID',
 *   `dilations` [1,dh,dw,1] or [dh,dw] (default ones), `data_format` 'NHWC' (default).
 * - DepthwiseConv2D [x, filter [kh,kw,C,M]]: same attrs; output channel c*M+m.
 * - MaxPool / AvgPool [x]: `ksize` [1,kh,kw,1] or [kh,kw], `strides`, `padding`.
 *   (Keras writes TF's 4-vectors, the GraphDef frontend the [h,w] pairs: both are valid;
 *   the normalize-attrs pass rewrites them all as [1,h,w,1] and fills in defaults.)
 * - Mean / Sum / Prod [x, axes Const]: `keep_dims` (default false).
 * - ArgMax [x, axis Const]; Reshape [x, shape Const]; Concat [...xs, axis Const];
 *   Pad [x, paddings Const [rank,2]]; ExpandDims [x, axis Const]; Transpose [x, perm Const];
 *   Squeeze [x] `squeeze_dims` (default: all size-1 dims).
 * - FusedBatchNorm [x, scale, offset, mean, variance]: `epsilon` (default 1e-4, TF's).
 * - StridedSlice [x, begin, end, strides]: `begin_mask`, `end_mask`, `ellipsis_mask`,
 *   `new_axis_mask`, `shrink_axis_mask` (default 0). Pack [...xs] `axis` (default 0).
 *   GatherV2 [params, indices, axis] `batch_dims` (default 0). Slice [x, begin, size].
 *   Fill [dims, value]; Range [start, limit, delta]; Tile [x, multiples].
 * - Cast [x]: the target type is the node's dtype.
 * - Const: `value` TensorData (its dtype and shape are the node's). Placeholder: the
 *   node's shape (batch -1), no operands.
 */
import type { DType } from './node.js';
import type { Op } from './ops.js';

/** The kind of an attribute value, checked by the verifier. */
export type AttrKind = 'bool' | 'int' | 'float' | 'string' | 'ints' | 'tensor';

/** How a node's dtype relates to its operands'. */
export type DTypeRule =
  /** No operands (Placeholder, Const): the node's own dtype. */
  | 'source'
  /** The dtype of every data operand (listed in `dataInputs`), which must agree. */
  | 'same'
  /** An integer index or size type (int32 or int64), whatever the operands. */
  | 'index'
  /** Any dtype (Cast: the target). */
  | 'any';

export interface OpSpec {
  /** Least and greatest number of operands (Infinity for variadic ops). */
  readonly minInputs: number;
  readonly maxInputs: number;
  readonly requiredAttrs: Readonly<Record<string, AttrKind>>;
  readonly optionalAttrs: Readonly<Record<string, AttrKind>>;
  /** Operand positions (negative: from the end) that must be Const once folding has run. */
  readonly constInputs: readonly number[];
  /** Operand positions whose dtype the `same` rule compares (default: all non-const ones). */
  readonly dataInputs?: readonly number[];
  readonly dtype: DTypeRule;
}

const convAttrs = { strides: 'ints', padding: 'string' } as const;
const convOptional = { dilations: 'ints', data_format: 'string' } as const;
const poolAttrs = { ksize: 'ints', strides: 'ints', padding: 'string' } as const;

function spec(
  minInputs: number,
  maxInputs: number,
  dtype: DTypeRule,
  extra: Partial<Pick<OpSpec, 'requiredAttrs' | 'optionalAttrs' | 'constInputs' | 'dataInputs'>> = {},
): OpSpec {
  return {
    minInputs,
    maxInputs,
    dtype,
    requiredAttrs: extra.requiredAttrs ?? {},
    optionalAttrs: extra.optionalAttrs ?? {},
    constInputs: extra.constInputs ?? [],
    ...(extra.dataInputs ? { dataInputs: extra.dataInputs } : {}),
  };
}

const unary = spec(1, 1, 'same');
const binary = spec(2, 2, 'same');
const reduceSpec = spec(2, 2, 'same', { optionalAttrs: { keep_dims: 'bool' }, constInputs: [1], dataInputs: [0] });

/** The contract of every op in the vocabulary (a closed record: adding an op without a spec fails to compile). */
export const OP_SPECS: Readonly<Record<Op, OpSpec>> = {
  Placeholder: spec(0, 0, 'source'),
  Const: spec(0, 0, 'source', { requiredAttrs: { value: 'tensor' } }),
  Add: binary,
  Sub: binary,
  Mul: binary,
  BiasAdd: spec(2, 2, 'same', { optionalAttrs: { data_format: 'string' } }),
  Neg: unary,
  Identity: unary,
  Relu: unary,
  Relu6: unary,
  Sigmoid: unary,
  Tanh: unary,
  Softmax: unary,
  MatMul: spec(2, 2, 'same', { optionalAttrs: { transpose_a: 'bool', transpose_b: 'bool' } }),
  Conv2D: spec(2, 2, 'same', { requiredAttrs: convAttrs, optionalAttrs: convOptional }),
  DepthwiseConv2D: spec(2, 2, 'same', { requiredAttrs: convAttrs, optionalAttrs: convOptional }),
  MaxPool: spec(1, 1, 'same', { requiredAttrs: poolAttrs, optionalAttrs: { data_format: 'string' } }),
  AvgPool: spec(1, 1, 'same', { requiredAttrs: poolAttrs, optionalAttrs: { data_format: 'string' } }),
  Mean: reduceSpec,
  Sum: reduceSpec,
  ArgMax: spec(2, 2, 'index', { constInputs: [1] }),
  Reshape: spec(2, 2, 'same', { constInputs: [1], dataInputs: [0] }),
  Squeeze: spec(1, 1, 'same', { optionalAttrs: { squeeze_dims: 'ints' } }),
  ExpandDims: spec(2, 2, 'same', { constInputs: [1], dataInputs: [0] }),
  Transpose: spec(2, 2, 'same', { constInputs: [1], dataInputs: [0] }),
  Concat: spec(2, Infinity, 'same', { constInputs: [-1] }),
  Pad: spec(2, 2, 'same', { constInputs: [1], dataInputs: [0] }),
  FusedBatchNorm: spec(5, 5, 'same', { optionalAttrs: { epsilon: 'float', data_format: 'string' } }),
  Shape: spec(1, 1, 'index'),
  StridedSlice: spec(4, 4, 'same', {
    optionalAttrs: {
      begin_mask: 'int', end_mask: 'int', ellipsis_mask: 'int', new_axis_mask: 'int', shrink_axis_mask: 'int',
    },
    constInputs: [1, 2, 3],
    dataInputs: [0],
  }),
  Pack: spec(1, Infinity, 'same', { optionalAttrs: { axis: 'int' } }),
  Rsqrt: unary,
  Sqrt: unary,
  RealDiv: binary,
  Cast: spec(1, 1, 'any'),
  Fill: spec(2, 2, 'same', { constInputs: [0], dataInputs: [1] }),
  Range: spec(3, 3, 'same'),
  Prod: reduceSpec,
  Maximum: binary,
  Minimum: binary,
  Square: unary,
  Reciprocal: unary,
  Exp: unary,
  Log: unary,
  Floor: unary,
  Size: spec(1, 1, 'index'),
  Rank: spec(1, 1, 'index'),
  GatherV2: spec(3, 3, 'same', { optionalAttrs: { batch_dims: 'int' }, constInputs: [2], dataInputs: [0] }),
  Slice: spec(3, 3, 'same', { constInputs: [1, 2], dataInputs: [0] }),
  Tile: spec(2, 2, 'same', { constInputs: [1], dataInputs: [0] }),
  ZerosLike: unary,
  OnesLike: unary,
};

export const INDEX_DTYPES: readonly DType[] = ['int32', 'int64'];
export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];
export const ALL_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool', 'string'];

/** The positions of `spec`'s data operands for a node with `n` operands. */
export function dataInputPositions(s: OpSpec, n: number): number[] {
  if (s.dataInputs) return s.dataInputs.filter((i) => i < n);
  const consts = new Set(s.constInputs.map((i) => (i < 0 ? n + i : i)));
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!consts.has(i)) out.push(i);
  return out;
}

/** The positions of `spec`'s must-be-constant operands for a node with `n` operands. */
export function constInputPositions(s: OpSpec, n: number): number[] {
  return s.constInputs.map((i) => (i < 0 ? n + i : i)).filter((i) => i >= 0 && i < n);
}

/**
 * A window attribute (`strides`, `ksize`, `dilations`) as [h, w]. Frontends write it
 * either as TF's NHWC 4-vector [1, h, w, 1] (Keras) or as the pair [h, w] (GraphDef);
 * both are accepted. Returns `fallback` when absent, undefined when malformed.
 */
export function spatialPair(v: unknown, fallback: readonly [number, number] | undefined): [number, number] | undefined {
  if (v === undefined) return fallback ? [fallback[0], fallback[1]] : undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) return undefined;
  if (v.length === 2) return [v[0], v[1]];
  if (v.length === 4 && v[0] === 1 && v[3] === 1) return [v[1], v[2]];
  return undefined;
}
