/** Typed readers of kernel attributes: a missing or mistyped attribute is an E_PLAN error naming the kernel. */
import { TfeError } from '../errors.js';
import type { KernelAttrs } from './spec.js';

export function intAttr(kernel: string, attrs: KernelAttrs, name: string, min = -Infinity, max = Infinity): number {
  const v = attrs[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TfeError('E_PLAN', `${kernel}: attribute '${name}' must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function strAttr<T extends string>(kernel: string, attrs: KernelAttrs, name: string, allowed: readonly T[]): T {
  const v = attrs[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new TfeError('E_PLAN', `${kernel}: attribute '${name}' must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

export function optStrAttr(attrs: KernelAttrs, name: string): string | undefined {
  const v = attrs[name];
  return typeof v === 'string' ? v : undefined;
}

export function intsAttr(kernel: string, attrs: KernelAttrs, name: string, length?: number): number[] {
  const v = attrs[name];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x)) || (length !== undefined && v.length !== length)) {
    throw new TfeError('E_PLAN', `${kernel}: attribute '${name}' must be ${length ?? 'a list of'} integers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

export function numsAttr(kernel: string, attrs: KernelAttrs, name: string): number[] {
  const v = attrs[name];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new TfeError('E_PLAN', `${kernel}: attribute '${name}' must be a list of numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

export function pairsAttr(kernel: string, attrs: KernelAttrs, name: string): [number, number][] {
  const v = attrs[name];
  if (!Array.isArray(v) || !v.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x) && x >= 0))) {
    throw new TfeError('E_PLAN', `${kernel}: attribute '${name}' must be a list of [before, after] pairs, got ${JSON.stringify(v)}`);
  }
  return (v as number[][]).map((p) => [p[0], p[1]]);
}
