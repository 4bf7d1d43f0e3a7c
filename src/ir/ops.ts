/**
 * The TensorFlow-level op vocabulary of the IR: a closed union, grouped by what
 * passes match on. Frontends normalise their formats' ops into these names
 * (AddV2 -> Add, FusedBatchNormV3 -> FusedBatchNorm, _FusedMatMul -> MatMul +
 * BiasAdd + activation, Keras layers -> the ops they compute).
 */

/** Graph sources. */
export const SOURCE_OPS = ['Placeholder', 'Const'] as const;
/** Elementwise binary arithmetic with NumPy broadcasting (BiasAdd: rank-1 bias on the last axis). */
export const ELEMENTWISE_BINARY_OPS = ['Add', 'Sub', 'Mul', 'BiasAdd'] as const;
/** Elementwise unary ops that are linear or identity. */
export const ELEMENTWISE_UNARY_OPS = ['Neg', 'Identity'] as const;
/** Non-linear activations (Softmax acts on the last axis). */
export const ACTIVATION_OPS = ['Relu', 'Relu6', 'Sigmoid', 'Tanh', 'Softmax'] as const;
/** Ops that contract a secret operand with another (Beaver triples in MPC). */
export const LINEAR_OPS = ['MatMul', 'Conv2D', 'DepthwiseConv2D'] as const;
/** Window ops over NHWC tensors. */
export const POOLING_OPS = ['MaxPool', 'AvgPool'] as const;
/** Reductions over axes (ArgMax over one axis). */
export const REDUCTION_OPS = ['Mean', 'Sum', 'ArgMax'] as const;
/** Ops that only move or reinterpret data. */
export const SHAPE_OPS = ['Reshape', 'Squeeze', 'ExpandDims', 'Transpose', 'Concat', 'Pad'] as const;
/** Normalisation layers, folded into a preceding linear op where possible. */
export const NORMALIZATION_OPS = ['FusedBatchNorm'] as const;
/**
 * Ops the plaintext interpreter evaluates but the secure compiler accepts only on
 * constant inputs (they are folded away): shape arithmetic and float helpers.
 */
export const FOLDABLE_OPS = [
  'Shape', 'StridedSlice', 'Pack', 'Rsqrt', 'Sqrt', 'RealDiv', 'Cast', 'Fill', 'Range', 'Prod',
  'Maximum', 'Minimum', 'Square', 'Reciprocal', 'Exp', 'Log', 'Floor', 'Size', 'Rank', 'GatherV2',
  'Slice', 'Tile', 'ZerosLike', 'OnesLike',
] as const;

export type SourceOp = (typeof SOURCE_OPS)[number];
export type ElementwiseBinaryOp = (typeof ELEMENTWISE_BINARY_OPS)[number];
export type ElementwiseUnaryOp = (typeof ELEMENTWISE_UNARY_OPS)[number];
export type ActivationOp = (typeof ACTIVATION_OPS)[number];
export type LinearOp = (typeof LINEAR_OPS)[number];
export type PoolingOp = (typeof POOLING_OPS)[number];
export type ReductionOp = (typeof REDUCTION_OPS)[number];
export type ShapeOp = (typeof SHAPE_OPS)[number];
export type NormalizationOp = (typeof NORMALIZATION_OPS)[number];
export type FoldableOp = (typeof FOLDABLE_OPS)[number];

export type Op =
  | SourceOp
  | ElementwiseBinaryOp
  | ElementwiseUnaryOp
  | ActivationOp
  | LinearOp
  | PoolingOp
  | ReductionOp
  | ShapeOp
  | NormalizationOp
  | FoldableOp;

export const OP_GROUPS = {
  source: SOURCE_OPS,
  elementwiseBinary: ELEMENTWISE_BINARY_OPS,
  elementwiseUnary: ELEMENTWISE_UNARY_OPS,
  activation: ACTIVATION_OPS,
  linear: LINEAR_OPS,
  pooling: POOLING_OPS,
  reduction: REDUCTION_OPS,
  shape: SHAPE_OPS,
  normalization: NORMALIZATION_OPS,
  foldable: FOLDABLE_OPS,
} as const;

export type OpGroup = keyof typeof OP_GROUPS;

const ALL_OPS: ReadonlySet<string> = new Set(Object.values(OP_GROUPS).flat());

export function isOp(name: string): name is Op {
  return ALL_OPS.has(name);
}

export function opGroup(op: Op): OpGroup {
  for (const [group, ops] of Object.entries(OP_GROUPS) as [OpGroup, readonly string[]][]) {
    if (ops.includes(op)) return group;
  }
  throw new Error(`unreachable: op ${op} has no group`);
}

export function inGroup(op: Op, group: OpGroup): boolean {
  return (OP_GROUPS[group] as readonly string[]).includes(op);
}
