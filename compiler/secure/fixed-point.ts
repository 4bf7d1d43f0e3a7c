/**
 * fixed-point: gives every value a scale (fractional bits), encodes constants at the
 * scale their use needs, places the truncations, and checks headroom.
 *
 * Scales: inputs at f (--frac-bits, default 16); a product's scale is the sum of its
 * operands' (weights encoded at f, so x@f times W@f is at 2f); an added constant (a
 * bias) is encoded at the other operand's scale, so no truncation precedes it; two
 * secrets added at different scales are aligned down (the finer one truncated);
 * relu, maxpool, sum and the layout ops keep the scale; avgpool multiplies by a
 * reciprocal of `fb` bits (fb = log2 of the window size when that is a power of two
 * and the padding VALID, so 1/k is exact; f otherwise) and adds fb; likewise a
 * public compiler constant exact in b < f bits (a mean's 1/4) is encoded at b bits
 * and its product is not truncated first when headroom allows; argmax is an
 * integer (scale 0); rescale adds its shift; poly and piecewise take their input at f
 * and give their output at f (piecewise's inner scales are its own: piecewise.ts).
 *
 * Lazy truncation: a value is truncated only where it feeds a multiplication (or a
 * poly) at a scale above f, once per value (shared by all its consumers), i.e. after
 * the scale-agnostic relu / maxpool / reshape that follow a layer, on the fewest
 * elements. Outputs are not truncated: they are revealed at their scale and the
 * client decodes with it (exact, and one round less). The truncation before the
 * last product on the way to an output (after which only adds, relu, pools and
 * layout ops follow) is dropped too when the untruncated product still fits the
 * headroom (e.g. a final dense layer revealed at scale 3f). An avgpool whose added
 * bits would break headroom first truncates its input to f.
 *
 * Headroom: every value must satisfy bound * 2^scale < 2^62 (trunc_s and the
 * comparisons need |x| < 2^62); the bounds are those of bounds.ts from the declared
 * input range. Where that fails: E_RANGE naming the layer and the fix.
 */
import { TfeError } from '../../src/errors.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { nodeBounds } from './bounds.js';
import { idAllocator, must, ringNodeMap } from './graph.js';
import type { SecureOptions } from './options.js';
import type { RingPass } from './pass.js';
import { HEADROOM_LOG2 } from '../ring/verify.js';

function fits(bound: number, scale: number): boolean {
  return scale <= HEADROOM_LOG2 && bound * 2 ** scale < 2 ** HEADROOM_LOG2;
}

const SCALE_SENSITIVE: ReadonlySet<string> = new Set(['matmul', 'conv2d', 'depthwise_conv2d', 'mul', 'poly', 'piecewise', 'avgpool', 'rescale']);
/** Scale-sensitive ops that are not products (never left untruncated). */
const NOT_PRODUCTS: ReadonlySet<string> = new Set(['poly', 'piecewise', 'rescale']);

/** Products after which no op cares about the scale (only adds, relu, pools, layout, argmax, outputs follow). */
function terminalProducts(g: RingGraph): string[] {
  const consumers = new Map<string, RingNode[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const sensitive = new Set<string>();
  for (const n of [...g.nodes].reverse()) {
    if ((consumers.get(n.id) ?? []).some((c) => SCALE_SENSITIVE.has(c.op) || sensitive.has(c.id))) sensitive.add(n.id);
  }
  return g.nodes.filter((n) => SCALE_SENSITIVE.has(n.op) && !NOT_PRODUCTS.has(n.op) && !sensitive.has(n.id)).map((n) => n.id);
}

function rangeError(n: RingNode, bound: number, scale: number, opts: SecureOptions): TfeError {
  const need = Math.ceil(Math.log2(bound * 2 ** scale));
  if (n.op === 'poly') {
    return new TfeError(
      'E_RANGE',
      `layer "${n.source}": its polynomial can reach |x| <= ${bound.toPrecision(4)} on its input's range, beyond the ring's headroom at scale ${scale} `
        + `(${n.approximation ?? 'approximation'})`,
      'the input leaves the polynomial\'s domain: widen it with --relu-range R, declare a smaller input range, or use --relu exact',
    );
  }
  return new TfeError(
    'E_RANGE',
    `layer "${n.source}" (${n.op}) can reach |x| <= ${bound.toPrecision(4)}, which at scale ${scale} needs ${need} bits of the 62 the ring allows `
      + `(input range [${opts.inputRange.join(', ')}], ${opts.fracBits} fractional bits)`,
    `use fewer fractional bits (--frac-bits ${Math.max(1, opts.fracBits - Math.ceil((need - HEADROOM_LOG2) / 2))}) or declare a smaller input range (--input-range LO:HI or --calibrate FILE)`,
  );
}

/** Fractional bits of an avgpool's reciprocal: exact bits for a power-of-two VALID window. */
function avgpoolBits(n: RingNode, f: number): number {
  const k = (n.attrs.ksize as number[]).reduce((a, d) => a * d, 1);
  const log = Math.log2(k);
  return n.attrs.padding === 'VALID' && Number.isInteger(log) ? log : f;
}

/** The fewest fractional bits (<= f) that encode every value exactly (f when none does). */
function exactBits(v: Float64Array, f: number): number {
  for (let b = 0; b <= f; b++) if (v.every((x) => Number.isInteger(x * 2 ** b))) return b;
  return f;
}

/** A compiler constant (public, not a model weight) exact in fewer than f bits, e.g. a mean's 1/4. */
function isExactPublic(n: RingNode, f: number): boolean {
  return n.op === 'const' && n.vis === 'public' && n.attrs.param !== true && exactBits(n.value as Float64Array, f) < f;
}

/**
 * Assigns scales; the products in `untruncated` take their operands as they are (no
 * truncation first), which run() tries for the last products before the outputs.
 */
function assign(g: RingGraph, opts: SecureOptions, bounds: ReadonlyMap<string, number>, untruncated: ReadonlySet<string>): RingGraph {
  const f = opts.fracBits;
  const src = ringNodeMap(g);
  const fresh = idAllocator(g);
  const out: RingNode[] = [];
  const done = new Map<string, RingNode>();
  const truncs = new Map<string, RingNode>();
  const consts = new Map<string, RingNode>();
  const emit = (n: RingNode): RingNode => {
    if (n.op !== 'const' && !fits(n.bound as number, n.scale as number)) throw rangeError(n, n.bound as number, n.scale as number, opts);
    out.push(n);
    done.set(n.id, n);
    return n;
  };
  /** The constant `id` encoded at `scale` (one node per scale). */
  const constAt = (id: string, scale: number): RingNode => {
    const key = `${id}@${scale}`;
    const hit = consts.get(key);
    if (hit) return hit;
    const c = must(src, id);
    const first = ![...consts.keys()].some((k) => k.startsWith(`${id}@`));
    const n = emit({ ...c, id: first ? id : fresh(`${id}@${scale}`), scale, bound: bounds.get(id) });
    consts.set(key, n);
    return n;
  };
  /** Operand `id` at a scale of at most `max` (truncated once per value and scale). */
  const atMost = (id: string, max: number): RingNode => {
    const x = must(done, id);
    if ((x.scale as number) <= max) return x;
    const key = `${id}@${max}`;
    const hit = truncs.get(key);
    if (hit) return hit;
    const t = emit({ id: fresh(`${id}/trunc`), op: 'trunc', inputs: [id], attrs: { bits: (x.scale as number) - max }, shape: x.shape, source: x.source, vis: x.vis, scale: max, bound: (x.bound as number) + 2 ** -max });
    truncs.set(key, t);
    return t;
  };
  const isConst = (id: string): boolean => src.get(id)?.op === 'const';
  for (const n of g.nodes) {
    const bound = bounds.get(n.id) as number;
    const put = (inputs: RingNode[], scale: number, attrs = n.attrs): void => {
      emit({ ...n, inputs: inputs.map((i) => i.id), attrs, scale, bound });
    };
    switch (n.op) {
      case 'const':
        break; // encoded where used
      case 'input':
        put([], f);
        break;
      case 'matmul':
      case 'conv2d':
      case 'depthwise_conv2d':
      case 'mul': {
        if (untruncated.has(n.id)) {
          const constScale = (i: string): number => (isExactPublic(must(src, i), f) ? exactBits(must(src, i).value as Float64Array, f) : f);
          const ins = n.inputs.map((i) => (isConst(i) ? constAt(i, constScale(i)) : must(done, i)));
          put(ins, (ins[0].scale as number) + (ins[1].scale as number));
          break;
        }
        const c = n.op === 'mul' ? n.inputs.findIndex((i) => isExactPublic(must(src, i), f)) : -1;
        if (c >= 0) {
          // a public constant exact in b < f bits (1/4, 0.5): no truncation before it when headroom allows
          const b = exactBits(must(src, n.inputs[c]).value as Float64Array, f);
          let x = must(done, n.inputs[1 - c]);
          if (!fits(bound, (x.scale as number) + b)) x = atMost(x.id, f);
          const k = constAt(n.inputs[c], b);
          put(c === 0 ? [k, x] : [x, k], (x.scale as number) + b);
          break;
        }
        const ins = n.inputs.map((i) => (isConst(i) ? constAt(i, f) : atMost(i, f)));
        put(ins, (ins[0].scale as number) + (ins[1].scale as number));
        break;
      }
      case 'add':
      case 'sub':
      case 'concat': {
        const vars = n.inputs.filter((i) => !isConst(i));
        const s = vars.length ? Math.min(...vars.map((i) => must(done, i).scale as number)) : f;
        put(n.inputs.map((i) => (isConst(i) ? constAt(i, s) : atMost(i, s))), s);
        break;
      }
      case 'avgpool': {
        const fb = avgpoolBits(n, f);
        let x = must(done, n.inputs[0]);
        if (!fits(bound, (x.scale as number) + fb)) x = atMost(x.id, f);
        put([x], (x.scale as number) + fb, { ...n.attrs, fracBits: fb });
        break;
      }
      case 'poly':
      case 'piecewise': {
        const x = atMost(n.inputs[0], f);
        if ((x.scale as number) < f) {
          throw new TfeError('E_UNSUPPORTED', `layer "${n.source}": the polynomial's input has scale ${String(x.scale)} < ${f}`, 'use fewer fractional bits');
        }
        put([x], f, { ...n.attrs, fracBits: f });
        break;
      }
      case 'argmax':
        put([must(done, n.inputs[0])], 0);
        break;
      case 'rescale': {
        const x = must(done, n.inputs[0]);
        put([x], (x.scale as number) + Number(n.attrs.shift));
        break;
      }
      case 'sigmoid':
      case 'tanh':
      case 'trunc':
        throw new TfeError('E_IR', `fixed-point: unexpected ${n.op} node "${n.id}" (the activations pass runs first)`);
      default: {
        // scale-agnostic: neg, relu, maxpool, sum, layout ops, output
        const x = isConst(n.inputs[0]) ? constAt(n.inputs[0], f) : must(done, n.inputs[0]);
        put([x], x.scale as number);
      }
    }
  }
  return { ...g, nodes: out };
}

function run(g: RingGraph, opts: SecureOptions): RingGraph {
  const bounds = nodeBounds(g, opts.inputRange);
  let best = assign(g, opts, bounds, new Set());
  const untruncated = new Set<string>();
  for (const p of terminalProducts(g).reverse()) {
    const trial = new Set([...untruncated, p]);
    try {
      best = assign(g, opts, bounds, trial);
      untruncated.add(p);
    } catch (e) {
      if (!(e instanceof TfeError && e.code === 'E_RANGE')) throw e;
    }
  }
  return best;
}

export const fixedPointPass: RingPass = {
  name: 'fixed-point',
  purpose: 'assign scales, encode constants at the scale of their use, place lazy truncations, check headroom',
  run,
};
