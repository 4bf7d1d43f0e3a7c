/**
 * Elementwise kernels: binary ops with NumPy broadcasting, BiasAdd (rank-1 bias on
 * the last axis), unary math, activations, Softmax (last axis, max-subtracted so it
 * cannot overflow), Cast (to integers: toward zero, to bool: x != 0), ZerosLike/OnesLike.
 */
import { TfeError } from '../../errors.js';
import type { IrNode } from '../node.js';
import { broadcastStatic, broadcastStrides, size, type Tensor, tensor } from './tensor.js';

export type Kernel = (n: IrNode, ins: readonly Tensor[]) => Tensor;

/** A broadcasting binary kernel from a scalar function. */
export function binary(f: (x: number, y: number) => number): Kernel {
  return (n, [a, b]) => {
    const shape = broadcastStatic(a.shape, b.shape, `node "${n.id}" (${n.op})`);
    const out = tensor(shape);
    const o = out.data;
    const x = a.data;
    const y = b.data;
    if (x.length === o.length && y.length === o.length) {
      for (let i = 0; i < o.length; i++) o[i] = f(x[i], y[i]);
    } else if (y.length === 1 && x.length === o.length) {
      const c = y[0];
      for (let i = 0; i < o.length; i++) o[i] = f(x[i], c);
    } else if (x.length === 1 && y.length === o.length) {
      const c = x[0];
      for (let i = 0; i < o.length; i++) o[i] = f(c, y[i]);
    } else {
      // General case: walk the output with an index counter, advancing both operands.
      const sa = broadcastStrides(a.shape, shape);
      const sb = broadcastStrides(b.shape, shape);
      const r = shape.length;
      const idx = new Array<number>(r).fill(0);
      let ia = 0;
      let ib = 0;
      for (let i = 0; i < o.length; i++) {
        o[i] = f(x[ia], y[ib]);
        for (let d = r - 1; d >= 0; d--) {
          idx[d]++;
          ia += sa[d];
          ib += sb[d];
          if (idx[d] < shape[d]) break;
          ia -= sa[d] * shape[d];
          ib -= sb[d] * shape[d];
          idx[d] = 0;
        }
      }
    }
    return out;
  };
}

/** A unary kernel from a scalar function. */
export function unary(f: (x: number) => number): Kernel {
  return (_n, [a]) => {
    const out = tensor(a.shape);
    const o = out.data;
    const x = a.data;
    for (let i = 0; i < o.length; i++) o[i] = f(x[i]);
    return out;
  };
}

export const biasAdd: Kernel = (n, [x, b]) => {
  const c = b.data.length;
  const last = x.shape[x.shape.length - 1];
  if (b.shape.length !== 1 || last !== c) throw new TfeError('E_SHAPE', `node "${n.id}" (BiasAdd): bias [${b.shape.join(',')}] does not match [${x.shape.join(',')}]`);
  const out = tensor(x.shape);
  const o = out.data;
  const xs = x.data;
  const bs = b.data;
  for (let i = 0; i < o.length; i += c) for (let j = 0; j < c; j++) o[i + j] = xs[i + j] + bs[j];
  return out;
};

export const softmax: Kernel = (_n, [x]) => {
  const c = x.shape[x.shape.length - 1];
  const out = tensor(x.shape);
  const o = out.data;
  const xs = x.data;
  for (let i = 0; i < o.length; i += c) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) if (xs[i + j] > m) m = xs[i + j];
    let s = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(xs[i + j] - m);
      o[i + j] = e;
      s += e;
    }
    for (let j = 0; j < c; j++) o[i + j] /= s;
  }
  return out;
};

export const cast: Kernel = (n, [x]) => {
  if (n.dtype === 'int32' || n.dtype === 'int64') return unary(Math.trunc)(n, [x]);
  if (n.dtype === 'bool') return unary((v) => (v !== 0 ? 1 : 0))(n, [x]);
  return { shape: x.shape, data: x.data };
};

export const fillLike = (v: number): Kernel => (_n, [x]) => ({ shape: x.shape, data: new Float64Array(size(x.shape)).fill(v) });

export const relu = unary((x) => (x > 0 ? x : 0));
export const relu6 = unary((x) => (x > 0 ? (x < 6 ? x : 6) : 0));
export const sigmoid = unary((x) => 1 / (1 + Math.exp(-x)));
