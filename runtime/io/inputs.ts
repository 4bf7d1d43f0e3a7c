/**
 * Loads a prediction input file by its extension: .npy (NumPy), .json (nested arrays,
 * or an object of named nested arrays; see json-input.ts), .png (an image: pixels / 255, [1, H, W, C]).
 * The tensor is then fitted to the plan's input shape (fit-shape.ts): its shape must be
 * the model's, or the model's without the batch dimension (a batch of 1 is added); a
 * square grayscale image feeds a [-1, H*W] model by flattening (row-major, as the MNIST
 * models expect). Any other shape is an E_SHAPE error naming the expected shape, never
 * a reinterpretation by element count; an empty input or a non-finite value is refused.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { FloatTensor } from '../party/executor.js';
import { fitInput } from './fit-shape.js';
import { MAX_JSON_BYTES, parseJsonInputs } from './json-input.js';
import { parseNpy } from './npy.js';
import { parsePng } from './png.js';
import { userShape, type PreprocessBinding } from './preprocess.js';

/** What reading needs of an input binding: the plan's InputBinding, or the served metadata's ServedInput (tfe predict). */
type InputBinding = PreprocessBinding;

export interface InputFileOptions {
  /** Resize images to the model's height and width. */
  readonly resize?: boolean;
  /** Called with one-line warnings (a PNG with trailing bytes). */
  readonly onWarning?: (message: string) => void;
}

/**
 * The [height, width, channels] of an image input: [N, H, W, C] with C = 1 or 3,
 * [N, H, W] (grayscale), or [N, K] with K a perfect square (a flattened square grayscale
 * image, as the MNIST models take 784 = 28 x 28). Anything else is not an image: E_SHAPE
 * naming the input and its shape.
 */
function imageShape(b: InputBinding, path: string): { hw: readonly [number, number]; channels: 1 | 3 } {
  const s = b.shape;
  const notImage = (why: string): TfeError => new TfeError('E_SHAPE', `${path} is an image, but the model's input '${b.name}' of shape [${s.map((d) => (d === -1 ? 'N' : d)).join(',')}] is not one: ${why}`,
    'give the input as .npy or .json with that shape');
  if (s.length === 4) {
    if (s[3] !== 1 && s[3] !== 3) throw notImage(`it has ${s[3]} channels; images give 1 (gray) or 3 (RGB)`);
    if (s[1] < 1 || s[2] < 1) throw notImage('its height and width are not fixed');
    return { hw: [s[1], s[2]], channels: s[3] };
  }
  if (s.length === 3 && s[1] > 0 && s[2] > 0) return { hw: [s[1], s[2]], channels: 1 };
  if (s.length === 2) {
    const side = Math.round(Math.sqrt(s[1]));
    if (s[1] > 1 && side * side === s[1]) return { hw: [side, side], channels: 1 };
    throw notImage(`${s[1]} values per example are not a square image`);
  }
  throw notImage('images are [N, H, W, C], [N, H, W] or a flattened square [N, H*W]');
}

function fit(t: FloatTensor, b: InputBinding, where: string): FloatTensor {
  return fitInput(t, b.name, userShape(b), where);
}

/** Reads `path` and returns the inputs by binding name. */
export function readInputFile(path: string, bindings: readonly InputBinding[], opts: InputFileOptions = {}): Record<string, FloatTensor> {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  try {
    // a JSON input's size is checked before the file is read
    const size = statSync(path).size;
    if (ext === '.json' && size > MAX_JSON_BYTES) throw new TfeError('E_FORMAT', `${path}: ${size} bytes of JSON, more than the ${MAX_JSON_BYTES / 2 ** 20} MiB tfe reads`, 'give large inputs as .npy files');
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof TfeError) throw e;
    throw new TfeError('E_IO', `cannot read input ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const single = (): InputBinding => {
    if (bindings.length !== 1) {
      throw new TfeError('E_ARG', `${path} holds one tensor but the model has ${bindings.length} inputs (${bindings.map((b) => b.name).join(', ')})`, 'give a .json object mapping each input name to its array');
    }
    return bindings[0];
  };
  const only = (t: FloatTensor): Record<string, FloatTensor> => ({ [single().name]: fit(t, single(), path) });
  if (ext === '.npy') return only(parseNpy(bytes, path));
  if (ext === '.png') {
    const { hw, channels } = imageShape(single(), path);
    const img = parsePng(bytes, path, { channels, ...(opts.resize ? { resizeTo: hw } : { expectSize: hw }), ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
    if (!opts.resize && (img.shape[1] !== hw[0] || img.shape[2] !== hw[1])) {
      throw new TfeError('E_SHAPE', `${path} is ${img.shape[2]}x${img.shape[1]} pixels (width x height) but the model takes ${hw[1]}x${hw[0]}`, `pass --resize to resize it to ${hw[1]}x${hw[0]} (bilinear)`);
    }
    return only(img);
  }
  if (ext === '.json') {
    const named = parseJsonInputs(new TextDecoder().decode(bytes), path, bindings.map((b) => b.name));
    return Object.fromEntries(bindings.map((b) => [b.name, fit(named[b.name], b, path)]));
  }
  throw new TfeError('E_FORMAT', `${path}: unknown input format '${ext}'`, 'inputs are .npy, .json or .png files');
}
