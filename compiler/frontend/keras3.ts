/**
 * Frontend for Keras 3 `.keras` files: a zip (read with jszip) holding `config.json`
 * (the model config), `metadata.json` (`keras_version`, ...) and `model.weights.h5`.
 *
 * Weights layout (Keras 3 `saving/saving_lib.py`, facts only): each layer's variables at
 * `layers/<path>/vars/0..n-1` in the layer's variable order (Dense/Conv: kernel, bias;
 * BatchNormalization: gamma, beta, moving_mean, moving_variance). `<path>` is NOT the layer
 * name: it is the snake_case of the layer's class name, de-duplicated in layer order
 * (`conv2d`, `conv2d_1`, ...; `to_snake_case('ReLU') = 're_lu'`). We derive that path from
 * the config, fall back to the config layer name, and keep the first candidate whose
 * variable count and shapes fit what the config implies. Optimizer state (`optimizer/`)
 * and other top-level groups are ignored.
 */
import JSZip from 'jszip';
import { TfeError } from '../../src/errors.js';
import type { IrGraph } from '../../src/ir/node.js';
import { kerasFileToIr, type KerasFile } from './keras-config.js';
import { child, isDataset, isGroup, readFloatDataset, withHdf5 } from './keras-hdf5.js';
import { parseJson, readBytes } from './keras-io.js';
import { isObject, parseKerasModel } from './keras-model.js';
import { fitsByPosition, type StoredWeight } from './keras-weights.js';

/** Keras' `naming.to_snake_case`: drop non-word chars, then split CamelCase with underscores. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Maps each config layer name to its weights path (`layers/<snake>[_k]`) the way Keras 3 saves it. */
export function keras3WeightPaths(layers: readonly { name: string; className: string }[]): Map<string, string> {
  const used = new Map<string, number>();
  const out = new Map<string, string>();
  for (const l of layers) {
    const base = kerasSnakeCase(l.className);
    const n = used.get(base);
    const name = n === undefined ? base : `${base}_${n + 1}`;
    used.set(base, n === undefined ? 0 : n + 1);
    out.set(l.name, `layers/${name}`);
  }
  return out;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

async function entry(zip: JSZip, name: string, path: string): Promise<JSZip.JSZipObject> {
  const f = zip.file(name);
  if (f === null) {
    const also = zip.file('model.weights.npz') !== null && name === 'model.weights.h5' ? ' (it has model.weights.npz, an unsupported older layout)' : '';
    throw new TfeError('E_FORMAT', `${path}: the .keras archive has no ${name}${also}`, 'save the model with Keras 3 model.save("model.keras")');
  }
  return f;
}

async function unzipped<T>(p: Promise<T>, path: string, name: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new TfeError('E_FORMAT', `${path}: cannot extract ${name} from the .keras archive: ${(e as Error).message}`, 'the file is corrupt or truncated');
  }
}

/** Reads a Keras 3 .keras model: its config and all layer variables (held in memory). */
export async function readKeras3(path: string): Promise<KerasFile> {
  const bytes = readBytes(path, 'Keras .keras model');
  if (!ZIP_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new TfeError('E_FORMAT', `${path}: not a zip archive, so not a Keras 3 .keras file`, 'a .keras model is a zip written by Keras 3 model.save("model.keras")');
  }
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
  } catch (e) {
    throw new TfeError('E_FORMAT', `${path}: corrupt or truncated zip: ${(e as Error).message}`, 'copy or export the .keras file again');
  }
  const config = parseJson(await unzipped((await entry(zip, 'config.json', path)).async('string'), path, 'config.json'), path, 'config.json');
  const metaFile = zip.file('metadata.json');
  const meta = metaFile === null ? undefined : parseJson(await unzipped(metaFile.async('string'), path, 'metadata.json'), path, 'metadata.json');
  const kerasVersion = isObject(meta) && typeof meta.keras_version === 'string' ? meta.keras_version : undefined;
  const weightsBytes = await unzipped((await entry(zip, 'model.weights.h5', path)).async('uint8array'), path, 'model.weights.h5');

  const model = parseKerasModel(config, path);
  const paths = keras3WeightPaths(model.layers);
  const weightsFile = `${path}!model.weights.h5`;
  const stored = await withHdf5(weightsBytes, weightsFile, (root) => {
    const out = new Map<string, StoredWeight[]>();
    const layers = child(root, 'layers');
    if (!isGroup(layers)) return out;
    for (const name of layers.keys()) {
      const vars = child(layers, `${name}/vars`);
      if (!isGroup(vars)) continue;
      const keys = vars.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
      keys.forEach((k, i) => {
        if (Number(k) !== i) throw new TfeError('E_FORMAT', `${weightsFile}: layers/${name}/vars has no variable ${i}`, 'the file is corrupt or truncated');
      });
      out.set(
        `layers/${name}`,
        keys.map((k) => {
          const ds = child(vars, k);
          if (!isDataset(ds)) throw new TfeError('E_FORMAT', `${weightsFile}: layers/${name}/vars/${k} is not a dataset`);
          return { name: undefined, data: readFloatDataset(ds, weightsFile, `layers/${name}/vars/${k}`) };
        }),
      );
    }
    return out;
  });

  return {
    format: 'keras3',
    path,
    config,
    kerasVersion,
    weights: {
      file: weightsFile,
      fetch(layer, expected) {
        const candidates = [paths.get(layer.name), `layers/${layer.name}`].filter((c): c is string => c !== undefined);
        const found = candidates.map((c) => stored.get(c)).filter((w): w is StoredWeight[] => w !== undefined && w.length > 0);
        return found.find((w) => fitsByPosition(w, expected)) ?? found[0];
      },
    },
  } satisfies KerasFile;
}

/** Loads a Keras 3 .keras model as an IR graph. */
export async function loadKeras3(path: string): Promise<IrGraph> {
  return kerasFileToIr(await readKeras3(path));
}
