/**
 * fold-scalar-muls: multiplications by constants merge at compile time, so no product
 * (and no truncation) is spent on them:
 * - mul(mul(x, c0), c1) with scalar constants becomes mul(x, c0 * c1);
 * - mul(linear(x, W), c) with a scalar c, or a vector c over W's output channels,
 *   becomes linear(x, W * c) (the linear op used only there).
 * Constants are never revealed by this: the model owner's compiler folds them.
 */
import type { RingAttrs, RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { must, removeDead, ringNodeMap, ringUses } from './graph.js';
import type { RingPass } from './pass.js';

/**
 * The attributes of a constant merged from two: a parameter if either is; marked
 * private if either is marked private (a program's privateVariable), marked public only
 * if both are (a program's constants). A merge never makes a secret public.
 */
function mergedAttrs(a: RingAttrs, b: RingAttrs): RingAttrs {
  const param = a.param === true || b.param === true;
  const vis = a.visibility === 'private' || b.visibility === 'private' ? 'private' : a.visibility === 'public' && b.visibility === 'public' ? 'public' : undefined;
  return { ...a, param, ...(vis !== undefined ? { visibility: vis } : {}) };
}

function constOperand(byId: ReadonlyMap<string, RingNode>, n: RingNode): { c: RingNode; other: string } | undefined {
  for (const k of [0, 1]) {
    const c = byId.get(n.inputs[k]);
    if (c?.op === 'const') return { c, other: n.inputs[1 - k] };
  }
  return undefined;
}

function run(g: RingGraph): RingGraph {
  let nodes = [...g.nodes];
  for (let changed = true; changed; ) {
    changed = false;
    const cur: RingGraph = { ...g, nodes };
    const byId = ringNodeMap(cur);
    const uses = ringUses(cur);
    for (const n of nodes) {
      if (n.op !== 'mul') continue;
      const outer = constOperand(byId, n);
      if (!outer) continue;
      const inner = must(byId, outer.other);
      if ((uses.get(inner.id) ?? 0) !== 1) continue;
      const cv = outer.c.value as Float64Array;
      let repl: RingNode | undefined;
      if (inner.op === 'mul' && cv.length === 1) {
        const ic = constOperand(byId, inner);
        if (ic && (ic.c.value as Float64Array).length === 1 && (uses.get(ic.c.id) ?? 0) === 1) {
          const c = { ...ic.c, value: Float64Array.of((ic.c.value as Float64Array)[0] * cv[0]), attrs: mergedAttrs(ic.c.attrs, outer.c.attrs) };
          nodes = nodes.map((m) => (m.id === c.id ? c : m));
          repl = { ...n, inputs: [ic.other, c.id] };
        }
      } else if ((inner.op === 'matmul' || inner.op === 'conv2d') && cv.length >= 1) {
        const w = byId.get(inner.inputs[1]);
        const outCh = w?.shape[w.shape.length - 1] ?? 0;
        const fits = outer.c.shape.length <= 1 && (cv.length === 1 || cv.length === outCh) && n.shape.length === inner.shape.length;
        if (w?.op === 'const' && fits && (uses.get(w.id) ?? 0) === 1) {
          const wv = w.value as Float64Array;
          const scaled = wv.map((x, i) => x * cv[cv.length === 1 ? 0 : i % outCh]);
          const w2 = { ...w, value: scaled, attrs: mergedAttrs(w.attrs, outer.c.attrs) };
          nodes = nodes.map((m) => (m.id === w.id ? w2 : m));
          repl = { ...inner, id: n.id };
        }
      }
      if (repl) {
        const r = repl;
        nodes = nodes.filter((m) => m.id !== inner.id).map((m) => (m.id === n.id ? r : m));
        changed = true;
        break;
      }
    }
  }
  return removeDead({ ...g, nodes });
}

export const foldScalarMulsPass: RingPass = {
  name: 'fold-scalar-muls',
  purpose: 'merge multiplications by constants into one constant or into the weights of the linear op before them',
  run,
};
