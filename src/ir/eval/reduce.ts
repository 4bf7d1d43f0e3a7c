/**
 * Reductions: Sum, Mean, Prod over a set of axes (keep_dims keeps them as size 1; an
 * empty axes list is the identity, as in TF) and ArgMax over one axis (the first
 * maximum wins, as in TF).
 */
import type { IrNode } from '../node.js';
import type { Kernel } from './elementwise.js';
import { axisOf, intsOf, size, stridesOf, type Tensor, tensor } from './tensor.js';

type Reducer = { init: number; step: (acc: number, x: number) => number; finish: (acc: number, count: number) => number };

function reduce(r: Reducer): Kernel {
  return (n: IrNode, [x, axesT]) => {
    const where = `node "${n.id}" (${n.op})`;
    const axes = new Set(intsOf(axesT).map((a) => axisOf(a, x.shape.length, where)));
    const keep = n.attrs.keep_dims === true;
    const outFull = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
    const outShape = keep ? outFull : x.shape.filter((_, i) => !axes.has(i));
    const count = x.shape.reduce((acc, d, i) => (axes.has(i) ? acc * d : acc), 1);
    const acc = new Float64Array(size(outFull)).fill(r.init);
    const os = stridesOf(outFull);
    const rank = x.shape.length;
    const idx = new Array<number>(rank).fill(0);
    let oi = 0;
    const xs = x.data;
    for (let i = 0; i < xs.length; i++) {
      acc[oi] = r.step(acc[oi], xs[i]);
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        if (!axes.has(d)) oi += os[d];
        if (idx[d] < x.shape[d]) break;
        if (!axes.has(d)) oi -= os[d] * x.shape[d];
        idx[d] = 0;
      }
    }
    for (let i = 0; i < acc.length; i++) acc[i] = r.finish(acc[i], count);
    return tensor(outShape, acc);
  };
}

export const sum = reduce({ init: 0, step: (a, x) => a + x, finish: (a) => a });
export const mean = reduce({ init: 0, step: (a, x) => a + x, finish: (a, c) => a / c });
export const prod = reduce({ init: 1, step: (a, x) => a * x, finish: (a) => a });

export const argMax: Kernel = (n, [x, axisT]): Tensor => {
  const axis = axisOf(intsOf(axisT)[0], x.shape.length, `node "${n.id}" (ArgMax)`);
  const outer = size(x.shape.slice(0, axis));
  const len = x.shape[axis];
  const inner = size(x.shape.slice(axis + 1));
  const out = tensor(x.shape.filter((_, i) => i !== axis));
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < inner; c++) {
      let best = 0;
      let bv = -Infinity;
      for (let k = 0; k < len; k++) {
        const v = x.data[(a * len + k) * inner + c];
        if (v > bv || Number.isNaN(v)) {
          bv = v;
          best = k;
          if (Number.isNaN(v)) break;
        }
      }
      out.data[a * inner + c] = best;
    }
  }
  return out;
};
