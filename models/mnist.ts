/**
 * A small reader for the MNIST test set in gzipped IDX format, for the model zoo's
 * training script (models/ does not import test/). Format: big-endian uint32 header;
 * images: magic 2051, count, rows, cols, then uint8 pixels row-major; labels: magic 2049,
 * count, then uint8 labels. Pixels are returned as pixel/255 in [0, 1] (NHWC [-1,28,28,1]).
 * The default location is `../shared/models/mnist_testset` beside the repository, or
 * the directory in TFE_MNIST_DIR.
 */
import { resolve } from 'node:path';
import { readMnistDir } from '../runtime/io/mnist.js';
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

/** Reads the whole MNIST test set (10,000 images) from `dir` (the parser is runtime/io/mnist.ts). */
export function readMnistTestSet(dir = mnistDir()): Mnist {
  const m = readMnistDir(dir);
  return { images: Float32Array.from(m.images), labels: m.labels, n: m.n };
}

/** Images [start, end) of `m` as a new set. */
export function sliceMnist(m: Mnist, start: number, end: number): Mnist {
  const e = Math.min(end, m.n);
  return { images: m.images.slice(start * 784, e * 784), labels: m.labels.slice(start, e), n: e - start };
}
