/**
 * Picks the Keras-family reader for a file by its content: HDF5 signature -> Keras .h5,
 * zip signature -> Keras 3 .keras, JSON -> tfjs layers model.json.
 */
import { TfeError } from '../../src/errors.js';
import type { KerasFile } from './keras-config.js';
import { isHdf5 } from './keras-hdf5.js';
import { readKerasH5 } from './keras-h5.js';
import { readKeras3 } from './keras3.js';
import { readHead } from './keras-io.js';
import { readTfjsLayersModel } from './tfjs-layers.js';

export type KerasFormat = KerasFile['format'];

/** The Keras-family format of a file, or undefined when it is none of them. */
export function detectKerasFormat(path: string): KerasFormat | undefined {
  const b = readHead(path, 8);
  if (isHdf5(b)) return 'keras-h5';
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'keras3';
  const first = new TextDecoder().decode(b).trimStart()[0];
  return first === '{' ? 'tfjs-layers' : undefined;
}

/** Reads a Keras .h5, Keras 3 .keras or tfjs layers model.json, whichever `path` is. */
export async function readKerasModelFile(path: string): Promise<KerasFile> {
  const format = detectKerasFormat(path);
  if (format === 'keras-h5') return readKerasH5(path);
  if (format === 'keras3') return readKeras3(path);
  if (format === 'tfjs-layers') return readTfjsLayersModel(path);
  throw new TfeError('E_FORMAT', `${path}: not a Keras .h5, Keras 3 .keras or tfjs layers model.json file`, 'give the model file itself (model.h5, model.keras or model.json)');
}
