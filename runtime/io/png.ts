/**
 * Reads a PNG image as a model input: pixels scaled to [0, 1] (value / 255, or / 65535
 * for 16-bit images), as [1, H, W, C] with C = 1 (grayscale: the luminance
 * 0.299 R + 0.587 G + 0.114 B, or the gray channel) or 3 (RGB), alpha dropped.
 * Resizing happens only when asked (bilinear, to the model's H x W); otherwise a size
 * that differs from the model's is an E_SHAPE error naming both sizes, found from the
 * header (IHDR) before any pixel is decoded; so is an image over MAX_PNG_PIXELS.
 * Bytes after the IEND chunk (appended by some editors and upload tools) are ignored
 * with a warning, as libpng does; pngjs alone would refuse the file.
 */
import { PNG } from 'pngjs';
import { TfeError } from '../../src/errors.js';
import type { FloatTensor } from '../party/executor.js';

export interface PngOptions {
  readonly channels: 1 | 3;
  /** Resize to this [height, width] (bilinear). */
  readonly resizeTo?: readonly [number, number];
  /** Called with a one-line warning (trailing bytes ignored). */
  readonly onWarning?: (message: string) => void;
  /**
   * The model's [height, width] when the image is not resized: a PNG whose header
   * declares another size is refused before its pixels are decoded.
   */
  readonly expectSize?: readonly [number, number];
}

/**
 * The largest image decoded (width x height, 64 Mpixel = 2^26, a 8192 x 8192 image):
 * decoding allocates 4 bytes (RGBA) plus 8 bytes per channel (float64) per pixel, so a
 * few-byte file declaring 100000 x 100000 pixels must be refused from its header alone.
 */
export const MAX_PNG_PIXELS = 2 ** 26;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The PNG's length up to the end of its IEND chunk, walking the chunks (4-byte
 * big-endian length, 4-byte type, data, 4-byte CRC); the whole length when there is no
 * signature or no complete IEND (pngjs then reports what is wrong).
 */
export function pngLength(bytes: Uint8Array): number {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 8;
  while (off + 12 <= bytes.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(bytes[off + 4], bytes[off + 5], bytes[off + 6], bytes[off + 7]);
    const end = off + 12 + len;
    if (end > bytes.length) break;
    if (type === 'IEND') return end;
    off = end;
  }
  return bytes.length;
}

/**
 * The width and height an IHDR chunk (the first chunk, right after the signature)
 * declares, or undefined when the file does not start that way (pngjs then reports what
 * is wrong).
 */
export function pngDeclaredSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  if (String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Refuses, from the header alone, an image of the wrong size or too large to decode. */
function checkDeclaredSize(bytes: Uint8Array, where: string, opts: PngOptions): void {
  const d = pngDeclaredSize(bytes);
  if (d === undefined) return;
  if (d.width === 0 || d.height === 0) throw new TfeError('E_FORMAT', `${where}: the PNG header declares an empty ${d.width}x${d.height} image`);
  if (opts.expectSize && (d.height !== opts.expectSize[0] || d.width !== opts.expectSize[1])) {
    const [h, w] = opts.expectSize;
    throw new TfeError('E_SHAPE', `${where} is ${d.width}x${d.height} pixels (width x height) but the model takes ${w}x${h}`, `pass --resize to resize it to ${w}x${h} (bilinear)`);
  }
  if (d.width * d.height > MAX_PNG_PIXELS) {
    throw new TfeError('E_FORMAT', `${where}: the PNG header declares ${d.width}x${d.height} pixels, more than the ${MAX_PNG_PIXELS / 2 ** 20} Mpixel tfe decodes`, 'resize the image to the model\'s size before giving it');
  }
}

function bilinear(src: Float64Array, h: number, w: number, c: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * h) / oh - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * w) / ow - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const p = (yy: number, xx: number) => src[(yy * w + xx) * c + k];
        out[(y * ow + x) * c + k] = (1 - dy) * ((1 - dx) * p(y0, x0) + dx * p(y0, x1)) + dy * ((1 - dx) * p(y1, x0) + dx * p(y1, x1));
      }
    }
  }
  return out;
}

export function parsePng(bytes: Uint8Array, where: string, opts: PngOptions): FloatTensor {
  let img: PNG;
  const length = pngLength(bytes);
  if (length < bytes.length) opts.onWarning?.(`${where}: ${bytes.length - length} bytes after the PNG's end (IEND) ignored`);
  checkDeclaredSize(bytes, where, opts);
  try {
    img = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, length));
  } catch (e) {
    throw new TfeError('E_FORMAT', `${where}: not a readable PNG image: ${(e as Error).message}`);
  }
  const { width: w, height: h, data } = img;
  const max = data instanceof Uint16Array ? 65535 : 255;
  const c = opts.channels;
  let px: Float64Array = new Float64Array(h * w * c);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = [data[4 * i], data[4 * i + 1], data[4 * i + 2]];
    if (c === 1) px[i] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / max;
    else for (let k = 0; k < 3; k++) px[3 * i + k] = data[4 * i + k] / max;
  }
  let [oh, ow] = [h, w];
  if (opts.resizeTo) {
    [oh, ow] = opts.resizeTo;
    px = bilinear(px, h, w, c, oh, ow);
  }
  return { shape: [1, oh, ow, c], data: px };
}
