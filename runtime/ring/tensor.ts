/**
 * Ring tensors: elements of Z_2^64 held row-major in a BigUint64Array, with a shape.
 * Signed values are two's complement; every arithmetic op wraps modulo 2^64.
 */
import { TfeError } from '../../src/errors.js';
import { sizeOf, type Shape } from '../../src/shape.js';

export { broadcastShapes, sameShape, shapeStr, sizeOf, type Shape } from '../../src/shape.js';


export interface RingTensor {
  readonly shape: Shape;
  readonly data: BigUint64Array;
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

