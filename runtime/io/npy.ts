/**
 * Reads NumPy .npy files (format versions 1-3: magic \x93NUMPY, version, little-endian
 * header length, a Python-literal header dict with descr, fortran_order and shape) into
 * float64. Supported dtypes: float32/float64, (u)int8/16/32/64 and bool, little-endian
 * or byte-order-free. Anything else, a truncated file, or data of another length than the
 * header's shape holds (checked before allocating), is an E_FORMAT error naming the file.
 */
import { TfeError } from '../../src/errors.js';
import type { FloatTensor } from '../party/executor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (v: DataView, off: number) => number;
const READERS: Record<string, { size: number; read: Reader }> = {
  f4: { size: 4, read: (v, o) => v.getFloat32(o, true) },
  f8: { size: 8, read: (v, o) => v.getFloat64(o, true) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
  i2: { size: 2, read: (v, o) => v.getInt16(o, true) },
  u2: { size: 2, read: (v, o) => v.getUint16(o, true) },
  i4: { size: 4, read: (v, o) => v.getInt32(o, true) },
  u4: { size: 4, read: (v, o) => v.getUint32(o, true) },
  i8: { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  u8: { size: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
};

export function parseNpy(bytes: Uint8Array, where: string): FloatTensor {
  const bad = (what: string): TfeError => new TfeError('E_FORMAT', `${where}: not a readable .npy file: ${what}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('missing the \\x93NUMPY magic');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (![1, 2, 3].includes(major)) throw bad(`format version ${major}`);
  if (start + headerLen > bytes.length) throw bad('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) throw bad('header without descr, fortran_order or shape');
  if (descr[1] === '>') throw bad('big-endian data');
  if (fortran[1] === 'True') throw bad('Fortran (column-major) order; save it with np.ascontiguousarray');
  const kind = `${descr[2]}${descr[3]}`;
  const r = READERS[kind];
  if (!r) throw bad(`dtype ${descr[0]} is not supported (use float32 or float64)`);
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`shape (${shapeM[1]})`);
  const n = shape.reduce((a, d) => a * d, 1);
  const dataStart = start + headerLen;
  if (dataStart + n * r.size > bytes.length) throw bad(`truncated data: ${n} values of ${r.size} bytes need ${n * r.size}, have ${bytes.length - dataStart}`);
  // the shape must account for every byte: trailing data means the header lies about it
  if (dataStart + n * r.size !== bytes.length) throw bad(`shape (${shapeM[1]}) holds ${n} values of ${r.size} bytes (${n * r.size}), but the file has ${bytes.length - dataStart} bytes of data`);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = r.read(view, dataStart + i * r.size);
  return { shape, data };
}
