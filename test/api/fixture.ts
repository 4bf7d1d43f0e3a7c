/**
 * What the API tests share: zoo network A compiled once by `compile()` (the public
 * entry), its held-out sample, and the plaintext reference (the original tfjs model run
 * by TensorFlow.js, src/reference.ts), with the tolerance the comparisons use.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compile, type CompileResult, type RunOutputs } from '../../src/index.js';
import { tfjsReference } from '../../src/reference.js';
import { zooModelPath, zooSamplePath } from '../../models/index.js';

/**
 * Largest difference allowed between a private prediction's probabilities and the
 * plaintext model's. Net A at f = 16 fractional bits: inputs and weights are rounded to
 * 2^-17, each of the three layers truncates once (exact to ±2^-16), and a layer sums 784
 * or 128 products of values < 1 in magnitude, so the logits are within ~784 · 2^-17 ≈
 * 6e-3 in the worst case (measured: ~1e-5); softmax changes a probability by at most
 * half the largest logit difference. 5e-3 bounds that with room and still catches any
 * wrong layer, scale or input order (those move probabilities by > 0.1).
 */
export const PROB_TOL = 5e-3;

let compiled: Promise<CompileResult> | undefined;
/** Zoo net A compiled with compile() (inputs declared in [0, 1], as the README's quick start). */
export function netA(): Promise<CompileResult> {
  compiled ??= compile(zooModelPath('A'), { inputRange: [0, 1] });
  return compiled;
}

/** The sample digit: nested arrays [1, 28, 28, 1] with values in [0, 1]. */
export function sampleA(): number[][][][] {
  return (JSON.parse(readFileSync(zooSamplePath('A'), 'utf8')) as { input: number[][][][] }).input;
}

/** The plaintext model's probabilities for the sample (TensorFlow.js, float32). */
export async function referenceA(): Promise<number[]> {
  const c = await netA();
  const x = sampleA();
  const data = Float64Array.from(x.flat(3));
  const [y] = await tfjsReference()(c.plan, { path: zooModelPath('A'), from: '--model' }, { [c.plan.inputs[0].name]: { shape: [1, 28, 28, 1], data } });
  return Array.from(y.data);
}

/** Asserts that `out` holds net A's one output, revealed to the client, within PROB_TOL of `want`. */
export function assertNetA(out: RunOutputs, want: readonly number[], what: string): void {
  const names = Object.keys(out);
  assert.equal(names.length, 1, `${what}: one output`);
  const o = out[names[0]];
  assert.equal(o.receiver, 'client', what);
  assert.deepEqual(o.shape, [1, 10], what);
  assert.equal(o.values.length, 10, what);
  assert.ok(o.probabilities, `${what}: softmax post-processing gives probabilities`);
  const diff = Math.max(...o.probabilities.map((p, i) => Math.abs(p - want[i])));
  assert.ok(diff <= PROB_TOL, `${what}: largest difference from the plaintext model ${diff} > ${PROB_TOL}`);
  const argmax = (v: readonly number[]): number => v.indexOf(Math.max(...v));
  assert.equal(argmax(o.values), argmax(want), `${what}: the same class as the plaintext model`);
}
