/**
 * Kernels that move or reinterpret data, and the shape arithmetic ops folded at
 * compile time: Reshape, Squeeze, ExpandDims, Transpose, Concat, Pad (zeros), Shape,
 * Size, Rank, StridedSlice, Slice, Pack, Fill, Range, GatherV2, Tile.
 */
import { TfeError } from '../../errors.js';
import type { IrNode } from '../node.js';
import { planStridedSlice } from '../strided-slice.js';
import type { Kernel } from './elementwise.js';
import { axisOf, intsOf, size, stridesOf, type Tensor, tensor } from './tensor.js';

function bad(n: IrNode, msg: string): never {
  throw new TfeError('E_SHAPE', `node "${n.id}" (${n.op}): ${msg}`);
}

export const reshape: Kernel = (n, [x, s]) => {
  const target = intsOf(s);
  const total = x.data.length;
  const known = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const free = target.filter((d) => d === -1).length;
  if (free > 1 || (free === 1 && (known === 0 || total % known !== 0)) || (free === 0 && known !== total)) {
    bad(n, `cannot reshape [${x.shape.join(',')}] to [${target.join(',')}]`);
  }
  return { shape: target.map((d) => (d === -1 ? total / known : d)), data: x.data };
};

export const squeeze: Kernel = (n, [x]) => {
  const dims = n.attrs.squeeze_dims;
  if (Array.isArray(dims) && dims.length > 0) {
    const set = new Set((dims as number[]).map((a) => axisOf(a, x.shape.length, `node "${n.id}"`)));
    for (const a of set) if (x.shape[a] !== 1) bad(n, `dim ${a} has size ${x.shape[a]}, not 1`);
    return { shape: x.shape.filter((_, i) => !set.has(i)), data: x.data };
  }
  return { shape: x.shape.filter((d) => d !== 1), data: x.data };
};

export const expandDims: Kernel = (n, [x, a]) => {
  const r = x.shape.length;
  let axis = intsOf(a)[0];
  if (axis < 0) axis += r + 1;
  if (axis < 0 || axis > r) bad(n, `axis out of range`);
  const shape = [...x.shape];
  shape.splice(axis, 0, 1);
  return { shape, data: x.data };
};

export const transpose: Kernel = (n, [x, p]) => {
  const perm = intsOf(p);
  const r = x.shape.length;
  if (perm.length !== r) bad(n, `perm has ${perm.length} entries for rank ${r}`);
  const outShape = perm.map((q) => x.shape[q]);
  const is = stridesOf(x.shape);
  const srcStride = perm.map((q) => is[q]);
  const out = tensor(outShape);
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let i = 0; i < out.data.length; i++) {
    out.data[i] = x.data[src];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      src += srcStride[d];
      if (idx[d] < outShape[d]) break;
      src -= srcStride[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
};

export const concat: Kernel = (n, ins) => {
  const xs = ins.slice(0, -1);
  const axis = axisOf(intsOf(ins[ins.length - 1])[0], xs[0].shape.length, `node "${n.id}"`);
  const outShape = [...xs[0].shape];
  outShape[axis] = xs.reduce((a, x) => a + x.shape[axis], 0);
  const outer = size(outShape.slice(0, axis));
  const inner = size(outShape.slice(axis + 1));
  const out = tensor(outShape);
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const len = x.shape[axis] * inner;
      out.data.set(x.data.subarray(o * len, (o + 1) * len), off);
      off += len;
    }
  }
  return out;
};

export const pad: Kernel = (n, [x, p]) => {
  const pads = intsOf(p);
  const r = x.shape.length;
  if (pads.length !== 2 * r || pads.some((v) => v < 0)) bad(n, `paddings [${pads.join(',')}] do not fit rank ${r}`);
  const outShape = x.shape.map((d, i) => d + pads[2 * i] + pads[2 * i + 1]);
  const os = stridesOf(outShape);
  const out = tensor(outShape);
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let d = 0; d < r; d++) o += (idx[d] + pads[2 * d]) * os[d];
    out.data[o] = x.data[i];
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
};

export const shapeOf: Kernel = (_n, [x]) => tensor([x.shape.length], Float64Array.from(x.shape));
export const sizeOf: Kernel = (_n, [x]) => tensor([], Float64Array.of(x.data.length));
export const rankOf: Kernel = (_n, [x]) => tensor([], Float64Array.of(x.shape.length));

/** Copies the selection given per input dim (start, step, count) in row-major order. */
function gatherSelection(x: Tensor, sel: readonly { start: number; step: number; count: number }[]): Float64Array {
  const r = x.shape.length;
  const is = stridesOf(x.shape);
  const total = sel.reduce((a, s) => a * s.count, 1);
  const out = new Float64Array(total);
  if (total === 0) return out;
  const idx = new Array<number>(r).fill(0);
  let src = sel.reduce((a, s, d) => a + s.start * is[d], 0);
  for (let i = 0; i < total; i++) {
    out[i] = x.data[src];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      src += sel[d].step * is[d];
      if (idx[d] < sel[d].count) break;
      src -= sel[d].step * is[d] * sel[d].count;
      idx[d] = 0;
    }
  }
  return out;
}

export const stridedSlice: Kernel = (n, [x, b, e, s]) => {
  const m = (k: string): number => (typeof n.attrs[k] === 'number' ? (n.attrs[k] as number) : 0);
  const plan = planStridedSlice(x.shape, intsOf(b), intsOf(e), intsOf(s), {
    begin_mask: m('begin_mask'),
    end_mask: m('end_mask'),
    ellipsis_mask: m('ellipsis_mask'),
    new_axis_mask: m('new_axis_mask'),
    shrink_axis_mask: m('shrink_axis_mask'),
  }, `node "${n.id}"`);
  return tensor(plan.outShape, gatherSelection(x, plan.dims));
};

export const slice: Kernel = (n, [x, b, s]) => {
  const begin = intsOf(b);
  const sz = intsOf(s);
  const sel = x.shape.map((d, i) => {
    const count = sz[i] === -1 ? d - begin[i] : sz[i];
    if (begin[i] < 0 || count < 0 || begin[i] + count > d) bad(n, `slice [${begin[i]}, +${sz[i]}) exceeds dim ${i} of size ${d}`);
    return { start: begin[i], step: 1, count };
  });
  return tensor(sel.map((q) => q.count), gatherSelection(x, sel));
};

export const pack: Kernel = (n, xs) => {
  const s0 = xs[0].shape;
  let axis = typeof n.attrs.axis === 'number' ? n.attrs.axis : 0;
  if (axis < 0) axis += s0.length + 1;
  for (const x of xs) if (x.shape.join(',') !== s0.join(',')) bad(n, 'operands differ in shape');
  const outShape = [...s0];
  outShape.splice(axis, 0, xs.length);
  const outer = size(s0.slice(0, axis));
  const inner = size(s0.slice(axis));
  const out = tensor(outShape);
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      out.data.set(x.data.subarray(o * inner, (o + 1) * inner), off);
      off += inner;
    }
  }
  return out;
};

export const fill: Kernel = (_n, [d, v]) => {
  const shape = intsOf(d);
  return tensor(shape, new Float64Array(size(shape)).fill(v.data[0]));
};

export const range: Kernel = (n, [s, l, d]) => {
  const [start, limit, delta] = [s.data[0], l.data[0], d.data[0]];
  if (delta === 0) bad(n, 'delta is 0');
  const count = Math.max(0, Math.ceil((limit - start) / delta));
  return tensor([count], Float64Array.from({ length: count }, (_, i) => start + i * delta));
};

export const gatherV2: Kernel = (n, [p, ix, a]) => {
  const axis = axisOf(intsOf(a)[0], p.shape.length, `node "${n.id}"`);
  const outer = size(p.shape.slice(0, axis));
  const len = p.shape[axis];
  const inner = size(p.shape.slice(axis + 1));
  const idx = intsOf(ix);
  const out = tensor([...p.shape.slice(0, axis), ...ix.shape, ...p.shape.slice(axis + 1)]);
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const k of idx) {
      if (k < 0 || k >= len) bad(n, `index ${k} out of range [0, ${len})`);
      out.data.set(p.data.subarray((o * len + k) * inner, (o * len + k + 1) * inner), off);
      off += inner;
    }
  }
  return out;
};

export const tile: Kernel = (n, [x, m]) => {
  const mult = intsOf(m);
  if (mult.length !== x.shape.length) bad(n, `multiples has ${mult.length} entries for rank ${x.shape.length}`);
  const outShape = x.shape.map((d, i) => d * mult[i]);
  const out = tensor(outShape);
  const r = outShape.length;
  const is = stridesOf(x.shape);
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < out.data.length; i++) {
    let src = 0;
    for (let d = 0; d < r; d++) src += (idx[d] % x.shape[d]) * is[d];
    out.data[i] = x.data[src];
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
};
