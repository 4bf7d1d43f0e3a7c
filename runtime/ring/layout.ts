/**
 * Data movement over ring tensors without arithmetic: strided gathers (transpose,
 * slice, broadcast), padding, concatenation and im2col. Elements are copied as two
 * 32-bit words through Uint32Array views (no BigInt per element), and contiguous
 * runs with `TypedArray.set` (memcpy). Shared by the native and wasm backends; the
 * BigInt reference (js.ts) does not use it, so tests check it independently.
 */
import { TfeError } from '../../src/errors.js';
import type { Conv2dOptions } from './backend.js';
import { ringTensor, shapeStr, sizeOf, type RingTensor, type Shape } from './tensor.js';

function u32(a: BigUint64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}

function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * out[i_0..i_{r-1}] = src[offset + sum_d i_d * strides[d]] for the output shape.
 * A stride of 0 repeats (broadcast). The innermost axis is copied with `set` when
 * its stride is 1.
 */
export function gather(src: BigUint64Array, offset: number, strides: readonly number[], outShape: Shape): BigUint64Array {
  const n = sizeOf(outShape);
  const out = new BigUint64Array(n);
  if (n === 0) return out;
  const r = outShape.length;
  if (r === 0) {
    out[0] = src[offset];
    return out;
  }
  const inner = outShape[r - 1];
  const innerStride = strides[r - 1];
  const idx = new Array<number>(r - 1).fill(0);
  const s32 = u32(src);
  const o32 = u32(out);
  let base = offset;
  for (let o = 0; o < n; o += inner) {
    if (innerStride === 1) {
      out.set(src.subarray(base, base + inner), o);
    } else if (innerStride === 0) {
      out.fill(src[base], o, o + inner);
    } else {
      for (let j = 0, s = base; j < inner; j++, s += innerStride) {
        o32[2 * (o + j)] = s32[2 * s];
        o32[2 * (o + j) + 1] = s32[2 * s + 1];
      }
    }
    // advance the outer multi-index
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < outShape[d]) break;
      base -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

export function transpose(a: RingTensor, perm: readonly number[]): RingTensor {
  const r = a.shape.length;
  if (perm.length !== r || [...perm].sort((x, y) => x - y).some((p, i) => p !== i)) {
    throw new TfeError('E_SHAPE', `transpose: perm [${perm.join(',')}] is not a permutation of ${r} axes`);
  }
  const st = stridesOf(a.shape);
  const outShape = perm.map((p) => a.shape[p]);
  return ringTensor(outShape, gather(a.data, 0, perm.map((p) => st[p]), outShape));
}

export function broadcastTo(a: RingTensor, shape: Shape): RingTensor {
  const r = shape.length;
  if (a.shape.length > r) throw new TfeError('E_SHAPE', `cannot broadcast ${shapeStr(a.shape)} to ${shapeStr(shape)}`);
  const st = stridesOf(a.shape);
  const strides = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const j = i - (r - a.shape.length);
    if (j < 0) strides[i] = 0;
    else if (a.shape[j] === shape[i]) strides[i] = a.shape[j] === 1 ? 0 : st[j];
    else if (a.shape[j] === 1) strides[i] = 0;
    else throw new TfeError('E_SHAPE', `cannot broadcast ${shapeStr(a.shape)} to ${shapeStr(shape)}`);
  }
  return ringTensor(shape, gather(a.data, 0, strides, shape));
}

export function slice(a: RingTensor, begin: readonly number[], size: readonly number[]): RingTensor {
  const r = a.shape.length;
  if (begin.length !== r || size.length !== r) throw new TfeError('E_SHAPE', `slice: begin/size must have ${r} entries`);
  const outShape = size.map((s, i) => (s === -1 ? a.shape[i] - begin[i] : s));
  outShape.forEach((s, i) => {
    if (begin[i] < 0 || s < 0 || begin[i] + s > a.shape[i]) {
      throw new TfeError('E_SHAPE', `slice: axis ${i} range [${begin[i]}, ${begin[i] + s}) outside ${shapeStr(a.shape)}`);
    }
  });
  const st = stridesOf(a.shape);
  const offset = begin.reduce((acc, b, i) => acc + b * st[i], 0);
  return ringTensor(outShape, gather(a.data, offset, st, outShape));
}

/** Writes `src` into `dst` (shape dstShape) at the given per-axis offsets. */
function scatterBlock(dst: BigUint64Array, dstShape: Shape, at: readonly number[], src: RingTensor): void {
  const r = dstShape.length;
  const n = src.data.length;
  if (n === 0) return;
  if (r === 0) {
    dst[0] = src.data[0];
    return;
  }
  const dst32 = u32(dst);
  const src32 = u32(src.data);
  const dstStrides = stridesOf(dstShape);
  const inner = src.shape[r - 1];
  const idx = new Array<number>(r - 1).fill(0);
  let base = at.reduce((acc, b, i) => acc + b * dstStrides[i], 0);
  for (let o = 0; o < n; o += inner) {
    if (inner > 8) dst.set(src.data.subarray(o, o + inner), base);
    else for (let j = 0; j < inner; j++) {
      dst32[2 * (base + j)] = src32[2 * (o + j)];
      dst32[2 * (base + j) + 1] = src32[2 * (o + j) + 1];
    }
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++;
      base += dstStrides[d];
      if (idx[d] < src.shape[d]) break;
      base -= dstStrides[d] * src.shape[d];
      idx[d] = 0;
    }
  }
}

export function pad(a: RingTensor, paddings: readonly (readonly [number, number])[], value = 0n): RingTensor {
  if (paddings.length !== a.shape.length) throw new TfeError('E_SHAPE', `pad: ${paddings.length} paddings for rank ${a.shape.length}`);
  if (paddings.some(([b, e]) => b < 0 || e < 0 || !Number.isInteger(b) || !Number.isInteger(e))) {
    throw new TfeError('E_SHAPE', 'pad: paddings must be non-negative integers');
  }
  const outShape = a.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = new BigUint64Array(sizeOf(outShape));
  if (value !== 0n) out.fill(BigInt.asUintN(64, value));
  scatterBlock(out, outShape, paddings.map(([b]) => b), a);
  return ringTensor(outShape, out);
}

export function concat(ts: readonly RingTensor[], axis: number): RingTensor {
  if (ts.length === 0) throw new TfeError('E_SHAPE', 'concat of no tensors');
  const r = ts[0].shape.length;
  const ax = axis < 0 ? axis + r : axis;
  if (ax < 0 || ax >= r) throw new TfeError('E_SHAPE', `concat: axis ${axis} out of range for rank ${r}`);
  for (const t of ts) {
    if (t.shape.length !== r || t.shape.some((d, i) => i !== ax && d !== ts[0].shape[i])) {
      throw new TfeError('E_SHAPE', `concat: ${shapeStr(t.shape)} does not match ${shapeStr(ts[0].shape)} off axis ${ax}`);
    }
  }
  const outShape = [...ts[0].shape];
  outShape[ax] = ts.reduce((acc, t) => acc + t.shape[ax], 0);
  const out = new BigUint64Array(sizeOf(outShape));
  let off = 0;
  for (const t of ts) {
    const at = new Array<number>(r).fill(0);
    at[ax] = off;
    scatterBlock(out, outShape, at, t);
    off += t.shape[ax];
  }
  return ringTensor(outShape, out);
}

/** TF's output size and leading pad for one spatial axis. */
export function convGeometry(inSize: number, k: number, stride: number, padding: 'SAME' | 'VALID'): { out: number; padBefore: number } {
  if (padding === 'VALID') {
    const out = Math.floor((inSize - k) / stride) + 1;
    if (out <= 0) throw new TfeError('E_SHAPE', `VALID window ${k} larger than input ${inSize}`);
    return { out, padBefore: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

export interface Im2col {
  /** [N*OH*OW, KH*KW*C], column order (kh, kw, c): matches an HWIO filter reshaped to [KH*KW*C, O]. */
  readonly patches: BigUint64Array;
  readonly rows: number;
  readonly cols: number;
  readonly outShape: readonly [number, number, number]; // N, OH, OW
}

/**
 * A growable buffer for values that never leave one synchronous kernel call (im2col
 * patches): reused across calls instead of a fresh, page-faulting allocation each
 * time. Buffers above MAX_SCRATCH elements are not kept (memory bound: 64 MB).
 */
export class Scratch {
  static readonly MAX_SCRATCH = 1 << 23;
  private buf = new BigUint64Array(0);

  /** `n` elements of unspecified content, valid until the next call (of any kernel sharing this Scratch). */
  take(n: number): BigUint64Array {
    if (n > Scratch.MAX_SCRATCH) return new BigUint64Array(n);
    if (this.buf.length < n) this.buf = new BigUint64Array(Math.max(n, Math.min(Scratch.MAX_SCRATCH, this.buf.length * 2)));
    return this.buf.subarray(0, n);
  }
}

/**
 * im2col for NHWC input, zero for padded positions. With `scratch`, the patches live
 * in its buffer (valid until the scratch's next use), else in a fresh array.
 */
export function im2col(x: RingTensor, kh: number, kw: number, opts: Conv2dOptions, scratch?: Scratch): Im2col {
  if (x.shape.length !== 4) throw new TfeError('E_SHAPE', `conv2d: input must be NHWC, got ${shapeStr(x.shape)}`);
  const [n, h, w, c] = x.shape;
  const [sh, sw] = opts.strides;
  const gy = convGeometry(h, kh, sh, opts.padding);
  const gx = convGeometry(w, kw, sw, opts.padding);
  const rows = n * gy.out * gx.out;
  const cols = kh * kw * c;
  const patches = scratch ? scratch.take(rows * cols) : new BigUint64Array(rows * cols);
  // a reused buffer holds old values: zero it where padding leaves positions unwritten
  const padded = gy.padBefore > 0 || gx.padBefore > 0 || (gy.out - 1) * sh + kh > h || (gx.out - 1) * sw + kw > w;
  if (scratch && padded) patches.fill(0n);
  const src = x.data;
  let row = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < gy.out; oy++) {
      for (let ox = 0; ox < gx.out; ox++, row++) {
        const rowBase = row * cols;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - gy.padBefore;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - gx.padBefore;
            if (ix < 0 || ix >= w) continue;
            const s = ((b * h + iy) * w + ix) * c;
            const d = rowBase + (ky * kw + kx) * c;
            if (c === 1) patches[d] = src[s];
            else patches.set(src.subarray(s, s + c), d);
          }
        }
      }
    }
  }
  return { patches, rows, cols, outShape: [n, gy.out, gx.out] };
}
