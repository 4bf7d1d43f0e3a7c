/**
 * Checks for the out-parameters of RingBackend kernels (backend.ts): `out` must have
 * the result's shape, and for matmul / conv2d must not share memory with an input
 * (the kernel reads its inputs while it writes `out`). Shared by every backend, so
 * all three refuse the same misuse with the same error.
 */
import { TfeError } from '../../src/errors.js';
import { sameShape, shapeStr, type RingTensor, type Shape } from './tensor.js';

/** Throws E_SHAPE unless `out` has shape `shape`. */
export function checkOutShape(kernel: string, out: RingTensor, shape: Shape): void {
  if (!sameShape(out.shape, shape) || out.data.length !== out.shape.reduce((p, d) => p * d, 1)) {
    throw new TfeError('E_SHAPE', `${kernel}: out has shape ${shapeStr(out.shape)} but the result is ${shapeStr(shape)}`);
  }
}

/** True if the two arrays share any byte of memory. */
export function overlaps(a: BigUint64Array, b: BigUint64Array): boolean {
  if (a.buffer !== b.buffer) return false;
  const a0 = a.byteOffset;
  const b0 = b.byteOffset;
  return a0 < b0 + b.byteLength && b0 < a0 + a.byteLength && a.length > 0 && b.length > 0;
}

/** Throws E_ARG if `out` overlaps any input (for kernels that are not elementwise). */
export function checkNoAlias(kernel: string, out: RingTensor, inputs: readonly RingTensor[]): void {
  if (inputs.some((t) => overlaps(out.data, t.data))) throw new TfeError('E_ARG', `${kernel}: out must not overlap an input`);
}

/** Copies a freshly computed `result` into `out` (after checking its shape) and returns `out`; without `out`, `result`. */
export function deliver(kernel: string, result: RingTensor, out: RingTensor | undefined): RingTensor {
  if (out === undefined) return result;
  checkOutShape(kernel, out, result.shape);
  out.data.set(result.data);
  return out;
}
