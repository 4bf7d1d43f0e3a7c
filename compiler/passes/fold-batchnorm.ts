/**
 * fold-batchnorm: folds an inference batch normalisation into the linear op before it.
 * A FusedBatchNorm y = x*s + t with s = scale/sqrt(variance+epsilon) and
 * t = offset - mean*s, or the Mul-by-constant / Add(Sub)-of-constant pair a folded
 * Rsqrt fragment leaves, whose operand is a Conv2D / DepthwiseConv2D / MatMul with a
 * constant filter (optionally followed by a BiasAdd), each used only by the next, is
 * folded: filter' = filter*s per output channel, bias' = bias*s + t (a BiasAdd that
 * keeps the normalisation node's id). A FusedBatchNorm that cannot fold becomes
 * Mul + Add with constants. Runs after shape inference and keeps every node shaped.
 */
import { freshId, removeDeadNodes, useCounts } from '../../src/ir/graph.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import { foldedConstMarks } from '../../src/ir/role-attrs.js';
import { constNumbers, makeConst } from '../../src/ir/tensor-data.js';
import type { Pass } from './pass.js';

const LINEAR = new Set(['Conv2D', 'DepthwiseConv2D', 'MatMul']);

/** A linear op (with a constant filter), its optional BiasAdd, and the node ending the chain. */
interface Chain {
  readonly lin: IrNode;
  readonly filter: IrNode;
  readonly bias: IrNode | undefined;
  readonly biasValues: Float64Array | undefined;
  /** The bias's Const. */
  readonly biasConst: IrNode | undefined;
}

interface Ctx {
  readonly byId: Map<string, IrNode>;
  readonly uses: Map<string, number>;
  readonly outputs: ReadonlySet<string>;
}

/** Only the given consumer uses `id` (and it is not a graph output). */
function soleUse(ctx: Ctx, id: string): boolean {
  return ctx.uses.get(id) === 1 && !ctx.outputs.has(id);
}

function chainAt(ctx: Ctx, id: string): Chain | undefined {
  if (!soleUse(ctx, id)) return undefined;
  let n = ctx.byId.get(id) as IrNode;
  let bias: IrNode | undefined;
  let biasValues: Float64Array | undefined;
  let biasConst: IrNode | undefined;
  if (n.op === 'BiasAdd') {
    const b = ctx.byId.get(n.inputs[1]) as IrNode;
    const v = constNumbers(b);
    if (!v || !soleUse(ctx, n.inputs[0])) return undefined;
    bias = n;
    biasConst = b;
    biasValues = Float64Array.from(v);
    n = ctx.byId.get(n.inputs[0]) as IrNode;
  }
  if (!LINEAR.has(n.op)) return undefined;
  const filter = ctx.byId.get(n.inputs[1]) as IrNode;
  if (filter.op !== 'Const' || !filter.shape) return undefined;
  return { lin: n, filter, bias, biasValues, biasConst };
}

/**
 * The per-channel values of constant `c` for `channels` output channels when it
 * broadcasts along the last axis of a rank-`rank` tensor without changing its shape.
 */
function perChannel(c: IrNode | undefined, channels: number, rank: number): Float64Array | undefined {
  const v = constNumbers(c);
  if (!v || !c?.shape || c.shape.length > rank) return undefined;
  if (v.length === 1) return new Float64Array(channels).fill(v[0]);
  const last = c.shape[c.shape.length - 1];
  if (last !== channels || v.length !== channels) return undefined;
  return Float64Array.from(v);
}

/** filter * s along the output-channel axis of `lin`. */
function scaleFilter(lin: IrNode, filter: IrNode, s: Float64Array): Float64Array {
  const w = Float64Array.from(constNumbers(filter) as number[]);
  const shape = filter.shape as readonly number[];
  const c = s.length;
  if (lin.op === 'MatMul' && lin.attrs.transpose_b === true) {
    const k = shape[1];
    for (let i = 0; i < w.length; i++) w[i] *= s[Math.floor(i / k)];
  } else {
    // Conv2D HWIO, DepthwiseConv2D [kh,kw,C,M] (channel c*M+m) and MatMul [K,N]: the channel is the fastest index mod c.
    for (let i = 0; i < w.length; i++) w[i] *= s[i % c];
  }
  return w;
}

/** `c` with the visibility and owner marks of the Consts it was computed from (src/ir/role-attrs.ts; none for a model). */
function marked(c: IrNode, from: readonly IrNode[]): IrNode {
  const marks = foldedConstMarks(from);
  return Object.keys(marks).length === 0 ? c : { ...c, attrs: { ...c.attrs, ...marks } };
}

/**
 * Rewrites the chain so that it computes chain*s + t, ending in a BiasAdd with id
 * `endId`; `sources` are the Consts s and t were computed from. The folded filter and
 * bias carry the marks of every Const that went into them (private if any was).
 */
function fold(g: IrGraph, chain: Chain, endNode: IrNode, s: Float64Array | undefined, t: Float64Array, sources: readonly IrNode[]): IrGraph {
  const { lin, filter } = chain;
  const from = [filter, ...(chain.biasConst ? [chain.biasConst] : []), ...sources];
  const channels = t.length;
  const taken = new Set(g.nodes.map((n) => n.id));
  const fresh = (base: string): string => {
    const id = freshId(taken, base);
    taken.add(id);
    return id;
  };
  const add: IrNode[] = [];
  let newLin = lin;
  if (s) {
    const f = marked(makeConst(fresh(`${lin.id}/folded_filter`), filter.dtype, filter.shape as number[], scaleFilter(lin, filter, s)), from);
    add.push(f);
    newLin = { ...lin, inputs: [lin.inputs[0], f.id] };
  }
  const b = new Float64Array(channels);
  for (let j = 0; j < channels; j++) b[j] = (chain.biasValues ? chain.biasValues[j] : 0) * (s ? s[j] : 1) + t[j];
  const biasConst = marked(makeConst(fresh(`${endNode.id}/folded_bias`), endNode.dtype, [channels], b), from);
  add.push(biasConst);
  const biasAdd: IrNode = { id: endNode.id, op: 'BiasAdd', inputs: [lin.id, biasConst.id], attrs: {}, dtype: endNode.dtype, shape: endNode.shape };
  const drop = new Set([endNode.id, lin.id, ...(chain.bias && chain.bias.id !== endNode.id ? [chain.bias.id] : [])]);
  const nodes: IrNode[] = [];
  for (const n of g.nodes) {
    if (n.id === lin.id) nodes.push(...add, newLin);
    if (n.id === endNode.id) nodes.push(biasAdd);
    if (!drop.has(n.id)) nodes.push(n);
  }
  return removeDeadNodes({ ...g, nodes });
}

/** One rewrite at `n`, or undefined when none applies. */
function rewriteAt(g: IrGraph, ctx: Ctx, n: IrNode): IrGraph | undefined {
  const channels = n.shape ? n.shape[n.shape.length - 1] : -1;
  if (channels < 1) return undefined;
  const rank = (n.shape as readonly number[]).length;
  if (n.op === 'FusedBatchNorm') {
    const [x, scale, offset, mean, variance] = n.inputs.map((i) => ctx.byId.get(i) as IrNode);
    const p = [scale, offset, mean, variance].map((q) => perChannel(q, channels, 1));
    if (p.some((q) => !q)) return undefined;
    const [sc, off, mu, va] = p as Float64Array[];
    const eps = typeof n.attrs.epsilon === 'number' ? n.attrs.epsilon : 1e-4;
    const s = sc.map((v, j) => v / Math.sqrt(va[j] + eps));
    const t = off.map((v, j) => v - mu[j] * s[j]);
    const chain = chainAt(ctx, x.id);
    if (chain) return fold(g, chain, n, s, t, [scale, offset, mean, variance]);
    // Not foldable: x*s + t with constants.
    const taken = new Set(g.nodes.map((m) => m.id));
    const fresh = (base: string): string => {
      const id = freshId(taken, base);
      taken.add(id);
      return id;
    };
    const sc0 = marked(makeConst(fresh(`${n.id}/bn_scale`), n.dtype, [channels], s), [scale, offset, mean, variance]);
    const sh0 = marked(makeConst(fresh(`${n.id}/bn_shift`), n.dtype, [channels], t), [scale, offset, mean, variance]);
    const mul: IrNode = { id: fresh(`${n.id}/bn_mul`), op: 'Mul', inputs: [x.id, sc0.id], attrs: {}, dtype: n.dtype, shape: n.shape };
    const addN: IrNode = { id: n.id, op: 'Add', inputs: [mul.id, sh0.id], attrs: {}, dtype: n.dtype, shape: n.shape };
    const nodes = g.nodes.flatMap((m) => (m.id === n.id ? [sc0, sh0, mul, addN] : [m]));
    return removeDeadNodes({ ...g, nodes });
  }
  if (n.op === 'Mul' || n.op === 'Add' || n.op === 'Sub') {
    const [a, b] = n.inputs.map((i) => ctx.byId.get(i) as IrNode);
    const pairs: [IrNode, IrNode][] = n.op === 'Sub' ? [[a, b]] : [[a, b], [b, a]];
    for (const [x, c] of pairs) {
      const v = perChannel(c, channels, rank);
      if (!v || x.shape?.length !== rank) continue;
      const chain = chainAt(ctx, x.id);
      if (!chain) continue;
      if (n.op === 'Mul') return fold(g, chain, n, v, new Float64Array(channels), [c]);
      return fold(g, chain, n, undefined, n.op === 'Sub' ? v.map((q) => -q) : v, [c]);
    }
  }
  return undefined;
}

export const foldBatchNormPass: Pass = {
  name: 'fold-batchnorm',
  purpose: 'fold batch normalisation (FusedBatchNorm or Mul/Add by constants) into the preceding linear op',
  run(g) {
    let cur = g;
    for (;;) {
      const ctx: Ctx = { byId: new Map(cur.nodes.map((n) => [n.id, n])), uses: useCounts(cur), outputs: new Set(cur.outputs) };
      let next: IrGraph | undefined;
      for (const n of cur.nodes) {
        next = rewriteAt(cur, ctx, n);
        if (next) break;
      }
      if (!next) return cur;
      cur = next;
    }
  },
};
