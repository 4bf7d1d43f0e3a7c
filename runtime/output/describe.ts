/**
 * How `tfe run` shows an output. A classifier's output (kind 'probabilities' or
 * 'logits', or 'values' of shape [N, K] when class names for K classes are given) prints
 * its top classes, with their names when known; a label output prints the label; any
 * other output (a regression such as [N, 1], features) prints its values, never
 * "classes". Class names must number exactly K: a mismatch is an error naming the file.
 */
import { TfeError } from '../../src/errors.js';
import { finalValues } from '../eval/compare.js';
import type { OutputValue } from '../party/executor.js';
import type { ClassNames } from './labels.js';

const TOP = 5;

export interface TopClass {
  readonly class: number;
  readonly name?: string;
  readonly value: number;
}

const lastDim = (o: OutputValue): number => o.shape[o.shape.length - 1] ?? 1;

/** True when the output is a vector of class scores per example. */
export function isClassScores(o: OutputValue, names: ClassNames | undefined): boolean {
  const k = lastDim(o);
  if (k < 2 || o.kind === 'label') return false;
  if (o.kind === 'probabilities' || o.kind === 'logits') return true;
  return names !== undefined && names.names.length === k && o.shape.length === 2;
}

function checkNames(names: ClassNames | undefined, classes: number, output: string): void {
  if (names && names.names.length !== classes) {
    throw new TfeError('E_ARG', `${names.file} has ${names.names.length} class names but output '${output}' has ${classes} classes`, 'give a file with one name per class (--labels FILE)');
  }
}

/** The top classes of each example, best first. */
export function topClasses(o: OutputValue, names: ClassNames | undefined, name: string): TopClass[][] {
  const k = lastDim(o);
  checkNames(names, k, name);
  const v = finalValues(o);
  const rows: TopClass[][] = [];
  for (let r = 0; r * k < v.length; r++) {
    const row = Array.from(v.subarray(r * k, (r + 1) * k), (value, i) => ({ class: i, value })).sort((a, b) => b.value - a.value).slice(0, TOP);
    rows.push(row.map((c) => ({ ...c, ...(names ? { name: names.names[c.class] } : {}) })));
  }
  return rows;
}

const named = (i: number, names: ClassNames | undefined): string => (names ? `${i} (${names.names[i] ?? '?'})` : String(i));

export function describeOutput(name: string, o: OutputValue, names: ClassNames | undefined): string {
  const lines: string[] = [];
  if (o.kind === 'label') {
    if (names && o.data.some((l) => l >= names.names.length)) checkNames(names, Math.max(...o.data) + 1, name);
    lines.push(`${name}: label ${Array.from(o.data, (l) => named(l, names)).join(', ')}`);
  } else if (isClassScores(o, names)) {
    const k = lastDim(o);
    const rows = topClasses(o, names, name);
    const what = o.kind === 'probabilities' ? 'probability' : 'score';
    rows.forEach((row, r) => {
      lines.push(`${name}${rows.length > 1 ? ` [example ${r}]` : ''}: top ${row.length} of ${k} classes (${what})`);
      const width = Math.max(...row.map((c) => String(c.class).length));
      for (const c of row) lines.push(`  class ${String(c.class).padStart(width)}  ${c.value.toFixed(6)}${c.name !== undefined ? `  ${c.name}` : ''}`);
    });
  } else {
    const v = o.data;
    lines.push(`${name} [${o.shape.join(',')}] values: ${Array.from(v.subarray(0, 20), (x) => x.toPrecision(6)).join(', ')}${v.length > 20 ? `, ... (${v.length} values)` : ''}`);
  }
  return lines.join('\n');
}
