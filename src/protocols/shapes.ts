/** Output-shape rules shared by the protocol kernels (and their plaintext reference). */
import { TfeError } from '../errors.js';
import { broadcastShapes, shapeStr, sizeOf, type Padding, type Shape } from '../shape.js';

export { broadcastShapes, sizeOf };

export function matmulShape(a: Shape, b: Shape): number[] {
  if (a.length < 2 || b.length < 2 || a[a.length - 1] !== b[b.length - 2]) {
    throw new TfeError('E_SHAPE', `matmul: ${shapeStr(a)} x ${shapeStr(b)} do not chain`);
  }
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  return [...batch, a[a.length - 2], b[b.length - 1]];
}

export function windowOut(size: number, k: number, stride: number, padding: Padding): number {
  if (padding === 'VALID') {
    const out = Math.floor((size - k) / stride) + 1;
    if (out <= 0) throw new TfeError('E_SHAPE', `window ${k} larger than input ${size} with VALID padding`);
    return out;
  }
  return Math.ceil(size / stride);
}

export function conv2dShape(x: Shape, w: Shape, strides: readonly number[], padding: Padding, depthwise = false): number[] {
  if (x.length !== 4 || w.length !== 4 || x[3] !== w[2]) {
    throw new TfeError('E_SHAPE', `conv2d: input ${shapeStr(x)} and filter ${shapeStr(w)} do not match (NHWC, HWIO)`);
  }
  return [x[0], windowOut(x[1], w[0], strides[0], padding), windowOut(x[2], w[1], strides[1], padding), depthwise ? x[3] * w[3] : w[3]];
}

export function poolShape(x: Shape, ksize: readonly number[], strides: readonly number[], padding: Padding): number[] {
  if (x.length !== 4) throw new TfeError('E_SHAPE', `pool: input must be NHWC, got ${shapeStr(x)}`);
  return [x[0], windowOut(x[1], ksize[0], strides[0], padding), windowOut(x[2], ksize[1], strides[1], padding), x[3]];
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new TfeError('E_SHAPE', `axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function sameShapes(a: Shape, b: Shape, what: string): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) throw new TfeError('E_SHAPE', `${what}: shapes ${shapeStr(a)} and ${shapeStr(b)} differ`);
}
