/**
 * The builder's op options in TensorFlow's conventions, checked at the call and turned
 * into the IR's attributes: window sizes and strides (a number or [h, w]), padding
 * ('same' | 'valid'), axes (a number or a list; negative counts from the end).
 */
import { TfeError } from '../../src/errors.js';

/** 'same' or 'valid' (TensorFlow's spellings; upper case accepted too). */
export type Padding = 'same' | 'valid' | 'SAME' | 'VALID';

/** A window size or stride: one number for both spatial dims, or [h, w]. */
export type Window = number | readonly [number, number];

/** [h, w] from a number or a pair of positive integers; E_ARG naming `call` and `what`. */
export function windowPair(v: Window | undefined, what: string, call: string, fallback?: readonly [number, number]): [number, number] {
  if (v === undefined && fallback) return [fallback[0], fallback[1]];
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
    throw new TfeError('E_ARG', `${call}: ${what} ${JSON.stringify(v)} must be a positive integer or [h, w] of positive integers`);
  }
  return [p[0] as number, p[1] as number];
}

/** The IR's padding ('SAME' | 'VALID') from the builder's; default valid. */
export function irPadding(v: Padding | undefined, call: string): 'SAME' | 'VALID' {
  if (v === undefined) return 'VALID';
  const up = typeof v === 'string' ? v.toUpperCase() : v;
  if (up !== 'SAME' && up !== 'VALID') throw new TfeError('E_ARG', `${call}: padding ${JSON.stringify(v)} must be 'same' or 'valid'`);
  return up;
}

/** Axes as non-negative integers for `rank` (default: every axis); E_ARG naming `call` when out of range or repeated. */
export function normAxes(v: number | readonly number[] | undefined, rank: number, call: string): number[] {
  if (v === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list)) throw new TfeError('E_ARG', `${call}: axis ${JSON.stringify(v)} must be a number or a list of numbers`);
  const out = list.map((a) => {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < -rank || a >= rank) throw new TfeError('E_ARG', `${call}: axis ${JSON.stringify(a)} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new TfeError('E_ARG', `${call}: axis ${JSON.stringify(v)} repeats an axis`);
  return out;
}
