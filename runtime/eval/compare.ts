/**
 * Comparing private outputs with the plaintext model's: the client's final values, the
 * predicted label per example, the largest difference. A label output (kind 'label':
 * --output label, or a model that ends in ArgMax) is compared as labels: the reference
 * gives either the same labels (a model ending in ArgMax: one value per example) or the
 * scores the compiler took the ArgMax of (--output label: the model's own output), which
 * are argmaxed once here.
 */
import { TfeError } from '../../src/errors.js';
import type { FloatTensor, OutputValue } from '../party/executor.js';

/** What the client sees of an output, comparable with the original model's output. */
export function finalValues(o: OutputValue): Float64Array {
  return o.probabilities ?? o.data;
}

/** Index of the largest value of each row of `last` values (the first one on ties). */
export function argmaxRows(x: Float64Array, last: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length; r += last) {
    let best = 0;
    for (let j = 1; j < last; j++) if (x[r + j] > x[r + best]) best = j;
    out.push(best);
  }
  return out;
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new TfeError('E_SHAPE', `private output has ${a.length} values but the plaintext model gave ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Number of examples (rows) in an output: its leading dimension, 1 for a scalar. */
export function rowsOf(t: FloatTensor): number {
  return t.shape.length === 0 ? 1 : t.shape[0];
}

/** The private label of each example: the revealed labels, or the argmax of the final values. */
export function privateLabels(o: OutputValue): number[] {
  if (o.kind === 'label') return Array.from(o.data);
  return argmaxRows(finalValues(o), o.shape[o.shape.length - 1] ?? 1);
}

/**
 * The plaintext model's label of each of `rows` examples: its values as they are when it
 * already gives one value per example (a model ending in ArgMax), else their argmax.
 */
export function referenceLabels(ref: FloatTensor, rows: number, privateIsLabel: boolean): number[] {
  if (privateIsLabel && ref.data.length === rows) return Array.from(ref.data);
  const last = ref.data.length / rows;
  if (!Number.isInteger(last) || last < 1) throw new TfeError('E_SHAPE', `the plaintext model gave ${ref.data.length} values for ${rows} examples`);
  return argmaxRows(ref.data, last);
}

/** The largest difference of the values, or 0 when the private output is a label (compared as labels). */
export function outputDifference(o: OutputValue, ref: FloatTensor): number {
  return o.kind === 'label' ? 0 : maxAbsDiff(finalValues(o), ref.data);
}
