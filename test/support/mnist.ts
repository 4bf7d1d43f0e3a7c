/**
 * Reader for the MNIST test set in IDX format (gzip), shared by the tests.
 *
 * Format (http://yann.lecun.com/exdb/mnist/): big-endian uint32 header. Images: magic 2051,
 * count, rows, cols, then count*rows*cols uint8 pixels, row-major. Labels: magic 2049,
 * count, then count uint8 labels. Pixels are returned as pixel/255 in [0, 1], ready for a
 * [-1, 28, 28, 1] NHWC input.
 */
import { join } from 'node:path';
import { readMnistFiles } from '../../runtime/io/mnist.js';
import { MNIST_TESTSET } from './paths.js';

export interface MnistSet {
  /** n*784 pixels scaled to [0, 1], image after image, row-major 28x28. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly n: number;
}

export const MNIST_IMAGES = join(MNIST_TESTSET, 't10k-images-idx3-ubyte.gz');
export const MNIST_LABELS = join(MNIST_TESTSET, 't10k-labels-idx1-ubyte.gz');

/** Reads the first `limit` (default all 10,000) test images and labels (the parser is runtime/io/mnist.ts). */
export function readMnist(limit?: number, imagesPath = MNIST_IMAGES, labelsPath = MNIST_LABELS): MnistSet {
  const m = readMnistFiles(imagesPath, labelsPath, limit);
  return { images: Float32Array.from(m.images), labels: m.labels, n: m.n };
}
