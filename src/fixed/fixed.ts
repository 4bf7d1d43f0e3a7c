/**
 * Fixed-point encoding of reals into Z_2^64: value = round(x * 2^f), two's complement.
 *
 * Range: with f fractional bits the ring holds [-2^(63-f), 2^(63-f) - 2^-f]; an input
 * outside it is an E_RANGE error, never a silent wrap (f = 16: |x| < 2^47 ~ 1.4e14).
 * Note the secure truncation (runtime, Pond trunc_s) needs |x * 2^(2f)| < 2^62 for a
 * product before it is truncated, which the compiler checks as headroom; encoding only
 * enforces the ring's own range.
 * Rounding: to nearest, ties away from zero (Math.round on |x|), so encode(-x) = -encode(x).
 * Precision: exact for |x * 2^f| <= 2^53; above that x * 2^f is already an integer
 * in float64 and is encoded exactly as that integer.
 */
import { TfeError } from '../errors.js';

export const DEFAULT_FRAC_BITS = 16;

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808; // 2^63, exact in float64

export function checkFracBits(f: number): void {
  if (!Number.isInteger(f) || f < 0 || f > 62) throw new TfeError('E_ARG', `fractional bits ${f} outside 0..62`);
}

/** The largest magnitude encodable with f fractional bits (exclusive bound 2^(63-f)). */
export function maxMagnitude(f: number): number {
  checkFracBits(f);
  return 2 ** (63 - f);
}

/** Encodes reals to ring elements; `what` names the tensor in range errors. */
export function encode(values: ArrayLike<number>, f: number = DEFAULT_FRAC_BITS, what = 'value'): BigUint64Array {
  checkFracBits(f);
  const scale = 2 ** f;
  const out = new BigUint64Array(values.length);
  const w = new Uint32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) throw new TfeError('E_RANGE', `${what}[${i}] = ${x} is not a finite number`);
    const s = x * scale;
    const v = Math.sign(s) * Math.round(Math.abs(s));
    if (v >= TWO63 || v < -TWO63) {
      throw new TfeError('E_RANGE', `${what}[${i}] = ${x} is outside the fixed-point range ±2^${63 - f} (${f} fractional bits)`,
        'use fewer fractional bits or rescale the input');
    }
    // split into two 32-bit words; exact for every integer |v| < 2^63 representable in float64
    const hi = Math.floor(v / TWO32);
    const lo = v - hi * TWO32;
    w[2 * i] = lo;
    w[2 * i + 1] = hi >>> 0;
  }
  return out;
}

/** Decodes ring elements (two's complement) to reals: x = v / 2^f. */
export function decode(values: BigUint64Array, f: number = DEFAULT_FRAC_BITS): Float64Array {
  checkFracBits(f);
  const scale = 2 ** -f;
  const w = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = ((w[2 * i + 1] | 0) * TWO32 + w[2 * i]) * scale;
  return out;
}

/** Encodes one public constant (for example a reciprocal) as a ring element. */
export function encodeScalar(x: number, f: number = DEFAULT_FRAC_BITS, what = 'constant'): bigint {
  return encode([x], f, what)[0];
}

/** Signed integer view of a ring element. */
export function toSigned(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}
