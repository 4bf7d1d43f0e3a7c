/**
 * Ring tensors: elements of Z_2^64 held row-major in a BigUint64Array, with a shape.
 * Signed values are two's complement; every arithmetic op wraps modulo 2^64.
 */
import { TfeError } from '../../src/errors.js';

export type Shape = readonly number[];

export interface RingTensor {
  readonly shape: Shape;
  readonly data: BigUint64Array;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new TfeError('E_SHAPE', `invalid dimension ${d} in shape [${shape.join(',')}]`);
    n *= d;
  }
  return n;
}

/** A tensor of the given shape; zero-filled unless `data` is given (which is used, not copied). */
export function ringTensor(shape: Shape, data?: BigUint64Array): RingTensor {
  const n = sizeOf(shape);
  if (data === undefined) return { shape: [...shape], data: new BigUint64Array(n) };
  if (data.length !== n) {
    throw new TfeError('E_SHAPE', `ring tensor data has ${data.length} elements but shape [${shape.join(',')}] needs ${n}`);
  }
  return { shape: [...shape], data };
}

/** Same data, new shape (no copy). */
export function reshape(t: RingTensor, shape: Shape): RingTensor {
  return ringTensor(shape, t.data);
}

/** A tensor from JS numbers or bigints, each reduced modulo 2^64 (negative numbers wrap). */
export function fromValues(shape: Shape, values: readonly (number | bigint)[]): RingTensor {
  const data = new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt.asUintN(64, BigInt(values[i]));
  return ringTensor(shape, data);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function shapeStr(s: Shape): string {
  return `[${s.join(',')}]`;
}

/** NumPy broadcasting of two shapes; E_SHAPE if they are incompatible. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TfeError('E_SHAPE', `shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}
