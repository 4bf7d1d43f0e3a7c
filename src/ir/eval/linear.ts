/**
 * Linear kernels over NHWC tensors, TensorFlow semantics: MatMul (with transpose_a /
 * transpose_b), Conv2D (filter HWIO) and DepthwiseConv2D (filter [kh,kw,C,M], output
 * channel c*M+m) with strides, dilations and SAME/VALID padding (SAME pads
 * max((out-1)*stride + (k-1)*dilation + 1 - in, 0) in total, the smaller half before),
 * and FusedBatchNorm in inference form: (x - mean) * scale / sqrt(variance + epsilon) + offset.
 */
import { TfeError } from '../../errors.js';
import type { IrNode } from '../node.js';
import { spatialPair } from '../op-specs.js';
import type { Kernel } from './elementwise.js';
import { tensor } from './tensor.js';

/** A window attribute as [h, w] (either spelling, see `spatialPair`). */
export function pairAttr(n: IrNode, name: string, fallback?: readonly [number, number]): [number, number] {
  const p = spatialPair(n.attrs[name], fallback);
  if (!p) throw new TfeError('E_IR', `node "${n.id}" (${n.op}): attribute ${name} must be [h,w] or [1,h,w,1]`);
  return p;
}

/** Output size and leading padding of one spatial dim (TF's SAME/VALID rule). */
export function windowGeometry(inSize: number, k: number, stride: number, dilation: number, padding: string): { out: number; before: number } {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'SAME') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + eff - inSize, 0);
    return { out, before: Math.floor(total / 2) };
  }
  if (padding !== 'VALID') throw new TfeError('E_UNSUPPORTED', `padding ${padding} is not supported (SAME or VALID)`);
  return { out: Math.max(0, Math.ceil((inSize - eff + 1) / stride)), before: 0 };
}

export const matMul: Kernel = (n, [a, b]) => {
  const ta = n.attrs.transpose_a === true;
  const tb = n.attrs.transpose_b === true;
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new TfeError('E_SHAPE', `node "${n.id}" (MatMul): operands must be rank 2`);
  const [m, k] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, c] = tb ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (k !== k2) throw new TfeError('E_SHAPE', `node "${n.id}" (MatMul): inner dims ${k} and ${k2} differ`);
  // Bring b to [k, c] row-major so the inner loop runs over contiguous memory.
  let bk = b.data;
  if (tb) {
    bk = new Float64Array(k * c);
    for (let j = 0; j < c; j++) for (let p = 0; p < k; p++) bk[p * c + j] = b.data[j * k + p];
  }
  const out = tensor([m, c]);
  const o = out.data;
  const ad = a.data;
  for (let i = 0; i < m; i++) {
    const row = i * c;
    for (let p = 0; p < k; p++) {
      const av = ta ? ad[p * m + i] : ad[i * k + p];
      if (av === 0) continue;
      const brow = p * c;
      for (let j = 0; j < c; j++) o[row + j] += av * bk[brow + j];
    }
  }
  return out;
};

function convLike(depthwise: boolean): Kernel {
  return (n, [x, f]) => {
    const [N, H, W, C] = x.shape;
    const [KH, KW, FC, M] = f.shape;
    if (x.shape.length !== 4 || f.shape.length !== 4 || FC !== C) {
      throw new TfeError('E_SHAPE', `node "${n.id}" (${n.op}): input [${x.shape.join(',')}] and filter [${f.shape.join(',')}] do not fit`);
    }
    const [sh, sw] = pairAttr(n, 'strides');
    const [dh, dw] = pairAttr(n, 'dilations', [1, 1]);
    const pad = String(n.attrs.padding);
    const gh = windowGeometry(H, KH, sh, dh, pad);
    const gw = windowGeometry(W, KW, sw, dw, pad);
    const out = tensor([N, gh.out, gw.out, depthwise ? C * M : M]);
    const geo: ConvGeometry = { N, H, W, C, KH, KW, M, sh, sw, dh, dw, OH: gh.out, OW: gw.out, top: gh.before, left: gw.before };
    (depthwise ? depthwiseLoops : convLoops)(geo, x.data, f.data, out.data);
    return out;
  };
}

interface ConvGeometry {
  readonly N: number;
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly KH: number;
  readonly KW: number;
  /** Output channels (Conv2D) or the channel multiplier (DepthwiseConv2D). */
  readonly M: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly OH: number;
  readonly OW: number;
  /** Padding before the first row / column (SAME). */
  readonly top: number;
  readonly left: number;
}

/** The filter taps [k0, k1) of one window that fall inside the input (the others meet padding). */
function taps(start: number, k: number, dilation: number, size: number): [number, number] {
  const k0 = start >= 0 ? 0 : Math.ceil(-start / dilation);
  const k1 = Math.min(k, Math.floor((size - 1 - start) / dilation) + 1);
  return [k0, k1];
}

/**
 * Conv2D: for each output position, 8 output channels at a time are accumulated in
 * locals over the window's in-bounds taps and input channels (HWIO makes the 8
 * filter values adjacent); zero inputs (post-ReLU) are skipped.
 */
function convLoops(g: ConvGeometry, xs: Float64Array, fs: Float64Array, o: Float64Array): void {
  const { N, H, W, C, KH, KW, M, sh, sw, dh, dw, OH, OW, top, left } = g;
  const CM = C * M;
  const M8 = M - (M % 8);
  for (let b = 0; b < N; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sh - top;
      const [kh0, kh1] = taps(ih0, KH, dh, H);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sw - left;
        const [kw0, kw1] = taps(iw0, KW, dw, W);
        const obase = ((b * OH + oh) * OW + ow) * M;
        for (let m0 = 0; m0 < M8; m0 += 8) {
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
          for (let kh = kh0; kh < kh1; kh++) {
            const xrow = (b * H + ih0 + kh * dh) * W;
            for (let kw = kw0; kw < kw1; kw++) {
              const xbase = (xrow + iw0 + kw * dw) * C;
              let fi = (kh * KW + kw) * CM + m0;
              for (let c = 0; c < C; c++, fi += M) {
                const xv = xs[xbase + c];
                if (xv === 0) continue;
                a0 += xv * fs[fi];
                a1 += xv * fs[fi + 1];
                a2 += xv * fs[fi + 2];
                a3 += xv * fs[fi + 3];
                a4 += xv * fs[fi + 4];
                a5 += xv * fs[fi + 5];
                a6 += xv * fs[fi + 6];
                a7 += xv * fs[fi + 7];
              }
            }
          }
          o[obase + m0] = a0;
          o[obase + m0 + 1] = a1;
          o[obase + m0 + 2] = a2;
          o[obase + m0 + 3] = a3;
          o[obase + m0 + 4] = a4;
          o[obase + m0 + 5] = a5;
          o[obase + m0 + 6] = a6;
          o[obase + m0 + 7] = a7;
        }
        for (let m = M8; m < M; m++) {
          let acc = 0;
          for (let kh = kh0; kh < kh1; kh++) {
            const xrow = (b * H + ih0 + kh * dh) * W;
            for (let kw = kw0; kw < kw1; kw++) {
              const xbase = (xrow + iw0 + kw * dw) * C;
              const fb = (kh * KW + kw) * CM + m;
              for (let c = 0; c < C; c++) acc += xs[xbase + c] * fs[fb + c * M];
            }
          }
          o[obase + m] = acc;
        }
      }
    }
  }
}

/** DepthwiseConv2D: output channel c*M+m sums x[.., c] * filter[kh, kw, c, m] over the window. */
function depthwiseLoops(g: ConvGeometry, xs: Float64Array, fs: Float64Array, o: Float64Array): void {
  const { N, H, W, C, KH, KW, M, sh, sw, dh, dw, OH, OW, top, left } = g;
  const OC = C * M;
  for (let b = 0; b < N; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sh - top;
      const [kh0, kh1] = taps(ih0, KH, dh, H);
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sw - left;
        const [kw0, kw1] = taps(iw0, KW, dw, W);
        const obase = ((b * OH + oh) * OW + ow) * OC;
        for (let kh = kh0; kh < kh1; kh++) {
          for (let kw = kw0; kw < kw1; kw++) {
            const xbase = ((b * H + ih0 + kh * dh) * W + iw0 + kw * dw) * C;
            const fbase = (kh * KW + kw) * OC;
            for (let c = 0; c < C; c++) {
              const xv = xs[xbase + c];
              const ob = obase + c * M;
              const fb = fbase + c * M;
              for (let m = 0; m < M; m++) o[ob + m] += xv * fs[fb + m];
            }
          }
        }
      }
    }
  }
}

export const conv2d = convLike(false);
export const depthwiseConv2d = convLike(true);

export const fusedBatchNorm: Kernel = (n, [x, scale, offset, mean, variance]) => {
  const eps = typeof n.attrs.epsilon === 'number' ? n.attrs.epsilon : 1e-4;
  const c = x.shape[x.shape.length - 1];
  for (const p of [scale, offset, mean, variance]) {
    if (p.data.length !== c) throw new TfeError('E_SHAPE', `node "${n.id}" (FusedBatchNorm): parameters must have ${c} values`);
  }
  const mul = new Float64Array(c);
  const add = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    mul[j] = scale.data[j] / Math.sqrt(variance.data[j] + eps);
    add[j] = offset.data[j] - mean.data[j] * mul[j];
  }
  const out = tensor(x.shape);
  const o = out.data;
  const xs = x.data;
  for (let i = 0; i < o.length; i += c) for (let j = 0; j < c; j++) o[i + j] = xs[i + j] * mul[j] + add[j];
  return out;
};

