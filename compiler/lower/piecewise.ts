/**
 * The lowering of a `piecewise` node (compiler/secure/piecewise.ts) to generic kernels,
 * on x [..., m] at scale f, with a trailing piece axis: u = x - centres [..., m, K];
 * bits = drelu_s(x - breaks) [..., m, T] (0/1, scale 0; T = pieces - 1, none for a
 * single piece); the powers of u by levels (mul_ss, then trunc_s to f except at the
 * last level, which stays at 2f unless attrs.truncateLast); the K polynomials as
 * sum_k u^k * c_k (public coefficient rows encoded so every term is at S =
 * attrs.termScale); the pieces (the polynomials, zero-padded for the constants below /
 * above, plus those); then first + sum(bits * jumps) with jumps = next piece -
 * previous (one mul_ss, exact: the bits are 0/1), truncated to f. Every step carries
 * the node's approximation statement.
 */
import type { PlanTensor } from '../../src/plan/schema.js';
import { polyLevels } from '../../src/protocols/pond.js';
import type { KernelAttrs } from '../../src/protocols/spec.js';
import { tableOf } from '../secure/piecewise.js';
import type { LowerContext, LowerRule } from './lower.js';

function lowerPiecewise(c: LowerContext, x: PlanTensor): PlanTensor {
  const n = c.node;
  const t = tableOf(n.id, n.attrs);
  const f = n.attrs.fracBits as number;
  const S = n.attrs.termScale as number;
  const truncateLast = n.attrs.truncateLast === true;
  const K = t.coeffs.length;
  const d = Math.max(...t.coeffs.map((r) => r.length)) - 1;
  const axis = n.shape.length;
  const shp = (k: number): number[] => [...n.shape, k];
  const tmp = (name: string, shape: number[], sc: number): PlanTensor => c.temp(name, shape, sc);
  const constant = (name: string, values: readonly number[], sc: number): PlanTensor => c.publicConstant(name, values, sc);
  const run = (kernel: string, ins: PlanTensor[], out: PlanTensor, attrs: KernelAttrs = {}): PlanTensor => c.step('predict', kernel, ins, out, attrs);
  const nb = t.below === undefined ? 0 : 1;
  const na = t.above === undefined ? 0 : 1;
  const P = K + nb + na;
  const T = P - 1;
  const column = run('reshape_s', [x], tmp('column', shp(1), f), { shape: shp(1) });
  const bits = T > 0 ? run('drelu_s', [run('sub_sp', [column, constant('breaks', t.breaks, f)], tmp('from_breaks', shp(T), f))], tmp('bits', shp(T), 0)) : undefined;
  const pow = new Map<number, PlanTensor>([[1, run('sub_sp', [column, constant('centres', t.centres, f)], tmp('u', shp(K), f))]]);
  const get = (k: number): PlanTensor => pow.get(k) as PlanTensor;
  const levels = polyLevels(d);
  const zeros = n.shape.map(() => 0);
  const whole = n.shape.map(() => -1);
  levels.forEach((ks, i) => {
    const h = ks[0] - 1;
    const tag = ks.join('_');
    const stack = (parts: PlanTensor[], name: string): PlanTensor => (parts.length === 1 ? parts[0] : run('concat_s', parts, tmp(name, shp(K * parts.length), f), { axis }));
    const lhs = stack(ks.map(() => get(h)), `u${tag}_lhs`);
    const rhs = stack(ks.map((k) => get(k - h)), `u${tag}_rhs`);
    let prod = run('mul_ss', [lhs, rhs], tmp(`u${tag}_2f`, shp(K * ks.length), 2 * f));
    if (i < levels.length - 1 || truncateLast) prod = run('trunc_s', [prod], tmp(`u${tag}`, shp(K * ks.length), f), { bits: f });
    ks.forEach((k, j) => {
      const part = ks.length === 1 ? prod : run('slice_s', [prod], tmp(`u${k}`, shp(K), prod.scale), { begin: [...zeros, j * K], size: [...whole, K] });
      pow.set(k, part);
    });
  });
  let acc: PlanTensor | undefined;
  for (let k = 1; k <= d; k++) {
    const p = get(k);
    const term = run('mul_sp', [p, constant(`c${k}`, t.coeffs.map((r) => r[k] ?? 0), S - p.scale)], tmp(`term${k}`, shp(K), S));
    acc = acc ? run('add_ss', [acc, term], tmp(`sum${k}`, shp(K), S)) : term;
  }
  const polys = run('add_sp', [acc as PlanTensor, constant('c0', t.coeffs.map((r) => r[0]), S)], tmp('polys', shp(K), S));
  let pieces = polys;
  if (nb + na > 0) {
    const padded = run('pad_s', [polys], tmp('padded', shp(P), S), { paddings: [...n.shape.map(() => [0, 0]), [nb, na]] });
    const ends = [...(t.below === undefined ? [] : [t.below]), ...new Array<number>(K).fill(0), ...(t.above === undefined ? [] : [t.above])];
    pieces = run('add_sp', [padded, constant('ends', ends, S)], tmp('pieces', shp(P), S));
  }
  const slice = (begin: number, size: number, name: string): PlanTensor => run('slice_s', [pieces], tmp(name, shp(size), S), { begin: [...zeros, begin], size: [...whole, size] });
  const first = P === 1 ? pieces : slice(0, 1, 'first');
  let value = first;
  if (bits) {
    const jumps = run('sub_ss', [slice(1, T, 'next'), slice(0, T, 'previous')], tmp('jumps', shp(T), S));
    const chosen = run('mul_ss', [bits, jumps], tmp('chosen', shp(T), S));
    value = run('add_ss', [run('sum_s', [chosen], tmp('sum', shp(1), S), { axes: [axis], keepDims: true }), first], tmp('value', shp(1), S));
  }
  const truncated = run('trunc_s', [value], tmp('truncated', shp(1), f), { bits: S - f });
  return run('reshape_s', [truncated], c.secretOut(), { shape: [...n.shape] });
}

/** A piecewise approximation on a secret input, as above. */
export const piecewise: LowerRule = (c) => {
  const x = c.ins[0];
  if (!x || x.visibility !== 'secret') c.fail('a public operand where the kernel takes secrets');
  else c.bind(lowerPiecewise(c, x));
};
