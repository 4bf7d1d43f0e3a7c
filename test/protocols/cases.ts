/**
 * The conformance cases: for every Pond kernel, several shapes and attribute sets,
 * with input generators and the tolerance the kernel's doc comment promises.
 */
import { encode } from '../../src/fixed/index.js';
import { fromValues, ringTensor, type RingTensor, type Shape } from '../../runtime/ring/tensor.js';
import type { KernelAttrs } from '../../runtime/protocols/types.js';
import { polyErrorUlps } from '../../src/protocols/pond.js';
import { EDGE_VALUES, intRing, signedRing, uniformRing } from '../support/random.js';

export type Tolerance =
  | { readonly kind: 'exact' }
  /** result in {floor, floor + 1} of the exact value */
  | { readonly kind: 'trunc' }
  /** |pond - ref| <= ulps, compared as signed integers */
  | { readonly kind: 'ulps'; readonly ulps: number };

export interface Case {
  readonly kernel: string;
  readonly label: string;
  readonly inputs: () => { kind: 'secret' | 'public'; value: RingTensor }[];
  readonly attrs: KernelAttrs;
  readonly tol: Tolerance;
}

const EXACT: Tolerance = { kind: 'exact' };
const s = (value: RingTensor) => ({ kind: 'secret' as const, value });
const p = (value: RingTensor) => ({ kind: 'public' as const, value });
const U = (shape: Shape) => uniformRing(shape);

/** Signed values of up to `bits` bits with the ring's edge values mixed in. */
function withEdges(shape: Shape, bits: number): RingTensor {
  const t = signedRing(shape, bits);
  EDGE_VALUES.forEach((v, i) => {
    if (i < t.data.length) t.data[i] = v;
  });
  return t;
}

function fixed(values: number[], shape: Shape, f = 16): RingTensor {
  return ringTensor(shape, encode(values, f));
}

function uniformReals(n: number, lo: number, hi: number): number[] {
  const u = uniformRing([n]);
  return Array.from(u.data, (v) => lo + (hi - lo) * Number(v >> 11n) / 2 ** 53);
}

const bits = (shape: Shape) => intRing(shape, 0, 2);

/** poly_s's documented bound, plus 0.5 ulp for the reference's own rounding to fixed point. */
function polyTol(coeffs: number[], bound: number): Tolerance {
  return { kind: 'ulps', ulps: Math.ceil(polyErrorUlps(coeffs, bound) + 0.5) };
}

export const CASES: readonly Case[] = [
  { kernel: 'add_ss', label: '[3,4]+[3,4]', inputs: () => [s(U([3, 4])), s(U([3, 4]))], attrs: {}, tol: EXACT },
  { kernel: 'add_ss', label: 'broadcast [2,3,4]+[4]', inputs: () => [s(U([2, 3, 4])), s(U([4]))], attrs: {}, tol: EXACT },
  { kernel: 'add_sp', label: '[5]+[5]', inputs: () => [s(U([5])), p(U([5]))], attrs: {}, tol: EXACT },
  { kernel: 'add_sp', label: 'broadcast [2,3]+[3]', inputs: () => [s(U([2, 3])), p(U([3]))], attrs: {}, tol: EXACT },
  { kernel: 'sub_ss', label: '[4,2]-[4,2]', inputs: () => [s(U([4, 2])), s(U([4, 2]))], attrs: {}, tol: EXACT },
  { kernel: 'sub_sp', label: '[3]-[1]', inputs: () => [s(U([3])), p(U([1]))], attrs: {}, tol: EXACT },
  { kernel: 'sub_ps', label: '[2,2]-[2,2]', inputs: () => [p(U([2, 2])), s(U([2, 2]))], attrs: {}, tol: EXACT },
  { kernel: 'neg_s', label: 'edges', inputs: () => [s(withEdges([12], 63))], attrs: {}, tol: EXACT },
  { kernel: 'mul_ss', label: '[5,3]*[5,3]', inputs: () => [s(U([5, 3])), s(U([5, 3]))], attrs: {}, tol: EXACT },
  { kernel: 'mul_ss', label: 'broadcast [4,3]*[3], cached', inputs: () => [s(U([4, 3])), s(U([3]))], attrs: { cacheKey: 'w' }, tol: EXACT },
  { kernel: 'mul_sp', label: 'edges*[12]', inputs: () => [s(withEdges([12], 63)), p(U([12]))], attrs: {}, tol: EXACT },
  { kernel: 'matmul_ss', label: '[2,5]x[5,3]', inputs: () => [s(U([2, 5])), s(U([5, 3]))], attrs: {}, tol: EXACT },
  { kernel: 'matmul_ss', label: '[1,7]x[7,4] cached weights', inputs: () => [s(U([1, 7])), s(U([7, 4]))], attrs: { cacheKey: 'dense/w' }, tol: EXACT },
  { kernel: 'matmul_ss', label: 'batched [2,3,4]x[4,2]', inputs: () => [s(U([2, 3, 4])), s(U([4, 2]))], attrs: {}, tol: EXACT },
  { kernel: 'matmul_sp', label: '[3,4]x[4,2]', inputs: () => [s(U([3, 4])), p(U([4, 2]))], attrs: {}, tol: EXACT },
  { kernel: 'matmul_ps', label: '[2,3]x[3,3]', inputs: () => [p(U([2, 3])), s(U([3, 3]))], attrs: {}, tol: EXACT },
  { kernel: 'conv2d_ss', label: '[1,6,6,2]*[3,3,2,3] SAME s1', inputs: () => [s(U([1, 6, 6, 2])), s(U([3, 3, 2, 3]))], attrs: { strides: [1, 1], padding: 'SAME' }, tol: EXACT },
  { kernel: 'conv2d_ss', label: '[2,7,7,1]*[5,5,1,2] VALID s2 cached', inputs: () => [s(U([2, 7, 7, 1])), s(U([5, 5, 1, 2]))], attrs: { strides: [2, 2], padding: 'VALID', cacheKey: 'conv/w' }, tol: EXACT },
  { kernel: 'conv2d_sp', label: '[1,5,5,2]*[2,2,2,2] SAME s2', inputs: () => [s(U([1, 5, 5, 2])), p(U([2, 2, 2, 2]))], attrs: { strides: [2, 2], padding: 'SAME' }, tol: EXACT },
  { kernel: 'depthwise_conv2d_ss', label: '[1,5,5,3]*[3,3,3,2] SAME', inputs: () => [s(U([1, 5, 5, 3])), s(U([3, 3, 3, 2]))], attrs: { strides: [1, 1], padding: 'SAME' }, tol: EXACT },
  { kernel: 'depthwise_conv2d_sp', label: '[1,6,6,2]*[2,2,2,1] VALID s2', inputs: () => [s(U([1, 6, 6, 2])), p(U([2, 2, 2, 1]))], attrs: { strides: [2, 2], padding: 'VALID' }, tol: EXACT },
  { kernel: 'trunc_s', label: '16 bits, |x| < 2^61', inputs: () => [s(signedRing([200], 61))], attrs: { bits: 16 }, tol: { kind: 'trunc' } },
  { kernel: 'trunc_s', label: '1 bit, near ±2^62', inputs: () => [s(fromValues([6], [(1n << 62n) - 1n, -((1n << 62n) - 1n), (1n << 62n) - 2n, 0n, 1n, -1n]))], attrs: { bits: 1 }, tol: { kind: 'trunc' } },
  { kernel: 'trunc_s', label: '40 bits', inputs: () => [s(signedRing([50], 62))], attrs: { bits: 40 }, tol: { kind: 'trunc' } },
  { kernel: 'poly_s', label: 'degree 3 on [-4,4]', inputs: () => [s(fixed(uniformReals(40, -4, 4), [40]))], attrs: { coeffs: [0.5, 0.25, 0, -0.01], fracBits: 16 }, tol: polyTol([0.5, 0.25, 0, -0.01], 4) },
  { kernel: 'poly_s', label: 'degree 1', inputs: () => [s(fixed(uniformReals(10, -8, 8), [2, 5]))], attrs: { coeffs: [-1.5, 2], fracBits: 16 }, tol: polyTol([-1.5, 2], 8) },
  { kernel: 'poly_s', label: 'degree 5 on [-2,2]', inputs: () => [s(fixed(uniformReals(30, -2, 2), [30]))], attrs: { coeffs: [0.5, 0.2, 0, -0.004, 0, 0.0001], fracBits: 16 }, tol: polyTol([0.5, 0.2, 0, -0.004, 0, 0.0001], 2) },
  { kernel: 'drelu_s', label: 'whole ring with edges', inputs: () => [s(withEdges([64], 63))], attrs: {}, tol: EXACT },
  { kernel: 'drelu_s', label: 'small values', inputs: () => [s(intRing([3, 7], -3, 4))], attrs: {}, tol: EXACT },
  { kernel: 'relu_s', label: 'whole ring with edges', inputs: () => [s(withEdges([70], 63))], attrs: {}, tol: EXACT },
  { kernel: 'relu_s', label: 'fixed-point [2,3,4]', inputs: () => [s(signedRing([2, 3, 4], 30))], attrs: {}, tol: EXACT },
  { kernel: 'select_s', label: '[9]', inputs: () => [s(bits([9])), s(U([9])), s(U([9]))], attrs: {}, tol: EXACT },
  { kernel: 'maxpool_s', label: '[1,4,4,2] 2x2/2 VALID', inputs: () => [s(signedRing([1, 4, 4, 2], 40))], attrs: { ksize: [2, 2], strides: [2, 2], padding: 'VALID' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[1,4,4,2] 2x2/2 VALID, all pairs', inputs: () => [s(signedRing([1, 4, 4, 2], 40))], attrs: { ksize: [2, 2], strides: [2, 2], padding: 'VALID', method: 'pairs' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[2,5,5,1] 3x3/2 SAME', inputs: () => [s(signedRing([2, 5, 5, 1], 61))], attrs: { ksize: [3, 3], strides: [2, 2], padding: 'SAME' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[1,4,4,3] 2x2/2 VALID, relu (all pairs with 0)', inputs: () => [s(signedRing([1, 4, 4, 3], 40))], attrs: { ksize: [2, 2], strides: [2, 2], padding: 'VALID', relu: true, method: 'pairs' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[1,3,4,2] 1x2/1 VALID, ties (all pairs)', inputs: () => [s(ringTensor([1, 3, 4, 2], BigUint64Array.from({ length: 24 }, (_, i) => BigInt(i % 3) - 1n)))], attrs: { ksize: [1, 2], strides: [1, 1], padding: 'VALID', method: 'pairs' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[1,4,4,1] 1x1/1, relu (two candidates)', inputs: () => [s(signedRing([1, 4, 4, 1], 50))], attrs: { ksize: [1, 1], strides: [1, 1], padding: 'VALID', relu: true, method: 'pairs' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[2,4,4,1] 2x2/2 VALID, relu, auto (8 elements: pairs)', inputs: () => [s(signedRing([2, 4, 4, 1], 40))], attrs: { ksize: [2, 2], strides: [2, 2], padding: 'VALID', relu: true, method: 'auto' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[1,130,130,1] 2x2/2 VALID, relu, auto (4225 elements: tournament)', inputs: () => [s(signedRing([1, 130, 130, 1], 40))], attrs: { ksize: [2, 2], strides: [2, 2], padding: 'VALID', relu: true, method: 'auto' }, tol: EXACT },
  { kernel: 'maxpool_s', label: '[2,5,5,2] 3x3/2 SAME, relu (tournament of 10)', inputs: () => [s(signedRing([2, 5, 5, 2], 61))], attrs: { ksize: [3, 3], strides: [2, 2], padding: 'SAME', relu: true }, tol: EXACT },
  { kernel: 'avgpool_s', label: '[1,4,4,2] 2x2/2 VALID', inputs: () => [s(signedRing([1, 4, 4, 2], 30))], attrs: { ksize: [2, 2], strides: [2, 2], padding: 'VALID', fracBits: 16 }, tol: EXACT },
  { kernel: 'avgpool_s', label: '[1,5,5,1] 3x3/1 SAME', inputs: () => [s(signedRing([1, 5, 5, 1], 30))], attrs: { ksize: [3, 3], strides: [1, 1], padding: 'SAME', fracBits: 16 }, tol: EXACT },
  { kernel: 'argmax_s', label: '[3,10]', inputs: () => [s(signedRing([3, 10], 40))], attrs: {}, tol: EXACT },
  { kernel: 'argmax_s', label: 'ties [4,5]', inputs: () => [s(intRing([4, 5], 0, 3))], attrs: {}, tol: EXACT },
  { kernel: 'reshape_s', label: '[2,6]->[3,-1]', inputs: () => [s(U([2, 6]))], attrs: { shape: [3, -1] }, tol: EXACT },
  { kernel: 'transpose_s', label: '[2,3,4] perm 2,0,1', inputs: () => [s(U([2, 3, 4]))], attrs: { perm: [2, 0, 1] }, tol: EXACT },
  { kernel: 'pad_s', label: '[2,3] pad', inputs: () => [s(U([2, 3]))], attrs: { paddings: [[1, 0], [2, 1]] }, tol: EXACT },
  { kernel: 'slice_s', label: '[4,5] slice', inputs: () => [s(U([4, 5]))], attrs: { begin: [1, 2], size: [2, -1] }, tol: EXACT },
  { kernel: 'concat_s', label: '[2,3]+[2,2] axis 1', inputs: () => [s(U([2, 3])), s(U([2, 2]))], attrs: { axis: 1 }, tol: EXACT },
  { kernel: 'sum_s', label: '[2,3,4] axes 0,2', inputs: () => [s(U([2, 3, 4]))], attrs: { axes: [0, 2], keepDims: false }, tol: EXACT },
  { kernel: 'sum_s', label: '[3,4] axis -1 keepDims', inputs: () => [s(U([3, 4]))], attrs: { axes: [-1], keepDims: true }, tol: EXACT },
];
