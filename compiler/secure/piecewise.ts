/**
 * Piecewise polynomial approximations of sigmoid and tanh, the segment chosen by
 * exact comparisons (method; the lowering is in compiler/lower/piecewise.ts):
 * - the domain [t_0, t_K] is cut at dyadic breakpoints t_0 < t_1 < ... < t_K into K
 *   segments; on segment k, f is the degree-d Chebyshev interpolant of f on
 *   [t_k, t_{k+1}] (chebyshevFit, poly.ts), written in the centred variable
 *   u = x - m_k (m_k the segment's midpoint, dyadic, so u is exact); below t_0 the
 *   value is the constant `below` (0 for sigmoid, -1 for tanh), from t_K on `above` (1).
 * - evaluation: all K polynomials at once on the stacked u = x - [m_1..m_K] (powers by
 *   levels of Beaver products as in poly_s, the last level left untruncated), and the
 *   K + 1 comparison bits b_k = [x >= t_k] by one batched drelu_s; then
 *   below + sum_k b_k D_k with D_0 = p_1 - below, D_k = p_{k+1} - p_k, D_K = above - p_K
 *   (one batched Beaver product of the 0/1 bits with D, exact) and one truncation.
 *   The sum telescopes to p_j for the segment j holding x, exactly in Z_2^64, so the
 *   polynomials evaluated far outside their segments (where their powers may overflow
 *   the ring) cancel exactly and need no headroom: only the selected one does.
 * - fixed point: x at scale f; powers at f (truncated levels) or 2f (the last level);
 *   each coefficient encoded so that every term lands on one scale S = 2f + G (G =
 *   f + 8 bits when headroom allows: piecewiseScales), so the coefficients' encoding
 *   error is 2^-(G+1) relative to the powers at 2f, well below an ulp; the sum is
 *   truncated once to f. Above f = 20 the last level is truncated too (one round more)
 *   and S is the most the headroom allows. piecewiseErrorUlps bounds the fixed-point error against the exact
 *   polynomial: each truncation at most 1 ulp (2^-f), products of computed powers
 *   carry their errors scaled by the other factor's bound (|u| <= half the segment's
 *   width), the coefficients' encoding errors scaled by |u|^k, the final truncation 1.
 * Rounds: 8 (comparison) + 2 per truncated power level + 1 (last level) + 1 (bits x D)
 * + 1 (truncation): 13 for degree 4 (14 above f = 20), versus 25 for the former
 * degree-9 polynomial with its clamp.
 *
 * Designs (chosen by measurement: the fewest symmetric dyadic breakpoints, searched in
 * steps of 1/4, for which degree 4 (13 rounds) keeps the total near 1e-4; the fit error
 * is measured on a grid of step 1/1024 over [-40, 40], which includes the saturated
 * tails, and the fixed-point bound is the worst segment's, at f = 16):
 * - sigmoid: degree 4 on [-10, 10], 6 segments split at -5.25, -2, 0, 2, 5.25; fit
 *   error 4.5e-5 (the tail 1 - sigmoid(10); inside the segments <= 4.1e-5),
 *   fixed-point error <= 1.7e-5, total <= 6.2e-5 (measured in the ring simulation:
 *   5.5e-5).
 * - tanh: degree 4 on [-5, 5], 6 segments split at -2.5, -1, 0, 1, 2.5; fit error
 *   1.0e-4 (the tail 1 - tanh(5): 9.1e-5), fixed-point error <= 2.3e-5, total <= 1.3e-4
 *   (measured: 1.2e-4).
 * (4 segments would state 3.8e-4 / 7.7e-4 with 2 comparisons less per element; 8
 * segments 3.4e-5 / 7.8e-5 with 2 more.) Cost per element, each server: 7 comparisons
 * (8 * 18 bytes each) and 6 + 12 + 7 Beaver products and 7 truncations: about 1.5 KB
 * (the former polynomial with its clamp: about 0.5 KB, 26 rounds).
 * describePiecewise states each design's numbers (in --explain and the plan steps).
 * A layer whose input's headroom interval reaches only some pieces keeps only those
 * (restrictTable): the comparisons whose results are known are dropped, with their
 * bytes; with a single piece left there is no comparison at all (4 rounds). The values
 * on the interval, and so the errors, are unchanged.
 */
import { TfeError } from '../../src/errors.js';
import type { RingAttrs } from '../../src/ir/ring-ops.js';
import { polyLevels } from '../../src/protocols/pond.js';
import { chebyshevFit, evalPoly } from './poly.js';

export interface PiecewiseSpec {
  readonly name: string;
  readonly f: (x: number) => number;
  readonly degree: number;
  /** Breakpoints t_0 < ... < t_K, dyadic (exact at the plan's fractional bits). */
  readonly breaks: readonly number[];
  /** Value below t_0 and from t_K on. */
  readonly below: number;
  readonly above: number;
}

export interface Segment {
  readonly lo: number;
  readonly hi: number;
  /** Midpoint m: the polynomial is in u = x - m. */
  readonly centre: number;
  /** Monomial coefficients in u. */
  readonly coeffs: readonly number[];
}

export interface PiecewiseFit {
  readonly spec: PiecewiseSpec;
  readonly segments: readonly Segment[];
  /** Max |approximation - f| on the grid over [-GRID_HALF_WIDTH, GRID_HALF_WIDTH] (tails included). */
  readonly fitError: number;
}

/** The grid the fit error is measured on: step 1/1024 over [-40, 40]. */
export const GRID_HALF_WIDTH = 40;
const GRID_STEP = 1 / 1024;

/**
 * What the evaluation needs (the `piecewise` ring node's attributes). The pieces are,
 * in order: the constant `below` (when present), the K polynomial segments, the
 * constant `above` (when present); `breaks` are the thresholds between consecutive
 * pieces (one fewer than the pieces): piece r holds x with breaks[r-1] <= x < breaks[r].
 * A table restricted to an input interval (restrictTable) may lack either constant.
 */
export interface PiecewiseTable {
  readonly breaks: readonly number[];
  readonly centres: readonly number[];
  readonly coeffs: readonly (readonly number[])[];
  readonly below?: number;
  readonly above?: number;
}

/** The table in a `piecewise` ring node's attributes; E_IR if they are malformed. */
export function tableOf(id: string, attrs: RingAttrs): PiecewiseTable {
  const nums = (k: string): number[] => {
    const v = attrs[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new TfeError('E_IR', `piecewise node "${id}": attribute ${k} must be a list of numbers`);
    return v as number[];
  };
  const breaks = nums('breaks');
  const centres = nums('centres');
  const rows = attrs.coeffs;
  const coeffs = Array.isArray(rows) && rows.every((r) => Array.isArray(r)) ? (rows as readonly (readonly number[])[]) : [];
  const end = (k: string): number | undefined => {
    const v = attrs[k];
    if (v !== undefined && typeof v !== 'number') throw new TfeError('E_IR', `piecewise node "${id}": attribute ${k} must be a number`);
    return v;
  };
  const below = end('below');
  const above = end('above');
  const pieces = coeffs.length + (below === undefined ? 0 : 1) + (above === undefined ? 0 : 1);
  if (coeffs.length === 0 || centres.length !== coeffs.length || breaks.length !== pieces - 1) {
    throw new TfeError('E_IR', `piecewise node "${id}": needs K >= 1 coeffs rows, K centres, and one break fewer than the pieces`);
  }
  return { breaks, centres, coeffs, ...(below === undefined ? {} : { below }), ...(above === undefined ? {} : { above }) };
}

export function piecewiseTable(fit: PiecewiseFit): PiecewiseTable {
  return { breaks: fit.spec.breaks, centres: fit.segments.map((s) => s.centre), coeffs: fit.segments.map((s) => s.coeffs), below: fit.spec.below, above: fit.spec.above };
}

/** The float value of the piecewise approximation at x (piece by exact comparisons). */
export function evalTable(t: PiecewiseTable, x: number): number {
  let r = 0;
  while (r < t.breaks.length && x >= t.breaks[r]) r++;
  if (t.below !== undefined) {
    if (r === 0) return t.below;
    r--;
  }
  if (r >= t.coeffs.length) return t.above as number;
  return evalPoly(t.coeffs[r], x - t.centres[r]);
}

export function evalPiecewise(fit: PiecewiseFit, x: number): number {
  return evalTable(piecewiseTable(fit), x);
}

/**
 * The pieces x in [lo, hi] can reach, as a table of its own: the comparisons at
 * breaks outside (lo, hi] have known results and are dropped; a segment at either
 * end then also serves x beyond its break (only x within [lo, hi] does occur). At
 * least one polynomial segment is kept.
 */
export function restrictTable(t: PiecewiseTable, lo: number, hi: number): PiecewiseTable {
  const nb = t.below === undefined ? 0 : 1;
  const pieces = t.coeffs.length + nb + (t.above === undefined ? 0 : 1);
  const start = (r: number): number => (r === 0 ? -Infinity : t.breaks[r - 1]);
  const end = (r: number): number => (r === pieces - 1 ? Infinity : t.breaks[r]);
  let first = 0;
  while (first < pieces - 1 && end(first) <= lo) first++;
  let last = pieces - 1;
  while (last > first && start(last) > hi) last--;
  // keep a polynomial: a range of constants only is widened to the nearest segment
  if (last < nb) last = nb;
  if (first >= nb + t.coeffs.length) first = nb + t.coeffs.length - 1;
  const segs = [Math.max(first - nb, 0), Math.min(last - nb, t.coeffs.length - 1) + 1];
  return {
    breaks: t.breaks.slice(first, last),
    centres: t.centres.slice(segs[0], segs[1]),
    coeffs: t.coeffs.slice(segs[0], segs[1]),
    ...(first < nb ? { below: t.below } : {}),
    ...(last >= nb + t.coeffs.length ? { above: t.above } : {}),
  };
}

/** [min, max] of the approximation for x in [lo, hi] (sampled: 4001 points where a polynomial applies, plus the constants x can reach). */
export function tableRange(t: PiecewiseTable, lo: number, hi: number): [number, number] {
  const b0 = t.breaks[0] ?? Infinity;
  const bn = t.breaks[t.breaks.length - 1] ?? -Infinity;
  const a = t.below === undefined ? lo : Math.max(lo, b0);
  const b = t.above === undefined ? hi : Math.min(hi, bn);
  let min = Infinity;
  let max = -Infinity;
  const see = (y: number): void => {
    min = Math.min(min, y);
    max = Math.max(max, y);
  };
  if (t.below !== undefined && lo < b0) see(t.below);
  if (t.above !== undefined && hi >= bn) see(t.above);
  if (a <= b) for (let i = 0; i <= 4000; i++) see(evalTable(t, a + ((b - a) * i) / 4000));
  return [min, max];
}

export function fitPiecewise(spec: PiecewiseSpec): PiecewiseFit {
  const b = spec.breaks;
  if (b.length < 2 || b.some((t, i) => i > 0 && t <= b[i - 1])) throw new TfeError('E_IR', `${spec.name}: breakpoints must increase`);
  const segments = b.slice(1).map((hi, i): Segment => {
    const lo = b[i];
    const centre = (lo + hi) / 2;
    const h = (hi - lo) / 2;
    const t = chebyshevFit((v) => spec.f(centre + v * h), spec.degree);
    return { lo, hi, centre, coeffs: t.coeffs.map((c, j) => c / h ** j) };
  });
  const table = piecewiseTable({ spec, segments, fitError: 0 });
  let fitError = 0;
  for (let i = -GRID_HALF_WIDTH / GRID_STEP; i <= GRID_HALF_WIDTH / GRID_STEP; i++) {
    const x = i * GRID_STEP;
    fitError = Math.max(fitError, Math.abs(evalTable(table, x) - spec.f(x)));
  }
  return { spec, segments, fitError };
}

/** Scale of each power u^k (k = 1..d) in the evaluation: f for u and the truncated levels, 2f for the last level unless truncated. */
export function powerScales(degree: number, f: number, truncateLast: boolean): Map<number, number> {
  const levels = polyLevels(degree);
  const out = new Map<number, number>([[1, f]]);
  levels.forEach((ks, i) => ks.forEach((k) => out.set(k, i === levels.length - 1 && !truncateLast ? 2 * f : f)));
  return out;
}

/** Largest |partial sum| of a selected polynomial's terms on its segment: sum_k |c_k| h^k. */
function termBound(fit: PiecewiseFit): number {
  return Math.max(...fit.segments.map((s) => s.coeffs.reduce((a, c, k) => a + Math.abs(c) * ((s.hi - s.lo) / 2) ** k, 0)), Math.abs(fit.spec.below), Math.abs(fit.spec.above));
}

export interface PiecewiseScales {
  /** S: the scale of every term and of the sum before the final truncation to f. */
  readonly termScale: number;
  /** The last power level truncated to f as well (one round more). */
  readonly truncateLast: boolean;
}

/**
 * The inner scales: the selected polynomial's terms must fit the headroom at S
 * (termBound * 2^S < 2^61). With the last power level at 2f, S = 2f + G with G =
 * min(f + 8, what fits), when G >= f (coefficients at least as fine as the ulp; f <= 20
 * for these designs); otherwise the last level is truncated too and S is the most
 * that fits (coefficients at S - f bits). E_RANGE when not even that leaves a bit.
 */
export function piecewiseScales(fit: PiecewiseFit, f: number): PiecewiseScales {
  const top = 61 - Math.ceil(Math.log2(Math.max(termBound(fit), 1)));
  if (top - 2 * f >= f) return { termScale: Math.min(3 * f + 8, top), truncateLast: false };
  if (top - f >= 1) return { termScale: top, truncateLast: true };
  throw new TfeError('E_RANGE', `${fit.spec.name}: the piecewise approximation needs more than 62 bits at ${f} fractional bits`, 'use fewer fractional bits (--frac-bits 16)');
}

/** Bound, in ulps (2^-f), on |computed - p_j(x)| for the selected segment j (worst segment). */
export function piecewiseErrorUlps(fit: PiecewiseFit, f: number): number {
  const d = fit.spec.degree;
  const ulp = 2 ** -f;
  const { termScale: S, truncateLast } = piecewiseScales(fit, f);
  const scales = powerScales(d, f, truncateLast);
  const levels = polyLevels(d);
  let worst = 0;
  for (const s of fit.segments) {
    const h = (s.hi - s.lo) / 2;
    const e = new Map<number, number>([[1, 0]]);
    levels.forEach((ks, i) => {
      const last = i === levels.length - 1;
      const hh = ks[0] - 1;
      for (const k of ks) {
        const eh = e.get(hh) as number;
        const ek = e.get(k - hh) as number;
        e.set(k, (last && !truncateLast ? 0 : 1) + h ** hh * ek + h ** (k - hh) * eh + eh * ek * ulp);
      }
    });
    // the final truncation, c_0's encoding, then each term's power error and coefficient encoding
    let total = 1 + 2 ** (f - S - 1);
    for (let k = 1; k <= d; k++) {
      const enc = 2 ** -(S - (scales.get(k) as number) + 1);
      total += (Math.abs(s.coeffs[k]) + enc) * (e.get(k) as number) + (enc * h ** k) / ulp;
    }
    worst = Math.max(worst, total);
  }
  return worst;
}

/** Degree-4 segments for sigmoid: breakpoints symmetric about 0, saturated to 0 / 1 beyond +-B. */
export const SIGMOID_PIECEWISE: PiecewiseSpec = {
  name: 'sigmoid',
  f: (x) => 1 / (1 + Math.exp(-x)),
  degree: 4,
  breaks: [-10, -5.25, -2, 0, 2, 5.25, 10],
  below: 0,
  above: 1,
};

/** Degree-4 segments for tanh: breakpoints symmetric about 0, saturated to -1 / 1 beyond +-B. */
export const TANH_PIECEWISE: PiecewiseSpec = {
  name: 'tanh',
  f: Math.tanh,
  degree: 4,
  breaks: [-5, -2.5, -1, 0, 1, 2.5, 5],
  below: -1,
  above: 1,
};

const fmt = (x: number): string => x.toExponential(1);

/** The approximation's statement for --explain and the plan steps: method, segments, domain, errors. */
export function describePiecewise(fit: PiecewiseFit, f: number): string {
  const s = fit.spec;
  const b = s.breaks;
  const fixed = piecewiseErrorUlps(fit, f) * 2 ** -f;
  return `${s.name}: ${fit.segments.length} degree-${s.degree} Chebyshev polynomials on [${b[0]}, ${b[b.length - 1]}] split at ${b.slice(1, -1).join(', ')}`
    + ` (segment chosen by exact comparisons), ${s.below} below and ${s.above} above; max error ${fmt(fit.fitError)} on [-${GRID_HALF_WIDTH}, ${GRID_HALF_WIDTH}]`
    + ` + fixed-point error <= ${fmt(fixed)}, total <= ${fmt(fit.fitError + fixed)}`;
}
