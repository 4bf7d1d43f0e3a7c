/**
 * The disagreements `tfe eval` names (runtime/eval/disagreements.ts), against hand
 * computations: for a softmax model the plaintext logit gap is recovered from the
 * probabilities (ln p_a - ln p_b = z_a - z_b, to float64 rounding, 1e-12 here for
 * logits of magnitude <= 3); raw logits give their difference; a label output and an
 * underflowed probability give null; only disagreeing rows are listed, at their index in
 * the whole set; the text lists at most PRINTED_DISAGREEMENTS and says how many more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disagreementLines, disagreementsOf, PRINTED_DISAGREEMENTS, type Disagreement } from '../../runtime/eval/disagreements.js';
import type { OutputValue } from '../../runtime/party/executor.js';

function softmax(z: readonly number[]): Float64Array {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return Float64Array.from(e, (x) => x / s);
}

test('softmax outputs: the plaintext gap is the logit difference, the private gap from the private logits', () => {
  // row 0 agrees; row 1: plaintext says 2 (z 1.5 vs 1.4999), private says 0
  const zPlain = [[3, -1, 0.5], [1.4999, -2, 1.5]];
  const zPriv = [[2.9, -1, 0.5], [1.50002, -2, 1.49999]];
  const got: OutputValue = { kind: 'probabilities', shape: [2, 3], data: Float64Array.from(zPriv.flat()), probabilities: Float64Array.from(zPriv.flatMap((r) => Array.from(softmax(r)))) };
  const ref = { shape: [2, 3], data: Float64Array.from(zPlain.flatMap((r) => Array.from(softmax(r)))) };
  const d = disagreementsOf(40, Array.from({ length: 42 }, (_, i) => (i === 41 ? 2 : 7)), [0, 0], [0, 2], got, ref);
  assert.equal(d.length, 1);
  assert.equal(d[0].index, 41);
  assert.equal(d[0].label, 2);
  assert.equal(d[0].private, 0);
  assert.equal(d[0].plaintext, 2);
  assert.ok(Math.abs((d[0].plaintext_gap ?? NaN) - (1.5 - 1.4999)) < 1e-12, String(d[0].plaintext_gap));
  assert.ok(Math.abs((d[0].private_gap ?? NaN) - (1.50002 - 1.49999)) < 1e-12, String(d[0].private_gap));
});

test('raw logits give their difference; labels and underflowed probabilities give null', () => {
  const logits: OutputValue = { kind: 'logits', shape: [1, 2], data: Float64Array.of(0.25, 0.5) };
  const [a] = disagreementsOf(0, [1], [1], [0], logits, { shape: [1, 2], data: Float64Array.of(2, 1.75) });
  assert.equal(a.plaintext_gap, 0.25);
  assert.equal(a.private_gap, 0.25);
  const label: OutputValue = { kind: 'label', shape: [1], data: Float64Array.of(3) };
  const [b] = disagreementsOf(0, [3], [3], [5], label, { shape: [1], data: Float64Array.of(5) });
  assert.equal(b.plaintext_gap, null);
  assert.equal(b.private_gap, null);
  const probs: OutputValue = { kind: 'probabilities', shape: [1, 2], data: Float64Array.of(0, 1), probabilities: Float64Array.of(0.3, 0.7) };
  const [c] = disagreementsOf(0, [0], [1], [0], probs, { shape: [1, 2], data: Float64Array.of(1, 0) });
  assert.equal(c.plaintext_gap, null);
});

test('the text names each disagreement and stops after PRINTED_DISAGREEMENTS', () => {
  const one: Disagreement = { index: 8, label: 5, private: 3, plaintext: 5, plaintext_gap: 1.25e-4, private_gap: 3e-5 };
  assert.deepEqual(disagreementLines([one], String), ['  example 8 (label 5): private 3, plaintext 5; plaintext logit gap 1.25e-4, private 3.00e-5']);
  const many = Array.from({ length: PRINTED_DISAGREEMENTS + 3 }, (_, i) => ({ ...one, index: i }));
  const lines = disagreementLines(many, String);
  assert.equal(lines.length, PRINTED_DISAGREEMENTS + 1);
  assert.equal(lines[lines.length - 1], '  ... and 3 more (all in --json)');
});
