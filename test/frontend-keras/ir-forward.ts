/**
 * A float64 forward pass over the IR ops the Keras frontend emits, written for the tests
 * from the TF op definitions (tensorflow.org/api_docs/python/tf/raw_ops): Conv2D and
 * DepthwiseConv2D (NHWC, HWIO / [kh,kw,C,M], SAME padding puts floor(total/2) before),
 * MaxPool / AvgPool (SAME average excludes padding), MatMul, BiasAdd, Add / Mul with NumPy
 * broadcasting, Relu, Relu6, Sigmoid, Tanh, Softmax (last axis), Reshape, ExpandDims, Squeeze,
 * Mean, Concat, Pad, FusedBatchNorm (inference). It is deliberately simple and independent of the project's
 * interpreter, so the frontend tests do not depend on another engineer's code.
 */
import type { IrGraph, IrNode, TensorData } from '../../src/ir/node.js';

export interface F64Tensor {
  shape: number[];
  data: Float64Array;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function fromConst(v: TensorData): F64Tensor {
  const vals = v.values;
  if (vals instanceof Float64Array) return { shape: [...v.shape], data: vals };
  if (vals instanceof Int32Array || vals instanceof Uint8Array) return { shape: [...v.shape], data: Float64Array.from(vals) };
  throw new Error(`ir-forward: unsupported const dtype ${v.dtype}`);
}

function attrNums(n: IrNode, k: string): number[] {
  const v = n.attrs[k];
  if (!Array.isArray(v)) throw new Error(`ir-forward: ${n.id} lacks attr ${k}`);
  return v as number[];
}

function windowPads(inSize: number, k: number, s: number, d: number, padding: string): { out: number; before: number } {
  const eff = (k - 1) * d + 1;
  if (padding === 'VALID') return { out: Math.floor((inSize - eff) / s) + 1, before: 0 };
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + eff - inSize, 0);
  return { out, before: Math.floor(total / 2) };
}

function conv(n: IrNode, x: F64Tensor, f: F64Tensor, depthwise: boolean): F64Tensor {
  const [B, H, W, C] = x.shape;
  const [kh, kw, fc, fm] = f.shape;
  if (fc !== C) throw new Error(`ir-forward: ${n.id} filter in-channels ${fc} != ${C}`);
  const [, sh, sw] = attrNums(n, 'strides');
  const [, dh, dw] = attrNums(n, 'dilations');
  const pad = String(n.attrs.padding);
  const py = windowPads(H, kh, sh, dh, pad);
  const px = windowPads(W, kw, sw, dw, pad);
  const O = depthwise ? C * fm : fm;
  const out = new Float64Array(B * py.out * px.out * O);
  const xd = x.data;
  const fd = f.data;
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < py.out; oy++) {
      for (let ox = 0; ox < px.out; ox++) {
        const ob = ((b * py.out + oy) * px.out + ox) * O;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky * dh - py.before;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx * dw - px.before;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            const fb = (ky * kw + kx) * C * fm;
            for (let ci = 0; ci < C; ci++) {
              const xv = xd[xb + ci];
              if (xv === 0) continue;
              const fo = fb + ci * fm;
              const oo = depthwise ? ob + ci * fm : ob;
              for (let m = 0; m < fm; m++) out[oo + m] += xv * fd[fo + m];
            }
          }
        }
      }
    }
  }
  return { shape: [B, py.out, px.out, O], data: out };
}

function pool(n: IrNode, x: F64Tensor, max: boolean): F64Tensor {
  const [B, H, W, C] = x.shape;
  const [, kh, kw] = attrNums(n, 'ksize');
  const [, sh, sw] = attrNums(n, 'strides');
  const pad = String(n.attrs.padding);
  const py = windowPads(H, kh, sh, 1, pad);
  const px = windowPads(W, kw, sw, 1, pad);
  const out = new Float64Array(B * py.out * px.out * C);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < py.out; oy++)
      for (let ox = 0; ox < px.out; ox++)
        for (let c = 0; c < C; c++) {
          let acc = max ? -Infinity : 0;
          let cnt = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky - py.before;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx - px.before;
              if (ix < 0 || ix >= W) continue;
              const v = x.data[((b * H + iy) * W + ix) * C + c];
              acc = max ? Math.max(acc, v) : acc + v;
              cnt++;
            }
          }
          out[((b * py.out + oy) * px.out + ox) * C + c] = max ? acc : acc / cnt;
        }
  return { shape: [B, py.out, px.out, C], data: out };
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function broadcast(a: F64Tensor, b: F64Tensor, f: (x: number, y: number) => number): F64Tensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array<number>(rank - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array<number>(rank - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new Error(`ir-forward: cannot broadcast [${a.shape}] with [${b.shape}]`);
    return Math.max(d, pb[i]);
  });
  const sa = strides(pa).map((s, i) => (pa[i] === 1 ? 0 : s));
  const sb = strides(pb).map((s, i) => (pb[i] === 1 ? 0 : s));
  const so = strides(shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    let ia = 0;
    let ib = 0;
    let r = i;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(r / so[d]);
      r -= q * so[d];
      ia += q * sa[d];
      ib += q * sb[d];
    }
    out[i] = f(a.data[ia], b.data[ib]);
  }
  return { shape, data: out };
}

function unary(x: F64Tensor, f: (v: number) => number): F64Tensor {
  return { shape: x.shape, data: x.data.map(f) };
}

function softmax(x: F64Tensor): F64Tensor {
  const n = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length; r += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x.data[r + i]);
    let s = 0;
    for (let i = 0; i < n; i++) s += out[r + i] = Math.exp(x.data[r + i] - m);
    for (let i = 0; i < n; i++) out[r + i] /= s;
  }
  return { shape: x.shape, data: out };
}

function matmul(n: IrNode, a: F64Tensor, b: F64Tensor): F64Tensor {
  if (n.attrs.transpose_a === true || n.attrs.transpose_b === true) throw new Error('ir-forward: transposed MatMul not needed by the Keras frontend');
  const [M, K] = a.shape;
  const [K2, N] = b.shape;
  if (K !== K2) throw new Error(`ir-forward: ${n.id} MatMul [${a.shape}] x [${b.shape}]`);
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      const av = a.data[i * K + k];
      if (av === 0) continue;
      for (let j = 0; j < N; j++) out[i * N + j] += av * b.data[k * N + j];
    }
  return { shape: [M, N], data: out };
}

function reshape(x: F64Tensor, target: number[]): F64Tensor {
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = target.map((d) => (d === -1 ? x.data.length / known : d));
  if (size(shape) !== x.data.length) throw new Error(`ir-forward: cannot reshape [${x.shape}] to [${target}]`);
  return { shape, data: x.data };
}

function mean(x: F64Tensor, axes: number[], keep: boolean): F64Tensor {
  const rank = x.shape.length;
  const ax = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const kshape = x.shape.map((d, i) => (ax.has(i) ? 1 : d));
  const so = strides(kshape);
  const sx = strides(x.shape);
  const out = new Float64Array(size(kshape));
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    let r = i;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(r / sx[d]);
      r -= q * sx[d];
      if (!ax.has(d)) o += q * so[d];
    }
    out[o] += x.data[i];
  }
  const cnt = x.data.length / out.length;
  for (let i = 0; i < out.length; i++) out[i] /= cnt;
  return { shape: keep ? kshape : x.shape.filter((_, i) => !ax.has(i)), data: out };
}

function concat(xs: F64Tensor[], axis: number): F64Tensor {
  const rank = xs[0].shape.length;
  const a = axis < 0 ? axis + rank : axis;
  const outer = size(xs[0].shape.slice(0, a));
  const shape = [...xs[0].shape];
  shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
  const out = new Float64Array(size(shape));
  let o = 0;
  for (let i = 0; i < outer; i++)
    for (const x of xs) {
      const chunk = size(x.shape.slice(a));
      out.set(x.data.subarray(i * chunk, (i + 1) * chunk), o);
      o += chunk;
    }
  return { shape, data: out };
}

function pad(x: F64Tensor, p: F64Tensor): F64Tensor {
  const rank = x.shape.length;
  const before = Array.from({ length: rank }, (_, i) => p.data[2 * i]);
  const shape = x.shape.map((d, i) => d + p.data[2 * i] + p.data[2 * i + 1]);
  const out = new Float64Array(size(shape));
  const sx = strides(x.shape);
  const so = strides(shape);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    let r = i;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(r / sx[d]);
      r -= q * sx[d];
      o += (q + before[d]) * so[d];
    }
    out[o] = x.data[i];
  }
  return { shape, data: out };
}

function batchNorm(n: IrNode, x: F64Tensor, scale: F64Tensor, offset: F64Tensor, m: F64Tensor, v: F64Tensor): F64Tensor {
  const eps = n.attrs.epsilon as number;
  const C = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = i % C;
    out[i] = ((x.data[i] - m.data[c]) / Math.sqrt(v.data[c] + eps)) * scale.data[c] + offset.data[c];
  }
  return { shape: x.shape, data: out };
}

type Kernel = (n: IrNode, a: F64Tensor[]) => F64Tensor;

/** One evaluator per op (Placeholder and Const are handled by runIr). */
const KERNELS: Readonly<Record<string, Kernel>> = {
  Conv2D: (n, a) => conv(n, a[0], a[1], false),
  DepthwiseConv2D: (n, a) => conv(n, a[0], a[1], true),
  MaxPool: (n, a) => pool(n, a[0], true),
  AvgPool: (n, a) => pool(n, a[0], false),
  MatMul: (n, a) => matmul(n, a[0], a[1]),
  BiasAdd: (_, a) => broadcast(a[0], a[1], (p, q) => p + q),
  Add: (_, a) => broadcast(a[0], a[1], (p, q) => p + q),
  Mul: (_, a) => broadcast(a[0], a[1], (p, q) => p * q),
  Relu: (_, a) => unary(a[0], (v) => Math.max(v, 0)),
  Relu6: (_, a) => unary(a[0], (v) => Math.min(Math.max(v, 0), 6)),
  Sigmoid: (_, a) => unary(a[0], (v) => 1 / (1 + Math.exp(-v))),
  Tanh: (_, a) => unary(a[0], Math.tanh),
  Softmax: (_, a) => softmax(a[0]),
  Reshape: (_, a) => reshape(a[0], Array.from(a[1].data)),
  Mean: (n, a) => mean(a[0], Array.from(a[1].data), n.attrs.keep_dims === true),
  Concat: (_, a) => concat(a.slice(0, -1), a[a.length - 1].data[0]),
  Pad: (_, a) => pad(a[0], a[1]),
  ExpandDims: (_, a) => {
    const axis = a[1].data[0] < 0 ? a[1].data[0] + a[0].shape.length + 1 : a[1].data[0];
    return { shape: [...a[0].shape.slice(0, axis), 1, ...a[0].shape.slice(axis)], data: a[0].data };
  },
  Squeeze: (n, a) => {
    const dims = (n.attrs.squeeze_dims as number[] | undefined) ?? a[0].shape.flatMap((d, i) => (d === 1 ? [i] : []));
    return { shape: a[0].shape.filter((_, i) => !dims.includes(i)), data: a[0].data };
  },
  FusedBatchNorm: (n, a) => batchNorm(n, a[0], a[1], a[2], a[3], a[4]),
};

/** Evaluates `graph` on the given inputs (by Placeholder id) and returns its outputs in order. */
export function runIr(graph: IrGraph, feeds: Record<string, F64Tensor>): F64Tensor[] {
  const env = new Map<string, F64Tensor>();
  for (const n of graph.nodes) {
    let y: F64Tensor;
    if (n.op === 'Placeholder') {
      const f = feeds[n.id];
      if (f === undefined) throw new Error(`ir-forward: no feed for ${n.id}`);
      y = f;
    } else if (n.op === 'Const') {
      y = fromConst(n.attrs.value as TensorData);
    } else {
      const kernel = KERNELS[n.op];
      if (kernel === undefined) throw new Error(`ir-forward: op ${n.op} not implemented`);
      const a = n.inputs.map((id) => {
        const t = env.get(id);
        if (t === undefined) throw new Error(`ir-forward: ${n.id} input ${id} not computed`);
        return t;
      });
      y = kernel(n, a);
    }
    env.set(n.id, y);
  }
  return graph.outputs.map((id) => env.get(id) as F64Tensor);
}
