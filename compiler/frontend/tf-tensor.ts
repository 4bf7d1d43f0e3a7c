/**
 * TensorFlow tensor values -> IR `TensorData`: the DataType mapping, TensorProto
 * decoding (tensor.proto: `tensor_content` little-endian bytes, or the typed
 * repeated fields with TF's rule that fewer values than elements repeat the last
 * one and none means zeros) and raw little-endian buffers as stored in tensor
 * bundles and TF.js weight shards. Floats are widened to float64 (exactly), the
 * small integer types to int32; int64 stays exact as BigInt64Array.
 */
import type { DType, TensorData, TensorValues } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { DT, dtName, type TensorMsg, type TensorShapeMsg } from './proto/tf-proto.js';

/** IR dtype of a TF DataType (types.proto; `_REF` variants are +100), or undefined if unsupported. */
export function irDType(dt: number | undefined): DType | undefined {
  const base = dt !== undefined && dt > 100 ? dt - 100 : dt;
  switch (base) {
    case DT.FLOAT: case DT.HALF: return 'float32';
    case DT.DOUBLE: return 'float64';
    case DT.INT32: case DT.INT16: case DT.INT8: case DT.UINT8: case DT.UINT16: return 'int32';
    case DT.INT64: return 'int64';
    case DT.BOOL: return 'bool';
    case DT.STRING: return 'string';
    default: return undefined;
  }
}

/** Bytes per element of a fixed-width TF DataType in its raw encoding, or undefined (strings, unsupported). */
export function elementBytes(dt: number): number | undefined {
  switch (dt > 100 ? dt - 100 : dt) {
    case DT.FLOAT: case DT.INT32: case DT.UINT32: return 4;
    case DT.DOUBLE: case DT.INT64: case DT.UINT64: return 8;
    case DT.INT16: case DT.UINT16: case DT.HALF: case DT.BFLOAT16: return 2;
    case DT.INT8: case DT.UINT8: case DT.BOOL: return 1;
    default: return undefined;
  }
}

/**
 * Dims of a TensorShapeProto: -1 for an unknown dim; undefined for unknown rank.
 * Only the symbolic -1 is accepted as a negative size.
 */
export function shapeOf(s: TensorShapeMsg | undefined, what: string): number[] | undefined {
  if (s === undefined) return [];
  if (s.unknownRank) return undefined;
  return (s.dim ?? []).map((d) => {
    const n = Number(d.size ?? '0');
    if (!Number.isSafeInteger(n) || n < -1) throw new TfeError('E_FORMAT', `${what}: bad dimension size ${d.size}`);
    return n;
  });
}

function elementCount(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (d < 0) throw new TfeError('E_FORMAT', `${what}: constant tensor with unknown dimension in shape [${shape.join(',')}]`);
    n *= d;
  }
  if (n > 2 ** 31) throw new TfeError('E_FORMAT', `${what}: constant tensor of ${n} elements is too large`);
  return n;
}

/** IEEE half (binary16) bits -> number. */
function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Decodes `count` elements of DataType `dt` from little-endian `bytes` (exact size
 * required). Strings are not fixed-width and are handled by the callers.
 */
export function valuesFromBytes(dt: number, bytes: Uint8Array, count: number, what: string): TensorValues {
  const width = elementBytes(dt);
  const ir = irDType(dt);
  if (width === undefined || ir === undefined) {
    throw new TfeError('E_UNSUPPORTED', `${what}: tensors of type ${dtName(dt)} are not supported`);
  }
  if (bytes.length !== width * count) {
    throw new TfeError('E_FORMAT', `${what}: ${bytes.length} bytes of data for ${count} elements of ${dtName(dt)} (expected ${width * count})`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const base = dt > 100 ? dt - 100 : dt;
  switch (base) {
    case DT.FLOAT: { const out = new Float64Array(count); for (let i = 0; i < count; i++) out[i] = v.getFloat32(4 * i, true); return out; }
    case DT.DOUBLE: { const out = new Float64Array(count); for (let i = 0; i < count; i++) out[i] = v.getFloat64(8 * i, true); return out; }
    case DT.HALF: { const out = new Float64Array(count); for (let i = 0; i < count; i++) out[i] = halfToNumber(v.getUint16(2 * i, true)); return out; }
    case DT.INT32: { const out = new Int32Array(count); for (let i = 0; i < count; i++) out[i] = v.getInt32(4 * i, true); return out; }
    case DT.INT16: { const out = new Int32Array(count); for (let i = 0; i < count; i++) out[i] = v.getInt16(2 * i, true); return out; }
    case DT.UINT16: { const out = new Int32Array(count); for (let i = 0; i < count; i++) out[i] = v.getUint16(2 * i, true); return out; }
    case DT.INT8: { const out = new Int32Array(count); for (let i = 0; i < count; i++) out[i] = v.getInt8(i); return out; }
    case DT.UINT8: { const out = new Int32Array(count); for (let i = 0; i < count; i++) out[i] = v.getUint8(i); return out; }
    case DT.INT64: { const out = new BigInt64Array(count); for (let i = 0; i < count; i++) out[i] = v.getBigInt64(8 * i, true); return out; }
    case DT.BOOL: { const out = new Uint8Array(count); for (let i = 0; i < count; i++) out[i] = v.getUint8(i) ? 1 : 0; return out; }
    default:
      throw new TfeError('E_UNSUPPORTED', `${what}: tensors of type ${dtName(dt)} are not supported`);
  }
}

/** TF's repeated-field rule: n values as given, fewer repeat the last, none are `zero`. */
function expand<T>(vals: readonly T[] | undefined, n: number, zero: T, what: string): T[] {
  const src = vals ?? [];
  if (src.length > n) throw new TfeError('E_FORMAT', `${what}: ${src.length} values for a tensor of ${n} elements`);
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = i < src.length ? src[i] : (src.length ? src[src.length - 1] : zero);
  return out;
}

const utf8 = new TextDecoder('utf-8');

/** Decodes a TensorProto (a Const `value` attr or a TF.js weight) into IR TensorData. */
export function tensorFromProto(t: TensorMsg, what: string): TensorData {
  const dt = t.dtype ?? 0;
  const dtype = irDType(dt);
  if (dtype === undefined) throw new TfeError('E_UNSUPPORTED', `${what}: constant of type ${dtName(dt)} is not supported`);
  const shape = shapeOf(t.tensorShape, what);
  if (shape === undefined) throw new TfeError('E_FORMAT', `${what}: constant tensor with unknown rank`);
  const n = elementCount(shape, what);
  if (dtype === 'string') {
    return { dtype, shape, values: expand(t.stringVal, n, new Uint8Array(0), what).map((b) => utf8.decode(b)) };
  }
  if (t.tensorContent !== undefined && t.tensorContent.length > 0) {
    return { dtype, shape, values: valuesFromBytes(dt, t.tensorContent, n, what) };
  }
  const base = dt > 100 ? dt - 100 : dt;
  let values: TensorValues;
  switch (base) {
    case DT.FLOAT: values = Float64Array.from(expand(t.floatVal, n, 0, what)); break;
    case DT.DOUBLE: values = Float64Array.from(expand(t.doubleVal, n, 0, what)); break;
    case DT.HALF: values = Float64Array.from(expand(t.halfVal, n, 0, what), halfToNumber); break;
    case DT.INT64: values = BigInt64Array.from(expand(t.int64Val, n, '0', what), (s) => BigInt(s)); break;
    case DT.BOOL: values = Uint8Array.from(expand(t.boolVal, n, false, what), (b) => (b ? 1 : 0)); break;
    default: values = Int32Array.from(expand(t.intVal, n, 0, what)); break;
  }
  return { dtype, shape, values };
}
