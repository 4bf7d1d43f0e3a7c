/**
 * The examples on which `tfe eval`'s private label differs from the plaintext model's,
 * each with how close the plaintext model itself was to a tie: its *logit gap*, the
 * plaintext logit of its own class minus that of the class the private run chose
 * (>= 0). A disagreement with a gap of a few fixed-point ulps (2^-f) is the expected
 * rounding of fixed-point arithmetic near a tie; a large gap is a bug. The issue's
 * accuracy targets ask for every disagreement to be named with this gap.
 *
 * When the client applies the softmax (the plaintext model returns probabilities), the
 * logit gap is ln p_a - ln p_b, which equals z_a - z_b exactly because softmax divides
 * every exp(z) by the same sum; it is null when a probability underflowed to 0 (float32
 * tails) and for a label output (--output label or a model ending in ArgMax: the plaintext
 * model returns labels, or scores whose kind, logits or probabilities, is not recorded).
 */
import type { FloatTensor, OutputValue } from '../party/executor.js';

export interface Disagreement {
  /** Position in the evaluated set (0-based). */
  readonly index: number;
  /** The true label. */
  readonly label: number;
  /** The private prediction's label. */
  readonly private: number;
  /** The plaintext model's label. */
  readonly plaintext: number;
  /** Plaintext logit of `plaintext` minus that of `private` (>= 0); null if unknown (see the top comment). */
  readonly plaintext_gap: number | null;
  /** Private logit of `private` minus that of `plaintext` (>= 0); null for a label output. */
  readonly private_gap: number | null;
}

/** Logit difference a - b of row `row` of scores with `k` classes; probabilities are turned into log-odds. */
function logitGap(scores: Float64Array, k: number, row: number, a: number, b: number, probabilities: boolean): number | null {
  const x = scores[row * k + a];
  const y = scores[row * k + b];
  if (!probabilities) return x - y;
  if (!(x > 0) || !(y > 0)) return null;
  return Math.log(x) - Math.log(y);
}

/**
 * The disagreements of one batch of `rows` examples starting at `first`: `priv` and
 * `plain` are the labels already compared, `got` the private output, `ref` the
 * plaintext model's output for the same rows.
 */
export function disagreementsOf(first: number, labels: ArrayLike<number>, priv: readonly number[], plain: readonly number[], got: OutputValue, ref: FloatTensor): Disagreement[] {
  const rows = priv.length;
  const k = ref.data.length / rows;
  const refScores = got.kind !== 'label' && Number.isInteger(k) && k > 1;
  const withSoftmax = got.probabilities !== undefined;
  const out: Disagreement[] = [];
  for (let i = 0; i < rows; i++) {
    if (priv[i] === plain[i]) continue;
    out.push({
      index: first + i,
      label: labels[first + i],
      private: priv[i],
      plaintext: plain[i],
      plaintext_gap: refScores ? logitGap(ref.data, k, i, plain[i], priv[i], withSoftmax) : null,
      private_gap: got.kind === 'label' ? null : logitGap(got.data, got.data.length / rows, i, priv[i], plain[i], false),
    });
  }
  return out;
}

/** How many disagreements `tfe eval` prints as text (all of them are in --json). */
export const PRINTED_DISAGREEMENTS = 20;

const gapText = (g: number | null): string => (g === null ? 'unknown' : g.toExponential(2));

/** The text lines naming the disagreements: one per example, at most `max`, then how many more. */
export function disagreementLines(list: readonly Disagreement[], name: (c: number) => string, max = PRINTED_DISAGREEMENTS): string[] {
  const lines = list.slice(0, max).map((d) => `  example ${d.index} (label ${name(d.label)}): private ${name(d.private)}, plaintext ${name(d.plaintext)}; plaintext logit gap ${gapText(d.plaintext_gap)}, private ${gapText(d.private_gap)}`);
  if (list.length > max) lines.push(`  ... and ${list.length - max} more (all in --json)`);
  return lines;
}
