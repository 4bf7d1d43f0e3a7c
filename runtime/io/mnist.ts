/**
 * Reads the MNIST test set in IDX format (gzip): t10k-images-idx3-ubyte.gz (magic 2051,
 * count, 28, 28, then uint8 pixels) and t10k-labels-idx1-ubyte.gz (magic 2049, count,
 * then uint8 labels). Pixels are scaled by 1/255, as the MNIST models expect.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TfeError } from '../../src/errors.js';

export interface Mnist {
  /** n * 784 values in [0, 1], row-major 28 x 28 per image. */
  readonly images: Float64Array;
  readonly labels: Uint8Array;
  readonly n: number;
}

/**
 * The most bytes a gzip IDX file may inflate to (128 MiB): MNIST's largest file, the
 * 60000 training images, is 47 MB. A gzip bomb (a few KB inflating to gigabytes) stops
 * at this cap with an E_FORMAT error instead of exhausting memory.
 */
export const MAX_IDX_BYTES = 2 ** 27;

/** An IDX file (gunzipped when its name ends in .gz, inflating to at most `maxBytes`). */
export function readIdx(path: string, magic: number, maxBytes = MAX_IDX_BYTES): { dims: number[]; data: Uint8Array } {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new TfeError('E_IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = path.endsWith('.gz') ? gunzipSync(raw, { maxOutputLength: maxBytes }) : raw;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TfeError('E_FORMAT', `${path}: inflates to more than ${maxBytes} bytes (a gzip bomb, or not an MNIST IDX file)`, 'MNIST IDX files hold at most 60000 28x28 images');
    }
    throw new TfeError('E_FORMAT', `${path}: not a valid gzip file`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || v.getUint32(0) !== magic) throw new TfeError('E_FORMAT', `${path}: not an IDX file with magic ${magic}`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => v.getUint32(4 + 4 * i));
  const start = 4 + 4 * rank;
  const n = dims.reduce((a, d) => a * d, 1);
  if (bytes.length < start + n) throw new TfeError('E_FORMAT', `${path}: truncated (${bytes.length - start} of ${n} bytes)`);
  return { dims, data: bytes.subarray(start, start + n) };
}

/** The first `limit` images (all by default) and labels of an MNIST IDX pair of files. */
export function readMnistFiles(imagesPath: string, labelsPath: string, limit?: number): Mnist {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new TfeError('E_ARG', `MNIST limit must be a non-negative integer, got ${limit}`);
  const img = readIdx(imagesPath, 2051);
  const lab = readIdx(labelsPath, 2049);
  if (img.dims[0] !== lab.dims[0] || img.dims[1] !== 28 || img.dims[2] !== 28) {
    throw new TfeError('E_FORMAT', `${imagesPath}: ${img.dims[0]} images of ${img.dims[1]}x${img.dims[2]} and ${lab.dims[0]} labels in ${labelsPath} do not make an MNIST set`);
  }
  const n = Math.min(limit ?? img.dims[0], img.dims[0]);
  const images = new Float64Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = img.data[i] / 255;
  return { images, labels: lab.data.slice(0, n), n };
}

/** The first `limit` images (all by default) of the MNIST test set in `dir`. */
export function readMnistDir(dir: string, limit?: number): Mnist {
  return readMnistFiles(join(dir, 't10k-images-idx3-ubyte.gz'), join(dir, 't10k-labels-idx1-ubyte.gz'), limit);
}
