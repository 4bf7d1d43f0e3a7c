/**
 * Window pooling over NHWC tensors, TensorFlow semantics: MaxPool ignores padded
 * positions; AvgPool divides by the number of in-bounds positions of each window
 * (padding is excluded from the count, as in tf.nn.avg_pool with SAME).
 */
import type { Kernel } from './elementwise.js';
import { pairAttr, windowGeometry } from './linear.js';
import { tensor } from './tensor.js';

function pool(max: boolean): Kernel {
  return (n, [x]) => {
    const [N, H, W, C] = x.shape;
    const [kh, kw] = pairAttr(n, 'ksize');
    const [sh, sw] = pairAttr(n, 'strides');
    const pad = String(n.attrs.padding);
    const gh = windowGeometry(H, kh, sh, 1, pad);
    const gw = windowGeometry(W, kw, sw, 1, pad);
    const out = tensor([N, gh.out, gw.out, C]);
    const o = out.data;
    const xs = x.data;
    const acc = new Float64Array(C);
    for (let b = 0; b < N; b++) {
      for (let oh = 0; oh < gh.out; oh++) {
        const h0 = Math.max(oh * sh - gh.before, 0);
        const h1 = Math.min(oh * sh - gh.before + kh, H);
        for (let ow = 0; ow < gw.out; ow++) {
          const w0 = Math.max(ow * sw - gw.before, 0);
          const w1 = Math.min(ow * sw - gw.before + kw, W);
          acc.fill(max ? -Infinity : 0);
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const base = ((b * H + ih) * W + iw) * C;
              if (max) {
                for (let c = 0; c < C; c++) if (xs[base + c] > acc[c]) acc[c] = xs[base + c];
              } else {
                for (let c = 0; c < C; c++) acc[c] += xs[base + c];
              }
            }
          }
          const count = (h1 - h0) * (w1 - w0);
          const obase = ((b * gh.out + oh) * gw.out + ow) * C;
          for (let c = 0; c < C; c++) o[obase + c] = max ? acc[c] : acc[c] / count;
        }
      }
    }
    return out;
  };
}

export const maxPool = pool(true);
export const avgPool = pool(false);
