/**
 * A small reader for the MNIST test set in gzipped IDX format, for the model zoo's
 * training script (models/ does not import test/). Format: big-endian uint32 header;
 * images: magic 2051, count, rows, cols, then uint8 pixels row-major; labels: magic 2049,
 * count, then uint8 labels. Pixels are returned as pixel/255 in [0, 1] (NHWC [-1,28,28,1]).
 * The default location is `../shared/models/mnist_testset` beside the repository, or
 * the directory in TFE_MNIST_DIR.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from './index.js';

export interface Mnist {
  /** n*784 pixels in [0, 1], image after image, row-major 28x28. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly n: number;
}

/** The directory holding t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz. */
export function mnistDir(): string {
  return process.env.TFE_MNIST_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'models', 'mnist_testset');
}

function readIdx(path: string, magic: number): Buffer {
  let data: Buffer;
  try {
    data = gunzipSync(readFileSync(path));
  } catch (e) {
    throw new Error(`mnist: cannot read ${path}: ${(e as Error).message}`);
  }
  if (data.length < 8 || data.readUInt32BE(0) !== magic) throw new Error(`mnist: ${path} is not an IDX file with magic ${magic}`);
  return data;
}

/** Reads the whole MNIST test set (10,000 images) from `dir`. */
export function readMnistTestSet(dir = mnistDir()): Mnist {
  const img = readIdx(join(dir, 't10k-images-idx3-ubyte.gz'), 2051);
  const lab = readIdx(join(dir, 't10k-labels-idx1-ubyte.gz'), 2049);
  const n = img.readUInt32BE(4);
  if (img.readUInt32BE(8) !== 28 || img.readUInt32BE(12) !== 28) throw new Error('mnist: images are not 28x28');
  if (lab.readUInt32BE(4) !== n) throw new Error('mnist: image and label counts differ');
  if (img.length < 16 + n * 784 || lab.length < 8 + n) throw new Error('mnist: truncated file');
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = img[16 + i] / 255;
  return { images, labels: new Uint8Array(lab.subarray(8, 8 + n)), n };
}

/** Images [start, end) of `m` as a new set. */
export function sliceMnist(m: Mnist, start: number, end: number): Mnist {
  const e = Math.min(end, m.n);
  return { images: m.images.slice(start * 784, e * 784), labels: m.labels.slice(start, e), n: e - start };
}
