/**
 * Reads inputs from JSON: a nested array of numbers (one input; its nesting is its
 * shape, which must be rectangular), or an object mapping input names to nested arrays.
 * Anything else is an E_FORMAT error naming the file and the position.
 */
import { TfeError } from '../../src/errors.js';
import type { FloatTensor } from '../party/executor.js';

function shapeOf(v: unknown, where: string, path: string): number[] {
  if (typeof v === 'number') return [];
  if (!Array.isArray(v)) throw new TfeError('E_FORMAT', `${where}: ${path} is ${JSON.stringify(v)?.slice(0, 40)}, expected a number or an array`);
  if (v.length === 0) return [0];
  const inner = shapeOf(v[0], where, `${path}[0]`);
  return [v.length, ...inner];
}

function flatten(v: unknown, shape: readonly number[], out: number[], where: string, path: string): void {
  if (shape.length === 0) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TfeError('E_FORMAT', `${where}: ${path} is not a finite number`);
    out.push(v);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[0]) throw new TfeError('E_FORMAT', `${where}: ${path} has ${Array.isArray(v) ? v.length : 'no'} entries, expected ${shape[0]} (ragged array)`);
  v.forEach((x, i) => flatten(x, shape.slice(1), out, where, `${path}[${i}]`));
}

export function tensorFromJson(v: unknown, where: string, path = '$'): FloatTensor {
  const shape = shapeOf(v, where, path);
  const out: number[] = [];
  flatten(v, shape, out, where, path);
  return { shape, data: Float64Array.from(out) };
}

/**
 * The inputs in a JSON file, by input name: a bare nested array feeds the only input;
 * an object maps input names to nested arrays, and for a model with one input the key
 * `input` also works (so a sample file may carry other fields, such as its label).
 */
export function parseJsonInputs(text: string, where: string, names: readonly string[]): Record<string, FloatTensor> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TfeError('E_FORMAT', `${where}: invalid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    if (names.length !== 1) {
      throw new TfeError('E_ARG', `${where} holds one array but the model has ${names.length} inputs (${names.join(', ')})`, 'give an object mapping each input name to its array');
    }
    return { [names[0]]: tensorFromJson(v, where) };
  }
  const obj = v as Record<string, unknown>;
  return Object.fromEntries(names.map((name) => {
    const key = name in obj ? name : names.length === 1 && 'input' in obj ? 'input' : undefined;
    if (key === undefined) throw new TfeError('E_ARG', `${where} has no input '${name}'${names.length === 1 ? " (nor 'input')" : ''}; it has ${Object.keys(obj).join(', ')}`);
    return [name, tensorFromJson(obj[key], where, `$.${key}`)];
  }));
}
