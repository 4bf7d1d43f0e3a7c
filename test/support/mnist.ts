/**
 * Reader for the MNIST test set in IDX format (gzip), shared by the tests.
 *
 * Format (http://yann.lecun.com/exdb/mnist/): big-endian uint32 header. Images: magic 2051,
 * count, rows, cols, then count*rows*cols uint8 pixels, row-major. Labels: magic 2049,
 * count, then count uint8 labels. Pixels are returned as pixel/255 in [0, 1], ready for a
 * [-1, 28, 28, 1] NHWC input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MNIST_TESTSET } from './paths.js';

export interface MnistSet {
  /** n*784 pixels scaled to [0, 1], image after image, row-major 28x28. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly n: number;
}

export const MNIST_IMAGES = join(MNIST_TESTSET, 't10k-images-idx3-ubyte.gz');
export const MNIST_LABELS = join(MNIST_TESTSET, 't10k-labels-idx1-ubyte.gz');

function readIdx(path: string, magic: number, headerBytes: number): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new Error(`mnist: cannot read ${path}: ${(e as Error).message}`);
  }
  let data: Buffer;
  try {
    data = gunzipSync(raw);
  } catch (e) {
    throw new Error(`mnist: ${path} is not a valid gzip file: ${(e as Error).message}`);
  }
  if (data.length < headerBytes) throw new Error(`mnist: ${path} is truncated (${data.length} bytes, header needs ${headerBytes})`);
  const got = data.readUInt32BE(0);
  if (got !== magic) throw new Error(`mnist: ${path} has IDX magic ${got}, expected ${magic}`);
  return data;
}

/** Reads the first `limit` (default all 10,000) test images and labels. */
export function readMnist(limit?: number, imagesPath = MNIST_IMAGES, labelsPath = MNIST_LABELS): MnistSet {
  const img = readIdx(imagesPath, 2051, 16);
  const lab = readIdx(labelsPath, 2049, 8);
  const count = img.readUInt32BE(4);
  const rows = img.readUInt32BE(8);
  const cols = img.readUInt32BE(12);
  if (rows !== 28 || cols !== 28) throw new Error(`mnist: ${imagesPath} has ${rows}x${cols} images, expected 28x28`);
  const labelCount = lab.readUInt32BE(4);
  if (labelCount !== count) throw new Error(`mnist: ${imagesPath} has ${count} images but ${labelsPath} has ${labelCount} labels`);
  if (img.length < 16 + count * 784) throw new Error(`mnist: ${imagesPath} is truncated (${img.length} bytes for ${count} images)`);
  if (lab.length < 8 + count) throw new Error(`mnist: ${labelsPath} is truncated (${lab.length} bytes for ${count} labels)`);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`mnist: limit must be a non-negative integer, got ${limit}`);
  const n = limit === undefined ? count : Math.min(limit, count);
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = img[16 + i] / 255;
  const labels = new Uint8Array(lab.subarray(8, 8 + n));
  return { images, labels, n };
}
