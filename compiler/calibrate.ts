/**
 * --calibrate FILE: the input range observed on calibration inputs, used instead of
 * the declared --input-range for the headroom bounds. Reads `.npy` (little-endian
 * float32/float64/int32/uint8, C order) or `.json` (nested number arrays, or an object
 * of them keyed by input name: all values count).
 *
 * The range is [q(100 - P), q(P)] for the percentile P (--calibrate-percentile, default
 * 99.99), q by linear interpolation between order statistics (NumPy's default
 * `percentile` method), so that a few outliers in the calibration data do not widen the
 * range for every prediction; P = 100 gives the exact min and max. Values beyond the
 * range are NOT clipped: the executor refuses an input element outside the compiled
 * range with E_RANGE (the headroom proof covers that range only).
 */
import { readFileSync } from 'node:fs';
import { TfeError } from '../src/errors.js';

function npyValues(buf: Uint8Array, path: string): ArrayLike<number> {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => buf[i] === b)) throw new TfeError('E_FORMAT', `${path}: not a .npy file`);
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = major >= 2 ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = (major >= 2 ? 12 : 10) + hlen;
  const header = new TextDecoder('latin1').decode(buf.subarray(major >= 2 ? 12 : 10, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new TfeError('E_FORMAT', `${path}: Fortran-order arrays are not supported`);
  const body = Uint8Array.from(buf.subarray(start)); // a copy: aligned, and not a view into a Buffer pool
  switch (descr) {
    case '<f4': return new Float32Array(body.buffer, 0, body.byteLength >> 2);
    case '<f8': return new Float64Array(body.buffer, 0, body.byteLength >> 3);
    case '<i4': return new Int32Array(body.buffer, 0, body.byteLength >> 2);
    case '|u1': return body;
    default: throw new TfeError('E_FORMAT', `${path}: .npy dtype ${descr ?? '?'} not supported (use float32, float64, int32 or uint8)`);
  }
}

function jsonValues(v: unknown, out: number[]): void {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) jsonValues(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) jsonValues(x, out);
}

/** The default --calibrate-percentile. */
export const DEFAULT_CALIBRATE_PERCENTILE = 99.99;

/** E_ARG unless 50 <= p <= 100 (below 50 the low percentile would exceed the high one). */
export function checkPercentile(p: number): void {
  if (!(p >= 50 && p <= 100)) throw new TfeError('E_ARG', `--calibrate-percentile ${p}: expected a number in [50, 100]`, 'e.g. 99.99, or 100 for the exact min and max');
}

/** The p-th percentile (0..100) of ascending `sorted`, interpolating linearly between neighbours. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return frac === 0 ? sorted[i] : sorted[i] + (sorted[i + 1] - sorted[i]) * frac;
}

/** [q(100 - P), q(P)] over every value in the calibration file (P = 100: [min, max]). */
export function calibrationRange(path: string, percentile = DEFAULT_CALIBRATE_PERCENTILE): [number, number] {
  checkPercentile(percentile);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new TfeError('E_IO', `--calibrate ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let vals: ArrayLike<number>;
  if (path.endsWith('.npy')) vals = npyValues(bytes, path);
  else {
    const out: number[] = [];
    try {
      jsonValues(JSON.parse(new TextDecoder().decode(bytes)), out);
    } catch (e) {
      throw new TfeError('E_FORMAT', `--calibrate ${path}: not .npy and not valid JSON (${(e as Error).message})`);
    }
    vals = out;
  }
  if (vals.length === 0) throw new TfeError('E_ARG', `--calibrate ${path}: no values`);
  const sorted = Float64Array.from(vals);
  for (const x of sorted) if (!Number.isFinite(x)) throw new TfeError('E_RANGE', `--calibrate ${path}: value ${x} is not finite`);
  sorted.sort();
  return [percentileOfSorted(sorted, 100 - percentile), percentileOfSorted(sorted, percentile)];
}
