/**
 * Value ranges: one closed interval [lo, hi] per tensor that bounds every element, as
 * the fold-ranges pass uses them to prove that a node is constant whatever its random
 * operands draw (e.g. floor(keep_prob + U) = 1 for keep_prob = 1 and U in [0, 1)).
 *
 * Soundness with floating point: endpoints are computed in float64 and then rounded to
 * the node's dtype (float32: Math.fround). Rounding to nearest is monotone, so for an
 * op monotone in each operand on the interval (add, sub, mul by a sign-known factor,
 * neg, floor, max, min) the rounded endpoints bound the rounded results. For float32
 * operands the float64 sum or product is the exact one (24 + 24 bits fit in 53, and a
 * sum whose exact value needs more bits rounds to the same float32), so fround gives
 * TensorFlow's float32 result. A quotient is not exact in float64: its endpoints are
 * widened outward by one float32 ulp.
 *
 * RandomUniform draws in [0, 1): TensorFlow builds a float32 from 23 random mantissa
 * bits (value in [1, 2), minus 1), so its largest value is 1 - 2^-23; float64 uses 52
 * bits, 1 - 2^-52 (tensorflow/core/lib/random/random_distributions.h, Uint32ToFloat /
 * Uint64ToDouble).
 */
import type { DType, IrNode } from '../../src/ir/node.js';
import { unsupportedOp } from '../../src/ir/graph.js';
import { constNumbers } from '../../src/ir/tensor-data.js';

export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/** The ops this module draws random values from, and their range per dtype. */
export function randomRange(n: IrNode): Interval | undefined {
  const op = unsupportedOp(n) ?? n.op;
  if (op !== 'RandomUniform') return undefined;
  if (n.dtype === 'float32') return { lo: 0, hi: 1 - 2 ** -23 };
  if (n.dtype === 'float64') return { lo: 0, hi: 1 - 2 ** -52 };
  return undefined;
}

function roundTo(dtype: DType, x: number): number {
  return dtype === 'float32' ? Math.fround(x) : x;
}

/** The next float32 away from zero in the direction `dir` (+1 up, -1 down). */
function ulpStep(x: number, dir: 1 | -1): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (x === 0) return dir * 2 ** -149;
  // Moving away from zero increments the magnitude bits; towards zero decrements them.
  u[0] += (x > 0) === (dir > 0) ? 1 : -1;
  return f[0];
}

function make(dtype: DType, lo: number, hi: number): Interval | undefined {
  const a = roundTo(dtype, lo);
  const b = roundTo(dtype, hi);
  return Number.isFinite(a) && Number.isFinite(b) && a <= b ? { lo: a, hi: b } : undefined;
}

function mulI(dtype: DType, a: Interval, b: Interval): Interval | undefined {
  const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  return make(dtype, Math.min(...p), Math.max(...p));
}

function divI(dtype: DType, a: Interval, b: Interval): Interval | undefined {
  if (b.lo <= 0 && b.hi >= 0) return undefined;
  const q = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi];
  const r = make(dtype, Math.min(...q), Math.max(...q));
  if (r === undefined || dtype !== 'float32') return r;
  // 1 / b exactly representable (b a power of two) keeps the quotient exact; otherwise widen.
  const exact = b.lo === b.hi && Number.isInteger(Math.log2(Math.abs(b.lo)));
  return exact ? r : { lo: ulpStep(r.lo, -1), hi: ulpStep(r.hi, 1) };
}

/**
 * The interval of node `n` from its operands' intervals (undefined: unknown), or
 * undefined when the op is not modelled. Only float and integer numeric dtypes.
 */
export function nodeRange(n: IrNode, ins: readonly (Interval | undefined)[]): Interval | undefined {
  if (n.dtype === 'string' || n.dtype === 'bool') return undefined;
  const random = randomRange(n);
  if (random !== undefined) return random;
  if (n.op === 'Const') {
    const v = constNumbers(n);
    if (!v || v.length === 0) return undefined;
    return make(n.dtype, Math.min(...v), Math.max(...v));
  }
  const [a, b] = ins;
  if (a === undefined) return undefined;
  switch (n.op) {
    case 'Identity': return a;
    case 'Neg': return make(n.dtype, -a.hi, -a.lo);
    case 'Floor': return make(n.dtype, Math.floor(a.lo), Math.floor(a.hi));
    case 'Add': return b && make(n.dtype, a.lo + b.lo, a.hi + b.hi);
    case 'Sub': return b && make(n.dtype, a.lo - b.hi, a.hi - b.lo);
    case 'Mul': return b && mulI(n.dtype, a, b);
    case 'RealDiv': return b && divI(n.dtype, a, b);
    case 'Maximum': return b && make(n.dtype, Math.max(a.lo, b.lo), Math.max(a.hi, b.hi));
    case 'Minimum': return b && make(n.dtype, Math.min(a.lo, b.lo), Math.min(a.hi, b.hi));
    default: return undefined;
  }
}
