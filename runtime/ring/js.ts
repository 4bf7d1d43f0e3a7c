/**
 * The BigInt reference backend: every kernel written directly from its definition
 * with BigInt arithmetic reduced by BigInt.asUintN(64, .), and multi-indices
 * computed element by element. Slow by design and independent of layout.ts and
 * compose.ts, so it is the oracle the native and wasm backends are tested against.
 */
import { TfeError } from '../../src/errors.js';
import type { Conv2dOptions, RingBackend } from './backend.js';
import { checkNoAlias, deliver } from './out.js';
import { broadcastShapes, ringTensor, shapeStr, sizeOf, type RingTensor, type Shape } from './tensor.js';

const M64 = (x: bigint): bigint => BigInt.asUintN(64, x);

function strides(shape: Shape): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Flat index into `shape` of an output multi-index under NumPy broadcasting. */
function bcastIndex(outIdx: readonly number[], shape: Shape): number {
  const st = strides(shape);
  let off = 0;
  const lead = outIdx.length - shape.length;
  for (let d = 0; d < shape.length; d++) if (shape[d] !== 1) off += outIdx[lead + d] * st[d];
  return off;
}

function elementwise(a: RingTensor, b: RingTensor, f: (x: bigint, y: bigint) => bigint): RingTensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = new BigUint64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = M64(f(a.data[bcastIndex(idx, a.shape)], b.data[bcastIndex(idx, b.shape)]));
  }
  return ringTensor(shape, out);
}

function map(a: RingTensor, f: (x: bigint) => bigint): RingTensor {
  const out = new BigUint64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = M64(f(a.data[i]));
  return ringTensor(a.shape, out);
}

function checkShift(k: number): void {
  if (!Number.isInteger(k) || k < 0 || k > 63) throw new TfeError('E_ARG', `shift amount ${k} outside 0..63`);
}

function convOut(size: number, k: number, s: number, padding: 'SAME' | 'VALID'): [number, number] {
  if (padding === 'VALID') return [Math.floor((size - k) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
}

function conv(x: RingTensor, w: RingTensor, opts: Conv2dOptions, depthwise: boolean): RingTensor {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, wc, o] = w.shape;
  if (x.shape.length !== 4 || w.shape.length !== 4 || wc !== c) {
    throw new TfeError('E_SHAPE', `conv: input ${shapeStr(x.shape)} and filter ${shapeStr(w.shape)} do not match`);
  }
  const [oh, pt] = convOut(h, kh, opts.strides[0], opts.padding);
  const [ow, pl] = convOut(wd, kw, opts.strides[1], opts.padding);
  const oc = depthwise ? c * o : o;
  const out = new BigUint64Array(n * oh * ow * oc);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let q = 0; q < oc; q++) {
          let acc = 0n;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = y * opts.strides[0] + ky - pt;
              const ix = xx * opts.strides[1] + kx - pl;
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
              if (depthwise) {
                const ch = Math.floor(q / o);
                const m = q % o;
                acc += x.data[((b * h + iy) * wd + ix) * c + ch] * w.data[((ky * kw + kx) * c + ch) * o + m];
              } else {
                for (let ch = 0; ch < c; ch++) acc += x.data[((b * h + iy) * wd + ix) * c + ch] * w.data[((ky * kw + kx) * c + ch) * o + q];
              }
            }
          out[((b * oh + y) * ow + xx) * oc + q] = M64(acc);
        }
  return ringTensor([n, oh, ow, oc], out);
}

let jsThreads = 1;

export const jsBackend: RingBackend = {
  name: 'js',
  // out-parameters (backend.ts): the result is computed fresh, then copied, so in-place is safe
  add: (a, b, out) => deliver('add', elementwise(a, b, (x, y) => x + y), out),
  sub: (a, b, out) => deliver('sub', elementwise(a, b, (x, y) => x - y), out),
  mul: (a, b, out) => deliver('mul', elementwise(a, b, (x, y) => x * y), out),
  neg: (a) => map(a, (x) => -x),
  and: (a, b, out) => deliver('and', elementwise(a, b, (x, y) => x & y), out),
  xor: (a, b, out) => deliver('xor', elementwise(a, b, (x, y) => x ^ y), out),
  or: (a, b, out) => deliver('or', elementwise(a, b, (x, y) => x | y), out),
  not: (a) => map(a, (x) => ~x),
  shr(a, k) {
    checkShift(k);
    return map(a, (x) => x >> BigInt(k));
  },
  sar(a, k) {
    checkShift(k);
    return map(a, (x) => BigInt.asIntN(64, x) >> BigInt(k));
  },
  shl(a, k) {
    checkShift(k);
    return map(a, (x) => x << BigInt(k));
  },
  bit(a, i) {
    checkShift(i);
    return map(a, (x) => (x >> BigInt(i)) & 1n);
  },
  matmul(a, b, out) {
    if (out) checkNoAlias('matmul', out, [a, b]);
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 2 || rb < 2 || a.shape[ra - 1] !== b.shape[rb - 2]) {
      throw new TfeError('E_SHAPE', `matmul: ${shapeStr(a.shape)} x ${shapeStr(b.shape)}`);
    }
    const m = a.shape[ra - 2];
    const k = a.shape[ra - 1];
    const n = b.shape[rb - 1];
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const shape = [...batch, m, n];
    const res = new BigUint64Array(sizeOf(shape));
    for (let i = 0; i < res.length; i++) {
      const idx = unravel(i, shape);
      const bi = idx.slice(0, -2);
      const [r, c] = idx.slice(-2);
      let acc = 0n;
      for (let t = 0; t < k; t++) {
        acc += a.data[bcastIndex([...bi, r, t], a.shape)] * b.data[bcastIndex([...bi, t, c], b.shape)];
      }
      res[i] = M64(acc);
    }
    return deliver('matmul', ringTensor(shape, res), out);
  },
  prepareConstant: (b) => b,
  conv2d(x, w, opts, out) {
    if (out) checkNoAlias('conv2d', out, [x, w]);
    return deliver('conv2d', conv(x, w, opts, false), out);
  },
  depthwiseConv2d: (x, w, opts) => conv(x, w, opts, true),
  sum(a, axes, keepDims = false) {
    const r = a.shape.length;
    const ax = new Set(axes.map((x) => (x < 0 ? x + r : x)));
    const full = a.shape.map((d, i) => (ax.has(i) ? 1 : d));
    const out = new BigUint64Array(sizeOf(full));
    for (let i = 0; i < a.data.length; i++) {
      const idx = unravel(i, a.shape).map((v, d) => (ax.has(d) ? 0 : v));
      const j = idx.reduce((acc, v, d) => acc * full[d] + v, 0);
      out[j] = M64(out[j] + a.data[i]);
    }
    return ringTensor(keepDims ? full : a.shape.filter((_, i) => !ax.has(i)), out);
  },
  transpose(a, perm) {
    const shape = perm.map((p) => a.shape[p]);
    const out = new BigUint64Array(a.data.length);
    for (let i = 0; i < out.length; i++) {
      const idx = unravel(i, shape);
      const src = new Array<number>(perm.length);
      perm.forEach((p, d) => (src[p] = idx[d]));
      out[i] = a.data[src.reduce((acc, v, d) => acc * a.shape[d] + v, 0)];
    }
    return ringTensor(shape, out);
  },
  pad(a, paddings, value = 0n) {
    const shape = a.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    const out = new BigUint64Array(sizeOf(shape)).fill(M64(value));
    for (let i = 0; i < a.data.length; i++) {
      const idx = unravel(i, a.shape).map((v, d) => v + paddings[d][0]);
      out[idx.reduce((acc, v, d) => acc * shape[d] + v, 0)] = a.data[i];
    }
    return ringTensor(shape, out);
  },
  slice(a, begin, size) {
    const shape = size.map((s, i) => (s === -1 ? a.shape[i] - begin[i] : s));
    const out = new BigUint64Array(sizeOf(shape));
    for (let i = 0; i < out.length; i++) {
      const idx = unravel(i, shape).map((v, d) => v + begin[d]);
      out[i] = a.data[idx.reduce((acc, v, d) => acc * a.shape[d] + v, 0)];
    }
    return ringTensor(shape, out);
  },
  concat(ts, axis) {
    const r = ts[0].shape.length;
    const ax = axis < 0 ? axis + r : axis;
    const shape = [...ts[0].shape];
    shape[ax] = ts.reduce((acc, t) => acc + t.shape[ax], 0);
    const out = new BigUint64Array(sizeOf(shape));
    let off = 0;
    for (const t of ts) {
      for (let i = 0; i < t.data.length; i++) {
        const idx = unravel(i, t.shape);
        idx[ax] += off;
        out[idx.reduce((acc, v, d) => acc * shape[d] + v, 0)] = t.data[i];
      }
      off += t.shape[ax];
    }
    return ringTensor(shape, out);
  },
  broadcastTo(a, shape) {
    const out = new BigUint64Array(sizeOf(shape));
    broadcastShapes(a.shape, shape);
    for (let i = 0; i < out.length; i++) out[i] = a.data[bcastIndex(unravel(i, shape), a.shape)];
    return ringTensor(shape, out);
  },
  setThreads(n) {
    jsThreads = n;
  },
  threads: () => jsThreads,
};
