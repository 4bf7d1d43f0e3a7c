/**
 * Reads inputs from JSON: a nested array of numbers (one input; its nesting is its
 * shape, which must be rectangular), or an object mapping input names to nested arrays.
 * Anything else is an E_FORMAT error naming the file and the position, as is a file
 * over MAX_JSON_BYTES or nested deeper than MAX_JSON_DEPTH (checked before parsing).
 */
import { TfeError } from '../../src/errors.js';
import type { FloatTensor } from './preprocess.js';

/** The largest JSON input read (256 MiB of text): larger inputs belong in .npy files. */
export const MAX_JSON_BYTES = 2 ** 28;
/** The deepest nesting of arrays and objects read (a tensor of rank 64 is already far past any model's). */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses JSON text nested deeper than MAX_JSON_DEPTH before it is parsed (a scan of the
 * brackets outside strings), so hostile input gives an E_FORMAT error, not a stack
 * overflow in the parser or in the recursive readers below.
 */
export function checkJsonDepth(text: string, where: string, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new TfeError('E_FORMAT', `${where}: JSON nested more than ${maxDepth} deep (at character ${i})`, 'inputs are arrays of at most a few dimensions');
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

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
  if (text.length > MAX_JSON_BYTES) throw new TfeError('E_FORMAT', `${where}: ${text.length} characters of JSON, more than the ${MAX_JSON_BYTES / 2 ** 20} MiB tfe reads`, 'give large inputs as .npy files');
  checkJsonDepth(text, where);
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
