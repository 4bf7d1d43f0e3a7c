/**
 * Builds a full RingBackend from an engine's flat kernels (flat.ts) and the shared
 * data-movement code (layout.ts): broadcasting, batched matmul, conv2d as
 * im2col + matmul, depthwise conv2d per channel, sums as transpose + row sums.
 */
import { TfeError } from '../../src/errors.js';
import type { BackendName, Conv2dOptions, RingBackend } from './backend.js';
import { allocRing } from './alloc.js';
import type { FlatKernels } from './flat.js';
import * as layout from './layout.js';
import { checkNoAlias, checkOutShape } from './out.js';
import { broadcastShapes, ringTensor, sameShape, shapeStr, sizeOf, type RingTensor, type Shape } from './tensor.js';

type Binary = (a: BigUint64Array, b: BigUint64Array, out: BigUint64Array) => void;

/** A zeroed output tensor of `shape` (n = its size), sharing the caller's readonly shape array. */
function fresh(shape: Shape, n: number): RingTensor {
  return { shape, data: allocRing(n) };
}

function checkShift(k: number): void {
  if (!Number.isInteger(k) || k < 0 || k > 63) throw new TfeError('E_ARG', `shift amount ${k} outside 0..63`);
}

export function composeBackend(name: BackendName, flat: FlatKernels): RingBackend {
  const scratch = new layout.Scratch();
  // Outputs: small ones are slab views (alloc.ts), and a result shares its operand's
  // shape array (shapes are readonly), so a small elementwise op allocates two objects.
  const binary = (kernel: string, f: Binary) => (a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor => {
    if (a.shape === b.shape || sameShape(a.shape, b.shape)) {
      if (a.data.length !== b.data.length) throw new TfeError('E_SHAPE', `${kernel}: operands of shape ${shapeStr(a.shape)} hold ${a.data.length} and ${b.data.length} elements`);
      if (out) checkOutShape(kernel, out, a.shape);
      const o = out ?? fresh(a.shape, a.data.length);
      f(a.data, b.data, o.data);
      return o;
    }
    const shape = broadcastShapes(a.shape, b.shape);
    if (out) checkOutShape(kernel, out, shape);
    const aa = sameShape(a.shape, shape) ? a : layout.broadcastTo(a, shape);
    const bb = sameShape(b.shape, shape) ? b : layout.broadcastTo(b, shape);
    const o = out ?? fresh(shape, sizeOf(shape));
    f(aa.data, bb.data, o.data);
    return o;
  };
  const unary = (f: (a: BigUint64Array, out: BigUint64Array) => void) => (a: RingTensor): RingTensor => {
    const o = fresh(a.shape, a.data.length);
    f(a.data, o.data);
    return o;
  };
  const shift = (f: (a: BigUint64Array, k: number, out: BigUint64Array) => void) => (a: RingTensor, k: number): RingTensor => {
    checkShift(k);
    const o = fresh(a.shape, a.data.length);
    f(a.data, k, o.data);
    return o;
  };

  // Packed copies of constant operands (prepareConstant), by the prepared tensor object:
  // dropped with it by the GC.
  const packedOf = new WeakMap<RingTensor, BigUint64Array>();
  const prepareConstant = (b: RingTensor): RingTensor => {
    const r = b.shape.length;
    if (!flat.packB || r < 2) return b;
    const n = b.shape[r - 1];
    const k = n === 0 ? 0 : b.data.length / n;
    if (k === 0 || n === 0) return b;
    const prepared: RingTensor = { shape: b.shape, data: b.data };
    packedOf.set(prepared, flat.packB(b.data, k, n));
    return prepared;
  };

  const matmul2d = (a: BigUint64Array, b: BigUint64Array, m: number, k: number, n: number, out?: BigUint64Array, packed?: BigUint64Array): BigUint64Array => {
    const o = out ?? allocRing(m * n);
    if (packed && flat.matmulPacked) flat.matmulPacked(a, b, packed, o, m, k, n);
    else flat.matmul(a, b, o, m, k, n);
    return o;
  };

  const matmul = (a: RingTensor, b: RingTensor, out?: RingTensor): RingTensor => {
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 2 || rb < 2) throw new TfeError('E_SHAPE', `matmul needs rank >= 2 operands, got ${shapeStr(a.shape)} x ${shapeStr(b.shape)}`);
    const m = a.shape[ra - 2];
    const k = a.shape[ra - 1];
    const k2 = b.shape[rb - 2];
    const n = b.shape[rb - 1];
    if (k !== k2) throw new TfeError('E_SHAPE', `matmul inner dimensions differ: ${shapeStr(a.shape)} x ${shapeStr(b.shape)}`);
    if (out) checkNoAlias('matmul', out, [a, b]);
    if (rb === 2) {
      // every batch entry of a shares b: one (batch*m) x k x n product
      const shape = ra === 2 ? [m, n] : [...a.shape.slice(0, ra - 2), m, n];
      if (out) checkOutShape('matmul', out, shape);
      const rows = sizeOf(a.shape.slice(0, ra - 2)) * m;
      const data = matmul2d(a.data, b.data, rows, k, n, out?.data, packedOf.get(b));
      return out ?? ringTensor(shape, data);
    }
    const batchA = a.shape.slice(0, ra - 2);
    const batchB = b.shape.slice(0, rb - 2);
    const batch = broadcastShapes(batchA, batchB);
    const shape = [...batch, m, n];
    if (out) checkOutShape('matmul', out, shape);
    const aa = sameShape(batchA, batch) ? a : layout.broadcastTo(a, [...batch, m, k]);
    const bb = sameShape(batchB, batch) ? b : layout.broadcastTo(b, [...batch, k, n]);
    const nb = sizeOf(batch);
    const o = out?.data ?? new BigUint64Array(nb * m * n);
    for (let i = 0; i < nb; i++) {
      flat.matmul(aa.data.subarray(i * m * k, (i + 1) * m * k), bb.data.subarray(i * k * n, (i + 1) * k * n), o.subarray(i * m * n, (i + 1) * m * n), m, k, n);
    }
    return out ?? ringTensor(shape, o);
  };

  const conv2d = (x: RingTensor, w: RingTensor, opts: Conv2dOptions, out?: RingTensor): RingTensor => {
    if (w.shape.length !== 4) throw new TfeError('E_SHAPE', `conv2d: filter must be HWIO, got ${shapeStr(w.shape)}`);
    const [kh, kw, c, o] = w.shape;
    if (x.shape[3] !== c) throw new TfeError('E_SHAPE', `conv2d: input ${shapeStr(x.shape)} has ${x.shape[3]} channels, filter ${shapeStr(w.shape)} expects ${c}`);
    if (out) checkNoAlias('conv2d', out, [x, w]);
    // the patches never leave this call (flat.matmul is synchronous): a reused scratch buffer
    const col = layout.im2col(x, kh, kw, opts, scratch);
    const shape = [...col.outShape, o];
    if (out) checkOutShape('conv2d', out, shape);
    const data = matmul2d(col.patches, w.data, col.rows, col.cols, o, out?.data, packedOf.get(w));
    return out ?? ringTensor(shape, data);
  };

  const depthwiseConv2d = (x: RingTensor, w: RingTensor, opts: Conv2dOptions): RingTensor => {
    if (w.shape.length !== 4) throw new TfeError('E_SHAPE', `depthwiseConv2d: filter must be [KH,KW,C,M], got ${shapeStr(w.shape)}`);
    const [kh, kw, c, mult] = w.shape;
    if (x.shape[3] !== c) throw new TfeError('E_SHAPE', `depthwiseConv2d: input ${shapeStr(x.shape)} has ${x.shape[3]} channels, filter expects ${c}`);
    const col = layout.im2col(x, kh, kw, opts);
    const taps = kh * kw;
    const out = new BigUint64Array(col.rows * c * mult);
    for (let ch = 0; ch < c; ch++) {
      // column ch of every tap: [rows, taps]; filter slice w[:, :, ch, :]: [taps, mult]
      const xs = layout.gather(col.patches, ch, [col.cols, c], [col.rows, taps]);
      const ws = layout.gather(w.data, ch * mult, [c * mult, 1], [taps, mult]);
      const y = matmul2d(xs, ws, col.rows, taps, mult);
      for (let r = 0; r < col.rows; r++) out.set(y.subarray(r * mult, (r + 1) * mult), r * c * mult + ch * mult);
    }
    return ringTensor([...col.outShape, c * mult], out);
  };

  const sum = (a: RingTensor, axes: readonly number[], keepDims = false): RingTensor => {
    const r = a.shape.length;
    const ax = [...new Set(axes.map((x) => (x < 0 ? x + r : x)))].sort((x, y) => x - y);
    if (ax.some((x) => x < 0 || x >= r)) throw new TfeError('E_SHAPE', `sum: axes [${axes.join(',')}] out of range for ${shapeStr(a.shape)}`);
    const kept = [...Array(r).keys()].filter((i) => !ax.includes(i));
    const moved = ax.length === 0 || ax.every((x, i) => x === r - ax.length + i) ? a : layout.transpose(a, [...kept, ...ax]);
    const rows = sizeOf(kept.map((i) => a.shape[i]));
    const cols = sizeOf(ax.map((i) => a.shape[i]));
    const out = allocRing(rows);
    flat.rowSum(moved.data, rows, cols, out);
    const shape = keepDims ? a.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : kept.map((i) => a.shape[i]);
    return ringTensor(shape, out);
  };

  // all ones, read-only (an operand of `and`), grown on demand
  let onesBuf = new BigUint64Array(0);
  const ones = (n: number): BigUint64Array => {
    if (onesBuf.length < n) onesBuf = new BigUint64Array(Math.max(n, 2 * onesBuf.length)).fill(1n);
    return onesBuf.subarray(0, n);
  };

  return {
    name,
    add: binary('add', flat.add.bind(flat)),
    sub: binary('sub', flat.sub.bind(flat)),
    mul: binary('mul', flat.mul.bind(flat)),
    and: binary('and', flat.and.bind(flat)),
    xor: binary('xor', flat.xor.bind(flat)),
    or: binary('or', flat.or.bind(flat)),
    neg: unary(flat.neg.bind(flat)),
    not: unary(flat.not.bind(flat)),
    shr: shift(flat.shr.bind(flat)),
    sar: shift(flat.sar.bind(flat)),
    shl: shift(flat.shl.bind(flat)),
    bit(a: RingTensor, i: number): RingTensor {
      checkShift(i);
      const o = fresh(a.shape, a.data.length);
      flat.shr(a.data, i, o.data);
      flat.and(o.data, ones(o.data.length), o.data);
      return o;
    },
    matmul,
    conv2d,
    prepareConstant,
    depthwiseConv2d,
    sum,
    transpose: layout.transpose,
    pad: layout.pad,
    slice: layout.slice,
    concat: layout.concat,
    broadcastTo: (a: RingTensor, shape: Shape) => layout.broadcastTo(a, shape),
    setThreads: (n: number) => flat.setThreads(n),
    threads: () => flat.threads(),
  };
}
