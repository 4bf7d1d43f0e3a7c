/**
 * The values a program's constants and private variables are given as: a flat array
 * or typed array in row-major order whose length is the shape's element count, or
 * nested arrays whose nesting is exactly the shape (TensorFlow's tf.constant(value,
 * shape) reads them alike). Every value must be finite: fixed-point encoding has no
 * NaN or infinity.
 */
import { TfeError } from '../../src/errors.js';
import { fmtShape } from '../../src/ir/shape-rules.js';

/** Numbers, flat or nested (any depth), or a float typed array. */
export type ProgramValues = number | readonly ProgramValues[] | Float32Array | Float64Array;

/** The nesting shape of `v` (E_SHAPE when ragged), and its leaves in row-major order. */
function walk(v: ProgramValues, where: string, depth: number, out: number[]): number[] {
  if (typeof v === 'number') {
    out.push(v);
    return [];
  }
  if (v instanceof Float32Array || v instanceof Float64Array) {
    for (const x of v) out.push(x);
    return [v.length];
  }
  if (!Array.isArray(v)) throw new TfeError('E_ARG', `${where}: values must be numbers, nested arrays of numbers, or a Float32Array / Float64Array, got ${typeof v}`);
  let inner: number[] | undefined;
  for (const x of v as readonly ProgramValues[]) {
    const s = walk(x, where, depth + 1, out);
    if (inner === undefined) inner = s;
    else if (s.length !== inner.length || s.some((d, i) => d !== inner?.[i])) throw new TfeError('E_SHAPE', `${where}: the nested arrays are ragged at depth ${depth + 1} (${fmtShape(inner)} beside ${fmtShape(s)})`);
  }
  return [v.length, ...(inner ?? [])];
}

/**
 * `values` as float64 in row-major order for a tensor of `shape`: E_SHAPE when the count
 * (flat) or the nesting (nested) does not match, E_RANGE on a non-finite value, each
 * naming `where` (the builder call).
 */
export function flattenValues(values: ProgramValues, shape: readonly number[], where: string): Float64Array {
  const flat: number[] = [];
  const nest = walk(values, where, 0, flat);
  const count = shape.reduce((a, d) => a * d, 1);
  const nested = Array.isArray(values) && (values as readonly ProgramValues[]).some((x) => typeof x !== 'number');
  if (nested && (nest.length !== shape.length || nest.some((d, i) => d !== shape[i]))) {
    throw new TfeError('E_SHAPE', `${where}: the values are nested as ${fmtShape(nest)}, the shape is ${fmtShape(shape)}`, 'give nested arrays of exactly the shape, or a flat array of its element count in row-major order');
  }
  if (flat.length !== count) {
    throw new TfeError('E_SHAPE', `${where}: ${flat.length} value(s) for shape ${fmtShape(shape)}, which has ${count} element(s)`);
  }
  const bad = flat.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw new TfeError('E_RANGE', `${where}: value ${String(flat[bad])} at flat index ${bad} is not a finite number`);
  return Float64Array.from(flat);
}

/** Checks that `shape` is a list of positive integers (E_SHAPE naming `where`). */
export function checkShape(shape: unknown, where: string): asserts shape is readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)) {
    throw new TfeError('E_SHAPE', `${where}: shape ${JSON.stringify(shape)} must be a list of positive integers`, 'program shapes are fixed: the batch is part of the shape (e.g. [1, 3])');
  }
}
