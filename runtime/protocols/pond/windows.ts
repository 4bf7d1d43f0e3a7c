/**
 * Window taps of NHWC pooling: for a kh x kw window with strides and TF's SAME/VALID
 * geometry, tap (ky, kx) is the [N, OH, OW, C] tensor of the input element at that
 * window offset, or `fill` where the window hangs over the padding. Pure data
 * movement on one party's share (fill must itself be a valid share: the caller
 * gives server0 the pad value and server1 zero).
 */
import type { Padding } from '../../ring/backend.js';
import { ringTensor, type RingTensor } from '../../ring/tensor.js';
import { windowOut } from '../../../src/protocols/shapes.js';

export interface WindowGeometry {
  readonly ksize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
}

export function padBefore(size: number, k: number, stride: number, padding: Padding): number {
  if (padding === 'VALID') return 0;
  const out = Math.ceil(size / stride);
  return Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2);
}

/** Window sizes, strides, output size and leading padding for an H x W input. */
function placement(h: number, w: number, g: WindowGeometry) {
  const [kh, kw] = g.ksize;
  const [sh, sw] = g.strides;
  return {
    kh, kw, sh, sw,
    oh: windowOut(h, kh, sh, g.padding),
    ow: windowOut(w, kw, sw, g.padding),
    pt: padBefore(h, kh, sh, g.padding),
    pl: padBefore(w, kw, sw, g.padding),
  };
}

export function windowTaps(x: RingTensor, g: WindowGeometry, fill: bigint): RingTensor[] {
  const [n, h, w, c] = x.shape;
  const { kh, kw, sh, sw, oh, ow, pt, pl } = placement(h, w, g);
  const src = new Uint32Array(x.data.buffer, x.data.byteOffset, 2 * x.data.length);
  const taps: RingTensor[] = [];
  const f = BigInt.asUintN(64, fill);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const out = new BigUint64Array(n * oh * ow * c);
      const o32 = new Uint32Array(out.buffer);
      let o = 0;
      for (let b = 0; b < n; b++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh + ky - pt;
          for (let xx = 0; xx < ow; xx++, o += c) {
            const ix = xx * sw + kx - pl;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              if (f !== 0n) out.fill(f, o, o + c);
              continue;
            }
            const s = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              o32[2 * (o + ch)] = src[2 * (s + ch)];
              o32[2 * (o + ch) + 1] = src[2 * (s + ch) + 1];
            }
          }
        }
      }
      taps.push(ringTensor([n, oh, ow, c], out));
    }
  }
  return taps;
}

/** Number of in-bounds taps per output position (AvgPool's divisor, which excludes padding). */
export function windowCounts(h: number, w: number, g: WindowGeometry): { counts: Float64Array; oh: number; ow: number } {
  const { kh, kw, sh, sw, oh, ow, pt, pl } = placement(h, w, g);
  const counts = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      const ys = Math.min(h, y * sh - pt + kh) - Math.max(0, y * sh - pt);
      const xs = Math.min(w, x * sw - pl + kw) - Math.max(0, x * sw - pl);
      counts[y * ow + x] = ys * xs;
    }
  return { counts, oh, ow };
}
