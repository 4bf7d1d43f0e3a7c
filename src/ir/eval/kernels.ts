/**
 * The kernel registry: one float64 implementation per IR op (a closed record, so an op
 * without a kernel does not compile). These kernels define the reference semantics of
 * the IR; the plaintext interpreter and constant folding both run them.
 */
import { TfeError } from '../../errors.js';
import type { Op } from '../ops.js';
import { biasAdd, binary, cast, fillLike, type Kernel, relu, relu6, sigmoid, softmax, unary } from './elementwise.js';
import { conv2d, depthwiseConv2d, fusedBatchNorm, matMul } from './linear.js';
import * as mv from './movement.js';
import { avgPool, maxPool } from './pool.js';
import { argMax, mean, prod, sum } from './reduce.js';

const source: Kernel = (n) => {
  throw new TfeError('E_IR', `node "${n.id}" (${n.op}) is a source: the evaluator feeds it, it has no kernel`);
};

export const KERNELS: Readonly<Record<Op, Kernel>> = {
  Placeholder: source,
  Const: source,
  Add: binary((x, y) => x + y),
  Sub: binary((x, y) => x - y),
  Mul: binary((x, y) => x * y),
  RealDiv: binary((x, y) => x / y),
  Maximum: binary((x, y) => (x >= y ? x : y)),
  Minimum: binary((x, y) => (x <= y ? x : y)),
  BiasAdd: biasAdd,
  Neg: unary((x) => -x),
  Identity: (_n, [x]) => x,
  Relu: relu,
  Relu6: relu6,
  Sigmoid: sigmoid,
  Tanh: unary(Math.tanh),
  Softmax: softmax,
  Rsqrt: unary((x) => 1 / Math.sqrt(x)),
  Sqrt: unary(Math.sqrt),
  Square: unary((x) => x * x),
  Reciprocal: unary((x) => 1 / x),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Floor: unary(Math.floor),
  Cast: cast,
  ZerosLike: fillLike(0),
  OnesLike: fillLike(1),
  MatMul: matMul,
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  FusedBatchNorm: fusedBatchNorm,
  MaxPool: maxPool,
  AvgPool: avgPool,
  Mean: mean,
  Sum: sum,
  Prod: prod,
  ArgMax: argMax,
  Reshape: mv.reshape,
  Squeeze: mv.squeeze,
  ExpandDims: mv.expandDims,
  Transpose: mv.transpose,
  Concat: mv.concat,
  Pad: mv.pad,
  Shape: mv.shapeOf,
  Size: mv.sizeOf,
  Rank: mv.rankOf,
  StridedSlice: mv.stridedSlice,
  Slice: mv.slice,
  Pack: mv.pack,
  Fill: mv.fill,
  Range: mv.range,
  GatherV2: mv.gatherV2,
  Tile: mv.tile,
};
