/**
 * Conversions between a Const's `TensorData` and the float64 arrays the interpreter
 * and the passes compute with. Integers round-trip exactly up to 2^53 (int64 values
 * beyond that lose precision: E_RANGE rather than a silent wrong value).
 */
import { TfeError } from '../errors.js';
import type { AttrValue, DType, IrNode, Shape, TensorData } from './node.js';

/** Number of elements of a static shape (the empty shape has one). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when the shape has no symbolic (-1) dimension. */
export function isStatic(shape: Shape | undefined): shape is readonly number[] {
  return shape !== undefined && shape.every((d) => d >= 0);
}

const cache = new WeakMap<TensorData, Float64Array>();

/** The values of `t` as float64, row-major (cached per TensorData object; treat the result as read-only). */
export function tensorToFloat64(t: TensorData, where = 'constant'): Float64Array {
  const hit = cache.get(t);
  if (hit) return hit;
  const v = t.values;
  let out: Float64Array;
  if (v instanceof Float64Array) out = v;
  else if (v instanceof Int32Array || v instanceof Uint8Array) out = Float64Array.from(v);
  else if (v instanceof BigInt64Array) {
    out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = Number(v[i]);
      if (!Number.isSafeInteger(x)) throw new TfeError('E_RANGE', `${where}: int64 value ${v[i]} does not fit a float64 exactly`);
      out[i] = x;
    }
  } else {
    throw new TfeError('E_UNSUPPORTED', `${where}: string tensors cannot be evaluated`, 'cut the graph after the string processing with --input NAME=SHAPE');
  }
  cache.set(t, out);
  return out;
}

/** A TensorData of `dtype` holding `data` (integers are rounded toward zero, bools are x != 0). */
export function float64ToTensor(dtype: DType, shape: readonly number[], data: Float64Array): TensorData {
  switch (dtype) {
    case 'float32':
    case 'float64':
      return { dtype, shape: [...shape], values: data };
    case 'int32':
      return { dtype, shape: [...shape], values: Int32Array.from(data, (x) => Math.trunc(x)) };
    case 'int64':
      return { dtype, shape: [...shape], values: BigInt64Array.from(data, (x) => BigInt(Math.trunc(x))) };
    case 'bool':
      return { dtype, shape: [...shape], values: Uint8Array.from(data, (x) => (x !== 0 ? 1 : 0)) };
    case 'string':
      throw new TfeError('E_UNSUPPORTED', 'cannot make a string tensor from numbers');
  }
}

/** The value of a Const node, or undefined for any other node. */
export function constValue(n: IrNode | undefined): TensorData | undefined {
  if (!n || n.op !== 'Const') return undefined;
  const v = n.attrs.value;
  return isTensorData(v) ? v : undefined;
}

/** True when an attribute value is a TensorData. */
export function isTensorData(v: AttrValue | undefined): v is TensorData {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'values' in v && 'dtype' in v && 'shape' in v;
}

/** The numbers of a Const node (flattened), or undefined when `n` is not a numeric Const. */
export function constNumbers(n: IrNode | undefined): number[] | undefined {
  const t = constValue(n);
  if (!t || t.dtype === 'string') return undefined;
  return Array.from(tensorToFloat64(t, n?.id));
}

/** A Const node holding `data`. */
export function makeConst(id: string, dtype: DType, shape: readonly number[], data: Float64Array): IrNode {
  return { id, op: 'Const', inputs: [], attrs: { value: float64ToTensor(dtype, shape, data) }, dtype, shape: [...shape] };
}
