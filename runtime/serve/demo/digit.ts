/**
 * The demo page's pure parts (no DOM, so Node tests them too): a drawn digit turned into
 * an MNIST-like 28×28 input, the top classes of an output, and the hex view of a share.
 *
 * MNIST's preprocessing (LeCun, Cortes and Burges, "The MNIST database", yann.lecun.com/exdb/mnist):
 * each digit was size-normalised to fit a 20×20 box preserving its aspect ratio
 * (anti-aliased, hence grey levels), then centred in a 28×28 field by its centre of mass;
 * ink is white (1) on black (0) once scaled by 1/255. `mnistPixels` does the same to a
 * canvas: the ink's bounding box is resampled with an exact box filter (each target pixel
 * is the mean of the source area it covers, partial pixels weighted by their covered
 * fraction) so its longer side is 20 pixels, then shifted by a whole number of pixels
 * so its centre of mass falls within half a pixel of the centre of pixel (14, 14) (row and
 * column indices from 0): MNIST's own convention, measured on its test digits 8000..8499,
 * whose centres of mass all lie there; those digits drawn ×10 on the canvas and
 * preprocessed again come back unchanged (test/serve/demo-mnist.test.ts). The shift is
 * clamped so the whole box stays inside the 28×28 field (a box of at most 20 pixels always
 * fits), so no ink is cut off.
 */

/** Side of the model input (MNIST). */
export const DIGIT_SIDE = 28;
/** Side of the box the digit's longer side is scaled to (MNIST). */
export const DIGIT_BOX = 20;
/** Number of input values of one digit. */
export const DIGIT_PIXELS = DIGIT_SIDE * DIGIT_SIDE;

/**
 * 28×28 values in [0, 1] (row-major, white ink = 1) of an RGBA image of `width × height`
 * pixels with white ink on black: the ink is the mean of R, G and B over 255 (alpha is
 * ignored: the canvas is painted opaque black first). An image with no ink gives zeros.
 */
export function mnistPixels(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`mnistPixels: the image size must be positive integers, got ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`mnistPixels: an RGBA image of ${width}×${height} has ${width * height * 4} values, got ${rgba.length}`);
  }
  const ink = new Float64Array(width * height);
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = 4 * (y * width + x);
      const v = (rgba[p] + rgba[p + 1] + rgba[p + 2]) / (3 * 255);
      if (v <= 0) continue;
      ink[y * width + x] = v;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  const out = new Float32Array(DIGIT_PIXELS);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = DIGIT_BOX / Math.max(bw, bh);
  const tw = Math.ceil(bw * scale - 1e-9);
  const th = Math.ceil(bh * scale - 1e-9);
  const box = boxResample(ink, width, x0, y0, bw, bh, scale, tw, th);
  // Centre of mass, with pixel i's centre at i + 0.5.
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let j = 0; j < th; j++) {
    for (let i = 0; i < tw; i++) {
      const v = box[j * tw + i];
      mass += v;
      mx += v * (i + 0.5);
      my += v * (j + 0.5);
    }
  }
  // The centre of pixel 14 in coordinates where pixel i spans [i, i + 1).
  const half = DIGIT_SIDE / 2 + 0.5;
  const ox = clamp(Math.round(half - mx / mass), 0, DIGIT_SIDE - tw);
  const oy = clamp(Math.round(half - my / mass), 0, DIGIT_SIDE - th);
  for (let j = 0; j < th; j++) {
    for (let i = 0; i < tw; i++) out[(oy + j) * DIGIT_SIDE + ox + i] = Math.min(1, box[j * tw + i]);
  }
  return out;
}

/**
 * Box-filter resampling of the `bw × bh` region at (x0, y0) of `ink` (row stride `width`)
 * by `scale` into `tw × th` pixels: target pixel (i, j) covers source x in
 * [x0 + i/scale, x0 + (i+1)/scale) (likewise y), clipped to the region, and gets the
 * covered ink divided by its full area (1/scale)², so a partly covered edge pixel is dimmer.
 */
function boxResample(ink: Float64Array, width: number, x0: number, y0: number, bw: number, bh: number, scale: number, tw: number, th: number): Float64Array {
  const cols = coverage(bw, scale, tw);
  const rows = coverage(bh, scale, th);
  const out = new Float64Array(tw * th);
  const area = 1 / (scale * scale);
  for (let j = 0; j < th; j++) {
    for (let i = 0; i < tw; i++) {
      let s = 0;
      for (const [sy, wy] of rows[j]) {
        const row = (y0 + sy) * width + x0;
        for (const [sx, wx] of cols[i]) s += ink[row + sx] * wx * wy;
      }
      out[j * tw + i] = s / area;
    }
  }
  return out;
}

/** For each of `n` target cells, the source cells (0..len-1) it overlaps and by how much (in source units). */
function coverage(len: number, scale: number, n: number): [number, number][][] {
  const out: [number, number][][] = [];
  for (let t = 0; t < n; t++) {
    const a = t / scale;
    const b = Math.min(len, (t + 1) / scale);
    const cells: [number, number][] = [];
    for (let s = Math.floor(a); s < b && s < len; s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 0) cells.push([s, w]);
    }
    out.push(cells);
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/** Numerically stable softmax (subtracts the maximum before exponentiating). */
export function softmax(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += out[i] = Math.exp(x[i] - m);
  for (let i = 0; i < x.length; i++) out[i] /= s;
  return out;
}

/** One class of a prediction. */
export interface RankedClass {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
}

/** The `k` most probable classes, most probable first (ties: lower index first); labels default to the index. */
export function topClasses(probabilities: ArrayLike<number>, k: number, labels?: readonly string[]): RankedClass[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i);
  order.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order.slice(0, k).map((i) => ({ index: i, label: labels?.[i] ?? String(i), probability: probabilities[i] }));
}

/** The first `n` words as 16-digit lower-case hex (what the page shows of each share sent). */
export function hexWords(words: BigUint64Array, n: number): string[] {
  return Array.from(words.subarray(0, n), (w) => w.toString(16).padStart(16, '0'));
}
