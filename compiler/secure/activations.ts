/**
 * activations: sigmoid and tanh (always) and relu (with --relu poly) become a
 * polynomial on their input scaled into [-1, 1]: t = rescale(x, k) (x / 2^k, free),
 * clamped to [-1, 1] by two exact comparisons when the headroom bound says |x| can
 * exceed 2^k (t - relu(t - 1) + relu(-t - 1)), then poly(t). Methods, domains and
 * errors are in poly.ts; each poly node states its own in `approximation` (shown by
 * --explain and copied to the plan step). Exact relu stays relu.
 */
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { polyErrorUlps } from '../../src/protocols/pond.js';
import { nodeBounds } from './bounds.js';
import { idAllocator } from './graph.js';
import { RELU_RANGE_CAP, type SecureOptions } from './options.js';
import type { RingPass } from './pass.js';
import { type ActivationApprox, chebyshevFit, RELU_POLY_DEGREE, SIGMOID, TANH } from './poly.js';

const fmt = (x: number): string => x.toExponential(1);

function run(g: RingGraph, opts: SecureOptions): RingGraph {
  const targets = g.nodes.filter((n) => n.op === 'sigmoid' || n.op === 'tanh' || (n.op === 'relu' && opts.relu === 'poly'));
  if (targets.length === 0) return g;
  const bounds = nodeBounds(g, opts.inputRange);
  const fresh = idAllocator(g);
  const out: RingNode[] = [];
  for (const n of g.nodes) {
    if (!targets.includes(n)) {
      out.push(n);
      continue;
    }
    const xb = bounds.get(n.inputs[0]) ?? 0;
    let a: ActivationApprox;
    if (n.op === 'relu') {
      const range = opts.reluRange ?? Math.min(Math.max(xb, 1), RELU_RANGE_CAP);
      a = { name: 'relu', shift: Math.max(0, Math.ceil(Math.log2(range))), degree: RELU_POLY_DEGREE, f: (x) => Math.max(x, 0), clamp: false };
    } else a = n.op === 'sigmoid' ? SIGMOID : TANH;
    const dom = 2 ** a.shift;
    const fit = chebyshevFit((t) => a.f(t * dom), a.degree);
    const mk = (op: RingNode['op'], inputs: string[], base: string, extra: Partial<RingNode> = {}): string => {
      const id = fresh(`${n.id}/${base}`);
      out.push({ id, op, inputs, attrs: {}, shape: n.shape, source: n.source, vis: n.vis, ...extra });
      return id;
    };
    let t = mk('rescale', [n.inputs[0]], 'scaled', { attrs: { shift: a.shift } });
    const clamped = a.clamp && xb > dom;
    if (clamped) {
      const one = mk('const', [], 'one', { attrs: { param: false }, shape: [], value: Float64Array.of(1), vis: 'public' });
      const hi = mk('relu', [mk('sub', [t, one], 'above')], 'excess_hi');
      const lo = mk('relu', [mk('neg', [mk('add', [t, one], 'below')], 'below_neg')], 'excess_lo');
      t = mk('add', [mk('sub', [t, hi], 'clamp_hi'), lo], 'clamped', { attrs: { clampBound: 1 } });
    }
    const outside = a.clamp ? (clamped ? 'clamped to the domain outside it' : `input bound ${fmt(xb)} within the domain`) : xb > dom ? `WARNING: input bound ${fmt(xb)} exceeds the domain, where the polynomial diverges` : 'input within the domain';
    const tBound = clamped ? 1 : Math.max(1, xb / dom);
    const fixedErr = polyErrorUlps(fit.coeffs, tBound, opts.fracBits) * 2 ** -opts.fracBits;
    const approximation = `${a.name}: degree-${a.degree} Chebyshev polynomial on [-${dom}, ${dom}], max error ${fmt(fit.maxError)} there`
      + ` + fixed-point error <= ${fmt(fixedErr)}; ${outside}`;
    out.push({ id: n.id, op: 'poly', inputs: [t], attrs: { coeffs: fit.coeffs }, shape: n.shape, source: n.source, vis: n.vis, approximation });
  }
  return { ...g, nodes: out };
}

export const activationsPass: RingPass = {
  name: 'activations',
  purpose: 'replace sigmoid, tanh and (with --relu poly) relu by a polynomial on a stated domain, with the input clamp where needed',
  run,
};
