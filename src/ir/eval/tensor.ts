/**
 * The evaluator's value type: a dense row-major float64 tensor with a static shape,
 * and the index helpers the kernels share. Integer and boolean tensors are held as
 * float64 too (exact up to 2^53).
 */
import { TfeError } from '../../errors.js';

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function tensor(shape: readonly number[], data?: Float64Array): Tensor {
  const n = size(shape);
  if (data && data.length !== n) throw new TfeError('E_SHAPE', `tensor of shape [${shape.join(',')}] needs ${n} values, got ${data.length}`);
  return { shape: [...shape], data: data ?? new Float64Array(n) };
}

/** Normalises a possibly negative axis; E_SHAPE when out of range. */
export function axisOf(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new TfeError('E_SHAPE', `${where}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** The integer values of a small operand (axes, shapes, paddings). */
export function intsOf(t: Tensor): number[] {
  return Array.from(t.data, (x) => Math.trunc(x));
}

/** Broadcast output shape of two static shapes (NumPy rules). */
export function broadcastStatic(a: readonly number[], b: readonly number[], where: string): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = i < r - a.length ? 1 : a[i - (r - a.length)];
    const y = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (x !== y && x !== 1 && y !== 1) throw new TfeError('E_SHAPE', `${where}: cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Strides of `shape` as seen from an output of rank `rank` it broadcasts to (0 where it repeats). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(shape);
  const off = out.length - shape.length;
  return out.map((d, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]));
}
