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
 *
 * Each op's scale rule is its entry in compiler/secure/ops (RingOpRule.scale); this is
 * the driver (lazy truncation, constant encodings, headroom, the untruncated trials).
 */
import { TfeError } from '../../src/errors.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { nodeBounds } from './bounds.js';
import { idAllocator, must, ringNodeMap } from './graph.js';
import { RING_OP_RULES } from './ops/index.js';
import type { SecureOptions } from './options.js';
import type { RingPass } from './pass.js';
import { fits, type ScaleUse } from './scale.js';
import { HEADROOM_LOG2 } from '../ring/verify.js';

/** Products after which no op cares about the scale (only adds, relu, pools, layout, argmax, outputs follow). */
function terminalProducts(g: RingGraph): string[] {
  const use = (n: RingNode): ScaleUse => RING_OP_RULES[n.op].scaleUse;
  const consumers = new Map<string, RingNode[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const sensitive = new Set<string>();
  for (const n of [...g.nodes].reverse()) {
    if ((consumers.get(n.id) ?? []).some((c) => use(c) !== 'agnostic' || sensitive.has(c.id))) sensitive.add(n.id);
  }
  return g.nodes.filter((n) => use(n) === 'product' && !sensitive.has(n.id)).map((n) => n.id);
}

/** The declared input ranges, for messages: the option's, and each input's own (attrs.range) where it has one. */
function rangesText(g: RingGraph, opts: SecureOptions): string {
  const own = g.nodes.filter((n) => n.op === 'input' && Array.isArray(n.attrs.range)).map((n) => `${n.id} [${(n.attrs.range as readonly number[]).join(', ')}]`);
  const base = `input range [${opts.inputRange.join(', ')}]`;
  return own.length === 0 ? base : `${base}; own ranges: ${own.join(', ')}`;
}

function rangeError(n: RingNode, bound: number, scale: number, opts: SecureOptions, ranges: string): TfeError {
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
      + `(${ranges}, ${opts.fracBits} fractional bits)`,
    `use fewer fractional bits (--frac-bits ${Math.max(1, opts.fracBits - Math.ceil((need - HEADROOM_LOG2) / 2))}) or declare a smaller input range (--input-range LO:HI or --calibrate FILE)`,
  );
}

/**
 * Assigns scales; the products in `untruncated` take their operands as they are (no
 * truncation first), which run() tries for the last products before the outputs.
 */
function assign(g: RingGraph, opts: SecureOptions, bounds: ReadonlyMap<string, number>, untruncated: ReadonlySet<string>): RingGraph {
  const f = opts.fracBits;
  const ranges = rangesText(g, opts);
  const src = ringNodeMap(g);
  const fresh = idAllocator(g);
  const out: RingNode[] = [];
  const done = new Map<string, RingNode>();
  const truncs = new Map<string, RingNode>();
  const consts = new Map<string, RingNode>();
  const emit = (n: RingNode): RingNode => {
    if (n.op !== 'const' && !fits(n.bound as number, n.scale as number)) throw rangeError(n, n.bound as number, n.scale as number, opts, ranges);
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
    RING_OP_RULES[n.op].scale(n, {
      f,
      bound,
      untruncated: untruncated.has(n.id),
      source: (id) => must(src, id),
      isConst,
      done: (id) => must(done, id),
      constAt,
      atMost,
      put: (inputs, scale, attrs = n.attrs) => {
        emit({ ...n, inputs: inputs.map((i) => i.id), attrs, scale, bound });
      },
    });
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
