/**
 * The ring-level IR: what the fixed-point passes work on, between the TF-level graph
 * (ops.ts) and a protocol's kernels. Values are fixed-point numbers in Z_2^64; every
 * node carries its shape (-1: the batch), and, as the secure pipeline goes on, its
 * visibility (visibility pass), its bound on |real value| and its scale (fixed-point
 * pass). Ops are a closed union with named groups, like the TF level.
 *
 * Conventions: `const` nodes hold float64 values the compiler encodes (model
 * parameters: `attrs.param = true`, secret by default; compiler constants such as a
 * clamp's 1.0: public). `rescale` reinterprets the same ring integers at `shift` more
 * fractional bits (the real value divided by 2^shift) and costs nothing; `trunc`
 * divides the integers by 2^bits (the scale drops by bits, the real value stays).
 */

/** Sources: the client's inputs and the compile-time constants. */
export const RING_SOURCE_OPS = ['input', 'const'] as const;
/** Products: output scale = sum of the operand scales. */
export const RING_PRODUCT_OPS = ['matmul', 'conv2d', 'depthwise_conv2d', 'mul'] as const;
/** Local arithmetic: operands aligned to one scale. */
export const RING_LOCAL_OPS = ['add', 'sub', 'neg'] as const;
/** Scale changes: trunc (divides the integers), rescale (reinterprets them). */
export const RING_SCALE_OPS = ['trunc', 'rescale'] as const;
/**
 * Activations: relu (exact comparison, scale-agnostic), poly (a public polynomial on
 * inputs at the plan's fractional bits), piecewise (public polynomials on segments
 * chosen by exact comparisons, input and output at the plan's fractional bits:
 * attrs.breaks, attrs.centres, attrs.coeffs (one row per segment), attrs.below /
 * attrs.above (the values outside), attrs.termScale and attrs.truncateLast (the inner
 * scales); compiler/secure/piecewise.ts), and sigmoid / tanh before the activations
 * pass replaces them by their approximation.
 */
export const RING_ACTIVATION_OPS = ['relu', 'poly', 'piecewise', 'sigmoid', 'tanh'] as const;
/** NHWC windows: maxpool (exact comparisons), avgpool (sum times a public reciprocal). */
export const RING_POOLING_OPS = ['maxpool', 'avgpool'] as const;
/** Reductions: sum over axes, argmax over the last axis (an integer, scale 0). */
export const RING_REDUCTION_OPS = ['sum', 'argmax'] as const;
/** Data movement: free, scale kept. */
export const RING_LAYOUT_OPS = ['reshape', 'transpose', 'pad', 'slice', 'concat'] as const;
/** Sinks: an output revealed to its receiver. */
export const RING_SINK_OPS = ['output'] as const;

export const RING_OP_GROUPS = {
  source: RING_SOURCE_OPS,
  product: RING_PRODUCT_OPS,
  local: RING_LOCAL_OPS,
  scale: RING_SCALE_OPS,
  activation: RING_ACTIVATION_OPS,
  pooling: RING_POOLING_OPS,
  reduction: RING_REDUCTION_OPS,
  layout: RING_LAYOUT_OPS,
  sink: RING_SINK_OPS,
} as const;

export type RingOpGroup = keyof typeof RING_OP_GROUPS;
export type RingOp = (typeof RING_OP_GROUPS)[RingOpGroup][number];

const ALL: ReadonlySet<string> = new Set(Object.values(RING_OP_GROUPS).flat());

export function isRingOp(s: string): s is RingOp {
  return ALL.has(s);
}

export function inRingGroup(op: RingOp, group: RingOpGroup): boolean {
  return (RING_OP_GROUPS[group] as readonly string[]).includes(op);
}

/** Operand count of each op: [min, max]. */
export const RING_ARITY: Readonly<Record<RingOp, readonly [number, number]>> = {
  input: [0, 0], const: [0, 0],
  matmul: [2, 2], conv2d: [2, 2], depthwise_conv2d: [2, 2], mul: [2, 2],
  add: [2, 2], sub: [2, 2], neg: [1, 1],
  trunc: [1, 1], rescale: [1, 1],
  relu: [1, 1], poly: [1, 1], piecewise: [1, 1], sigmoid: [1, 1], tanh: [1, 1],
  maxpool: [1, 1], avgpool: [1, 1],
  sum: [1, 1], argmax: [1, 1],
  reshape: [1, 1], transpose: [1, 1], pad: [1, 1], slice: [1, 1], concat: [1, Infinity],
  output: [1, 1],
};

export type RingAttrValue = number | string | boolean | readonly number[] | readonly (readonly number[])[];
export type RingAttrs = Readonly<Record<string, RingAttrValue>>;

export type Visibility = 'secret' | 'public';

/** One ring-level node; immutable, one output named by `id`. */
export interface RingNode {
  readonly id: string;
  readonly op: RingOp;
  readonly inputs: readonly string[];
  readonly attrs: RingAttrs;
  /** Output shape, -1 for the batch dimension. */
  readonly shape: readonly number[];
  /** The TF-level node this one implements (for --explain and errors). */
  readonly source: string;
  /** `const` only: the real values, row-major. */
  readonly value?: Float64Array;
  /** Set by the visibility pass. */
  readonly vis?: Visibility;
  /** Set by the fixed-point pass: a bound on |real value| of every element. */
  readonly bound?: number;
  /** Set by the fixed-point pass: fractional bits of the encoding. */
  readonly scale?: number;
  /** An approximation this node makes: method, domain, maximum error. */
  readonly approximation?: string;
}

export interface RingGraph {
  /** Topological order. */
  readonly nodes: readonly RingNode[];
  readonly fracBits: number;
  readonly source: { readonly format: string; readonly path: string };
}
