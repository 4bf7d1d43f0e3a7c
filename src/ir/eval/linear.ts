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
    const OC = depthwise ? C * M : M;
    const out = tensor([N, gh.out, gw.out, OC]);
    const o = out.data;
    const xs = x.data;
    const fs = f.data;
    for (let b = 0; b < N; b++) {
      for (let oh = 0; oh < gh.out; oh++) {
        for (let ow = 0; ow < gw.out; ow++) {
          const obase = ((b * gh.out + oh) * gw.out + ow) * OC;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh + kh * dh - gh.before;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sw + kw * dw - gw.before;
              if (iw < 0 || iw >= W) continue;
              const xbase = ((b * H + ih) * W + iw) * C;
              const fbase = (kh * KW + kw) * C * M;
              let c0 = 0;
              if (!depthwise) {
                // Two input channels per sweep over the outputs: half the loads and stores of o.
                for (; c0 + 1 < C; c0 += 2) {
                  const x0 = xs[xbase + c0];
                  const x1 = xs[xbase + c0 + 1];
                  if (x0 === 0 && x1 === 0) continue;
                  const f0 = fbase + c0 * M;
                  const f1 = f0 + M;
                  for (let m = 0; m < M; m++) o[obase + m] += x0 * fs[f0 + m] + x1 * fs[f1 + m];
                }
              }
              for (let c = c0; c < C; c++) {
                const xv = xs[xbase + c];
                if (xv === 0) continue;
                const fb = fbase + c * M;
                const ob = depthwise ? obase + c * M : obase;
                for (let m = 0; m < M; m++) o[ob + m] += xv * fs[fb + m];
              }
            }
          }
        }
      }
    }
    return out;
  };
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

