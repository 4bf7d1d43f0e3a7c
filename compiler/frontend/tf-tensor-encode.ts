/**
 * IR `TensorData` -> TensorFlow encodings: a TensorProto with little-endian
 * `tensor_content` (for constants fed with --const), and the raw weight bytes of
 * the TF.js weights format (float32, int32, bool as one byte, string as a 4-byte
 * little-endian length then UTF-8 bytes per element). TF.js has no float64 or
 * int64 weights: float64 is rounded to float32 and int64 narrowed to int32 (an
 * E_RANGE error if a value does not fit), as the TF.js converter does.
 */
import type { TensorData } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { DT, type TensorMsg } from './proto/tf-proto.js';

const DT_OF = { float32: DT.FLOAT, float64: DT.DOUBLE, int32: DT.INT32, int64: DT.INT64, bool: DT.BOOL, string: DT.STRING } as const;

function count(t: TensorData): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/** A TensorProto holding `t` exactly. */
export function tensorToProto(t: TensorData): TensorMsg {
  const tensorShape = { dim: t.shape.map((d) => ({ size: String(d) })) };
  const dtype = DT_OF[t.dtype];
  if (t.dtype === 'string') {
    const enc = new TextEncoder();
    return { dtype, tensorShape, stringVal: (t.values as readonly string[]).map((s) => enc.encode(s)) };
  }
  const n = count(t);
  let bytes: Uint8Array;
  switch (t.dtype) {
    case 'float32': bytes = new Uint8Array(Float32Array.from(t.values as Float64Array).buffer); break;
    case 'float64': bytes = new Uint8Array(Float64Array.from(t.values as Float64Array).buffer); break;
    case 'int32': bytes = new Uint8Array(Int32Array.from(t.values as Int32Array).buffer); break;
    case 'int64': bytes = new Uint8Array(BigInt64Array.from(t.values as BigInt64Array).buffer); break;
    default: bytes = Uint8Array.from(t.values as Uint8Array, (b) => (b ? 1 : 0)); break;
  }
  if (bytes.length === 0 && n === 0) return { dtype, tensorShape };
  return { dtype, tensorShape, tensorContent: bytes };
}

/** The TF.js weight dtype a tensor is stored as. */
export type TfjsWeightDType = 'float32' | 'int32' | 'bool' | 'string';

export function tfjsWeightDType(t: TensorData): TfjsWeightDType {
  switch (t.dtype) {
    case 'float32': case 'float64': return 'float32';
    case 'int32': case 'int64': return 'int32';
    case 'bool': return 'bool';
    default: return 'string';
  }
}

/** The bytes of `t` in the TF.js weights format; `what` names it in errors. */
export function tfjsWeightBytes(t: TensorData, what: string): Uint8Array {
  switch (tfjsWeightDType(t)) {
    case 'float32': return new Uint8Array(Float32Array.from(t.values as Float64Array).buffer);
    case 'int32': {
      if (t.dtype === 'int32') return new Uint8Array(Int32Array.from(t.values as Int32Array).buffer);
      const out = new Int32Array((t.values as BigInt64Array).length);
      (t.values as BigInt64Array).forEach((v, i) => {
        if (v < -(2n ** 31n) || v >= 2n ** 31n) throw new TfeError('E_RANGE', `${what}: int64 value ${v} does not fit the int32 TF.js uses`);
        out[i] = Number(v);
      });
      return new Uint8Array(out.buffer);
    }
    case 'bool': return Uint8Array.from(t.values as Uint8Array, (b) => (b ? 1 : 0));
    default: {
      const enc = new TextEncoder();
      const parts = (t.values as readonly string[]).map((s) => enc.encode(s));
      const out = new Uint8Array(parts.reduce((a, p) => a + 4 + p.length, 0));
      const view = new DataView(out.buffer);
      let pos = 0;
      for (const p of parts) { view.setUint32(pos, p.length, true); out.set(p, pos + 4); pos += 4 + p.length; }
      return out;
    }
  }
}
