/**
 * The statistics of the privacy tests: per-bit counts of 64-bit words, and two tests
 * with a false-alarm rate bounded by Hoeffding's inequality and a union bound (no
 * normal approximation, so the bound holds at any sample size):
 *
 *  - uniformity: a bit of a message that is not constant is 1 with probability 1/2.
 *    With n independent samples, P(|ones/n - 1/2| >= t) <= 2 exp(-2 n t^2).
 *  - same distribution: a bit is 1 with the same probability under two secrets. With
 *    n samples on each side, the difference of the two frequencies is a sum of 2n
 *    independent terms of range 1/n, so P(|p1 - p2| >= t) <= 2 exp(-n t^2).
 *
 * Over T tests with a total false-alarm rate alpha, each test uses the threshold
 * solving 2 exp(...) = alpha / T. A bit that is constant in every sample under both
 * secrets (a structural bit, e.g. the 63 unused bits of a word carrying one bit) is
 * skipped by the uniformity test: it cannot depend on the secret without the
 * same-distribution test seeing it.
 *
 * Samples must be independent under the null hypothesis: a masked word is, since each
 * word of a message is masked by its own fresh uniform randomness.
 */

export const BITS = 64;

/** Counts of 1 bits per position over `n` words. */
export interface BitCounts {
  n: number;
  readonly ones: Float64Array;
}

export function newCounts(): BitCounts {
  return { n: 0, ones: new Float64Array(BITS) };
}

/** Adds the first `limit` words of `w` to `c`. */
export function countBits(c: BitCounts, w: BigUint64Array, limit: number): void {
  const m = Math.min(limit, w.length);
  const u = new Uint32Array(w.buffer, w.byteOffset, 2 * m);
  for (let i = 0; i < 2 * m; i++) {
    let v = u[i];
    const base = (i & 1) * 32;
    while (v !== 0) {
      const low = v & -v;
      c.ones[base + 31 - Math.clz32(low)]++;
      v = (v ^ low) >>> 0;
    }
  }
  c.n += m;
}

/** Threshold t with 2 exp(-k n t^2) = alpha / tests (k = 2 for uniformity, 1 for two samples). */
function threshold(n: number, k: number, alpha: number, tests: number): number {
  return Math.sqrt(Math.log((2 * tests) / alpha) / (k * n));
}

export interface Finding {
  readonly key: string;
  readonly bit: number;
  readonly test: 'uniform' | 'same-distribution';
  /** The frequencies (of 1) seen. */
  readonly p: readonly number[];
  readonly threshold: number;
}

/**
 * Both tests on every key present under both secrets (a key is a message, or a
 * message combined with a share the receiver held). Returns the findings, worst first.
 */
export function compareViews(a: ReadonlyMap<string, BitCounts>, b: ReadonlyMap<string, BitCounts>, alpha: number): { tests: number; findings: Finding[] } {
  const keys = [...a.keys()].filter((k) => b.has(k));
  const tests = Math.max(1, keys.length * BITS);
  const findings: (Finding & { score: number })[] = [];
  for (const key of keys) {
    const ca = a.get(key) as BitCounts;
    const cb = b.get(key) as BitCounts;
    if (ca.n === 0 || cb.n === 0) continue;
    const n = ca.n + cb.n;
    const tu = threshold(n, 2, alpha, tests);
    const td = threshold(Math.min(ca.n, cb.n), 1, alpha, tests);
    for (let bit = 0; bit < BITS; bit++) {
      const ones = ca.ones[bit] + cb.ones[bit];
      const pa = ca.ones[bit] / ca.n;
      const pb = cb.ones[bit] / cb.n;
      if (ones !== 0 && ones !== n) {
        const d = Math.abs(ones / n - 0.5);
        if (d >= tu) findings.push({ key, bit, test: 'uniform', p: [pa, pb], threshold: tu, score: d / tu });
      }
      const dd = Math.abs(pa - pb);
      if (dd >= td) findings.push({ key, bit, test: 'same-distribution', p: [pa, pb], threshold: td, score: dd / td });
    }
  }
  findings.sort((x, y) => y.score - x.score);
  return { tests, findings: findings.map(({ score: _s, ...f }) => f) };
}
