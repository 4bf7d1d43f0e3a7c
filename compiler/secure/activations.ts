/**
 * activations: sigmoid and tanh become one `piecewise` node: degree-4 Chebyshev
 * polynomials on 6 segments, the segment chosen by exact comparisons, saturated
 * outside the domain (method, segments and errors in piecewise.ts: sigmoid on
 * [-10, 10], total error <= 6.2e-5 at f = 16; tanh on [-5, 5], <= 1.3e-4; valid for
 * every input, no clamp needed); only the pieces the input's headroom interval can
 * reach are kept (restrictTable), the others' comparisons dropped. relu with
 * --relu poly becomes a polynomial on its input scaled into [-1, 1]
 * (t = rescale(x, k), x / 2^k, free; then poly(t); poly.ts).
 * Each node states its approximation in `approximation` (shown by --explain and
 * copied to the plan steps). Exact relu stays relu.
 */
import { TfeError } from '../../src/errors.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { polyErrorUlps } from '../../src/protocols/pond.js';
import { elementIntervals, type Interval } from './bounds.js';
import { idAllocator } from './graph.js';
import { RELU_RANGE_CAP, type SecureOptions } from './options.js';
import type { RingPass } from './pass.js';
import { describePiecewise, fitPiecewise, piecewiseScales, piecewiseTable, restrictTable, SIGMOID_PIECEWISE, TANH_PIECEWISE, type PiecewiseFit } from './piecewise.js';
import { type ActivationApprox, chebyshevFit, RELU_POLY_DEGREE } from './poly.js';

const fmt = (x: number): string => x.toExponential(1);

/**
 * Relative widening of an activation's input interval before dropping the pieces it
 * cannot reach: the headroom bounds are of the exact values, and the computed ones
 * differ by the upstream fixed-point error (at f = 16 far below 2^-7 of the
 * magnitude); an input beyond even that only extrapolates the outermost kept
 * segment's polynomial a little past its break (its error grows smoothly there),
 * never a distant piece.
 */
const INTERVAL_MARGIN = 2 ** -7;

/** [min lo, max hi] over a node's elements. */
function extent(iv: Interval | undefined): [number, number] {
  if (!iv) return [-Infinity, Infinity];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of iv.lo.data) lo = Math.min(lo, v);
  for (const v of iv.hi.data) hi = Math.max(hi, v);
  return [lo, hi];
}

function run(g: RingGraph, opts: SecureOptions): RingGraph {
  const targets = g.nodes.filter((n) => n.op === 'sigmoid' || n.op === 'tanh' || (n.op === 'relu' && opts.relu === 'poly'));
  if (targets.length === 0) return g;
  const intervals = elementIntervals(g, opts.inputRange);
  const fresh = idAllocator(g);
  const out: RingNode[] = [];
  const fits = new Map<string, PiecewiseFit>();
  for (const n of g.nodes) {
    if (!targets.includes(n)) {
      out.push(n);
      continue;
    }
    if (n.op === 'sigmoid' || n.op === 'tanh') {
      const spec = n.op === 'sigmoid' ? SIGMOID_PIECEWISE : TANH_PIECEWISE;
      const fit = fits.get(spec.name) ?? fitPiecewise(spec);
      fits.set(spec.name, fit);
      const inexact = [...spec.breaks, ...fit.segments.map((s) => s.centre)].find((v) => !Number.isInteger(v * 2 ** opts.fracBits));
      if (inexact !== undefined) {
        throw new TfeError('E_UNSUPPORTED', `layer "${n.source}" (${n.op}): its segment point ${inexact} is not exact with ${opts.fracBits} fractional bits`, 'use --frac-bits 3 or more');
      }
      // only the pieces the input can reach (its headroom interval, widened by INTERVAL_MARGIN)
      const [lo, hi] = extent(intervals.get(n.inputs[0]));
      const margin = INTERVAL_MARGIN * Math.max(1, Math.abs(lo), Math.abs(hi));
      const full = piecewiseTable(fit);
      const t = restrictTable(full, lo - margin, hi + margin);
      const attrs = {
        breaks: [...t.breaks],
        centres: [...t.centres],
        coeffs: t.coeffs.map((r) => [...r]),
        ...(t.below === undefined ? {} : { below: t.below }),
        ...(t.above === undefined ? {} : { above: t.above }),
        ...piecewiseScales(fit, opts.fracBits),
      };
      const reach = t.breaks.length < full.breaks.length
        ? `; its input (within [${fmt(lo)}, ${fmt(hi)}] by the headroom bounds) reaches ${t.breaks.length + 1} of the ${full.breaks.length + 1} pieces: ${t.breaks.length} comparisons`
        : '';
      out.push({ ...n, op: 'piecewise', attrs, approximation: describePiecewise(fit, opts.fracBits) + reach });
      continue;
    }
    const [xlo, xhi] = extent(intervals.get(n.inputs[0]));
    const xb = Math.max(Math.abs(xlo), Math.abs(xhi));
    const range = opts.reluRange ?? Math.min(Math.max(xb, 1), RELU_RANGE_CAP);
    const a: ActivationApprox = { name: 'relu', shift: Math.max(0, Math.ceil(Math.log2(range))), degree: RELU_POLY_DEGREE, f: (x) => Math.max(x, 0) };
    const dom = 2 ** a.shift;
    const fit = chebyshevFit((t) => a.f(t * dom), a.degree);
    const t = fresh(`${n.id}/scaled`);
    out.push({ id: t, op: 'rescale', inputs: [n.inputs[0]], attrs: { shift: a.shift }, shape: n.shape, source: n.source, vis: n.vis });
    const outside = xb > dom ? `WARNING: input bound ${fmt(xb)} exceeds the domain, where the polynomial diverges` : 'input within the domain';
    const fixedErr = polyErrorUlps(fit.coeffs, Math.max(1, xb / dom), opts.fracBits) * 2 ** -opts.fracBits;
    const approximation = `${a.name}: degree-${a.degree} Chebyshev polynomial on [-${dom}, ${dom}], max error ${fmt(fit.maxError)} there`
      + ` + fixed-point error <= ${fmt(fixedErr)}; ${outside}`;
    out.push({ id: n.id, op: 'poly', inputs: [t], attrs: { coeffs: fit.coeffs }, shape: n.shape, source: n.source, vis: n.vis, approximation });
  }
  return { ...g, nodes: out };
}

export const activationsPass: RingPass = {
  name: 'activations',
  purpose: 'replace sigmoid and tanh by piecewise polynomials selected by exact comparisons, and (with --relu poly) relu by a polynomial on a stated domain',
  run,
};
