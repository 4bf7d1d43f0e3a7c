/**
 * Polynomial approximations for the activations, fitted at compile time by least
 * squares on Chebyshev nodes (method: the Chebyshev interpolant of degree d on
 * [-1, 1], converted to monomial coefficients; max error measured on a 4001-point
 * grid). Inputs are first scaled into [-1, 1] by a power of two (a free rescale plus
 * the truncation the fixed-point pass places anyway), so coefficients stay small and
 * poly_s's encoding error stays at a few ulps.
 *
 * Used for relu under --relu poly: domain [-R, R] (R = --relu-range, default the
 * layer's input bound capped at 64, rounded up to a power of two 2^k), degree 4: fit
 * error 6.2e-2 * 2^k on the domain, plus poly_s's worst-case fixed-point error
 * (polyErrorUlps in src/protocols/pond.ts), both reported per layer by --explain;
 * outside the domain the polynomial diverges (no clamp: the domain is stated in
 * --explain and the plan step). Sigmoid and tanh use piecewise polynomials
 * (piecewise.ts), each segment fitted by chebyshevFit.
 */

export interface Fit {
  readonly coeffs: number[];
  /** Max |p(t) - f(t)| over the grid on [-1, 1]. */
  readonly maxError: number;
}

/** Monomial coefficients of the degree-d Chebyshev interpolant of g on [-1, 1]. */
export function chebyshevFit(g: (t: number) => number, d: number): Fit {
  const m = d + 1;
  const nodes = Array.from({ length: m }, (_, j) => Math.cos((Math.PI * (j + 0.5)) / m));
  const gv = nodes.map(g);
  // Chebyshev series coefficients a_k
  const a = Array.from({ length: m }, (_, k) => (2 / m) * nodes.reduce((s, x, j) => s + gv[j] * Math.cos(k * Math.acos(x)), 0));
  a[0] /= 2;
  // T_k in monomial form by the recurrence T_{k+1} = 2t T_k - T_{k-1}
  let prev = [1];
  let cur = [0, 1];
  const coeffs = new Array<number>(m).fill(0);
  coeffs[0] += a[0];
  if (m > 1) coeffs[1] += a[1];
  for (let k = 2; k < m; k++) {
    const next = new Array<number>(k + 1).fill(0);
    for (let i = 0; i < cur.length; i++) next[i + 1] += 2 * cur[i];
    for (let i = 0; i < prev.length; i++) next[i] -= prev[i];
    for (let i = 0; i <= k; i++) coeffs[i] += a[k] * next[i];
    prev = cur;
    cur = next;
  }
  // exact zeros for symmetric functions keep the plan stable
  const clean = coeffs.map((c) => (Math.abs(c) < 1e-9 ? 0 : c));
  let maxError = 0;
  for (let i = 0; i <= 4000; i++) {
    const t = -1 + i / 2000;
    maxError = Math.max(maxError, Math.abs(evalPoly(clean, t) - g(t)));
  }
  return { coeffs: clean, maxError };
}

export function evalPoly(c: readonly number[], t: number): number {
  let acc = 0;
  for (let k = c.length - 1; k >= 0; k--) acc = acc * t + c[k];
  return acc;
}

/** Max |p(t)| for |t| <= b (grid of 2001 points, plus 1% margin). */
export function polyRange(c: readonly number[], b: number): number {
  let m = 0;
  for (let i = 0; i <= 2000; i++) m = Math.max(m, Math.abs(evalPoly(c, -b + (i * b) / 1000)));
  return m * 1.01;
}

export interface ActivationApprox {
  readonly name: string;
  /** log2 of the domain half-width: t = x / 2^shift. */
  readonly shift: number;
  readonly degree: number;
  readonly f: (x: number) => number;
}

export const RELU_POLY_DEGREE = 4;
