/**
 * A tiny float64 reference evaluator for the IR the TF frontends produce, for
 * these tests only (the project's interpreter is separate). It implements the
 * attribute conventions documented in compiler/frontend/tf-nodes.ts directly
 * from TF's op definitions, for the ops the shared test models use: Placeholder,
 * Const, Identity, MatMul, BiasAdd, Add, Sub, Mul, Neg, Relu, Relu6, Sigmoid, Tanh,
 * Softmax, Rsqrt, Reshape, Conv2D, AvgPool, MaxPool, FusedBatchNorm.
 */
import type { IrGraph, IrNode, TensorData } from '../../src/ir/node.js';

export interface T64 { shape: number[]; data: Float64Array }

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function strides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

/** NumPy broadcasting of two tensors through f. */
function broadcast(a: T64, b: T64, f: (x: number, y: number) => number): T64 {
  const r = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array<number>(r - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array<number>(r - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new Error(`broadcast ${a.shape} vs ${b.shape}`);
    return Math.max(d, pb[i]);
  });
  const sa = strides(pa);
  const sb = strides(pb);
  const so = strides(shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < r; k++) {
      const c = Math.floor(i / so[k]) % shape[k];
      if (pa[k] !== 1) ia += c * sa[k];
      if (pb[k] !== 1) ib += c * sb[k];
    }
    out[i] = f(a.data[ia], b.data[ib]);
  }
  return { shape, data: out };
}

const map = (a: T64, f: (x: number) => number): T64 => ({ shape: a.shape, data: a.data.map(f) });

function matmul(a: T64, b: T64, ta: boolean, tb: boolean): T64 {
  const [m, k] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, n] = tb ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (k !== k2) throw new Error(`matmul ${a.shape} x ${b.shape}`);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[ta ? p * m + i : i * k + p] * b.data[tb ? j * k + p : p * n + j];
      out[i * n + j] = s;
    }
  }
  return { shape: [m, n], data: out };
}

/** TF window geometry: output size and the padding before, per spatial axis. */
function window(inSize: number, k: number, s: number, d: number, padding: string): [number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'VALID') return [Math.ceil((inSize - eff + 1) / s), 0];
  const out = Math.ceil(inSize / s);
  return [out, Math.floor(Math.max(0, (out - 1) * s + eff - inSize) / 2)];
}

function conv2d(x: T64, w: T64, st: number[], dl: number[], padding: string): T64 {
  const [nb, h, wd, c] = x.shape;
  const [kh, kw, ci, co] = w.shape;
  if (ci !== c) throw new Error('conv channels');
  const [oh, ph] = window(h, kh, st[0], dl[0], padding);
  const [ow, pw] = window(wd, kw, st[1], dl[1], padding);
  const out = new Float64Array(nb * oh * ow * co);
  for (let b = 0; b < nb; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < co; o++) {
    let s = 0;
    for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      const y = i * st[0] + u * dl[0] - ph;
      const z = j * st[1] + v * dl[1] - pw;
      if (y < 0 || y >= h || z < 0 || z >= wd) continue;
      for (let q = 0; q < c; q++) s += x.data[((b * h + y) * wd + z) * c + q] * w.data[((u * kw + v) * ci + q) * co + o];
    }
    out[((b * oh + i) * ow + j) * co + o] = s;
  }
  return { shape: [nb, oh, ow, co], data: out };
}

function pool(x: T64, k: number[], st: number[], padding: string, max: boolean): T64 {
  const [nb, h, wd, c] = x.shape;
  const [oh, ph] = window(h, k[0], st[0], 1, padding);
  const [ow, pw] = window(wd, k[1], st[1], 1, padding);
  const out = new Float64Array(nb * oh * ow * c);
  for (let b = 0; b < nb; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let q = 0; q < c; q++) {
    let acc = max ? -Infinity : 0;
    let n = 0;
    for (let u = 0; u < k[0]; u++) for (let v = 0; v < k[1]; v++) {
      const y = i * st[0] + u - ph;
      const z = j * st[1] + v - pw;
      if (y < 0 || y >= h || z < 0 || z >= wd) continue;
      const val = x.data[((b * h + y) * wd + z) * c + q];
      acc = max ? Math.max(acc, val) : acc + val;
      n++;
    }
    out[((b * oh + i) * ow + j) * c + q] = max ? acc : acc / n;
  }
  return { shape: [nb, oh, ow, c], data: out };
}

function reshape(x: T64, target: number[]): T64 {
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  return { shape: target.map((d) => (d === -1 ? x.data.length / known : d)), data: x.data };
}

function softmax(x: T64): T64 {
  const n = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length; r += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x.data[r + i]);
    let s = 0;
    for (let i = 0; i < n; i++) { out[r + i] = Math.exp(x.data[r + i] - m); s += out[r + i]; }
    for (let i = 0; i < n; i++) out[r + i] /= s;
  }
  return { shape: x.shape, data: out };
}

function evalNode(n: IrNode, ins: T64[]): T64 {
  const a = n.attrs;
  switch (n.op) {
    case 'Const': {
      const v = a.value as TensorData;
      return { shape: [...v.shape], data: Float64Array.from(v.values as ArrayLike<number>) };
    }
    case 'Identity': return ins[0];
    case 'MatMul': return matmul(ins[0], ins[1], a.transpose_a === true, a.transpose_b === true);
    case 'BiasAdd': case 'Add': return broadcast(ins[0], ins[1], (x, y) => x + y);
    case 'Sub': return broadcast(ins[0], ins[1], (x, y) => x - y);
    case 'Mul': return broadcast(ins[0], ins[1], (x, y) => x * y);
    case 'Neg': return map(ins[0], (x) => -x);
    case 'Relu': return map(ins[0], (x) => Math.max(0, x));
    case 'Relu6': return map(ins[0], (x) => Math.min(6, Math.max(0, x)));
    case 'Sigmoid': return map(ins[0], (x) => 1 / (1 + Math.exp(-x)));
    case 'Tanh': return map(ins[0], Math.tanh);
    case 'Rsqrt': return map(ins[0], (x) => 1 / Math.sqrt(x));
    case 'Softmax': return softmax(ins[0]);
    case 'Reshape': return reshape(ins[0], Array.from(ins[1].data));
    case 'Conv2D': return conv2d(ins[0], ins[1], a.strides as number[], a.dilations as number[], a.padding as string);
    case 'AvgPool': case 'MaxPool': return pool(ins[0], a.ksize as number[], a.strides as number[], a.padding as string, n.op === 'MaxPool');
    case 'FusedBatchNorm': {
      const [x, scale, offset, mean, variance] = ins;
      const c = x.shape[x.shape.length - 1];
      const eps = a.epsilon as number;
      return { shape: x.shape, data: x.data.map((v, i) => { const k = i % c; return (v - mean.data[k]) * scale.data[k] / Math.sqrt(variance.data[k] + eps) + offset.data[k]; }) };
    }
    default: throw new Error(`eval64: op ${n.op} not implemented`);
  }
}

/** Evaluates `g` on `feeds` (by input id); returns the outputs in order. */
export function eval64(g: IrGraph, feeds: Record<string, T64>): T64[] {
  const vals = new Map<string, T64>();
  for (const n of g.nodes) {
    if (n.op === 'Placeholder') {
      const f = feeds[n.id];
      if (f === undefined) throw new Error(`no feed for ${n.id}`);
      vals.set(n.id, f);
      continue;
    }
    vals.set(n.id, evalNode(n, n.inputs.map((i) => vals.get(i) as T64)));
  }
  return g.outputs.map((o) => vals.get(o) as T64);
}
