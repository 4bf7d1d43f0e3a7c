/**
 * Frontend for Keras HDF5 full-model files (`model.save('m.h5')`): tf.keras 2.x and the
 * Keras 3 legacy h5 path. Layout (Keras `legacy/saving/hdf5_format.py`, facts only):
 * root attributes `model_config` (JSON) and `keras_version`; group `model_weights` with
 * attribute `layer_names`, one group per layer with attribute `weight_names`, each weight
 * a dataset at `model_weights/<layer>/<weight_name>`. Keras 2 names weights
 * `<layer>/kernel:0` (so the dataset sits at `<layer>/<layer>/kernel:0`); Keras 3 writes
 * plain `kernel`. Weights-only files (`save_weights`) hold no config and are rejected.
 */
import { TfeError } from '../../src/errors.js';
import type { IrGraph } from '../../src/ir/node.js';
import { kerasFileToIr, type KerasFile } from './keras-config.js';
import { child, isDataset, isGroup, readFloatDataset, stringAttr, stringListAttr, withHdf5 } from './keras-hdf5.js';
import { parseJson, readBytes } from './keras-io.js';
import type { StoredWeight } from './keras-weights.js';

/** Reads a Keras .h5 full model: its config and all layer weights (held in memory). */
export async function readKerasH5(path: string): Promise<KerasFile> {
  const bytes = readBytes(path, 'Keras .h5 model');
  return withHdf5(bytes, path, (root) => {
    const configText = stringAttr(root, 'model_config');
    if (configText === undefined) {
      // Keras 2 save_weights: root `layer_names`; Keras 3 `.weights.h5`: groups `layers/`, `vars/`.
      const weightsOnly = root.attrs.layer_names !== undefined || ['model_weights', 'layers', 'vars'].some((g) => child(root, g) !== undefined);
      throw new TfeError(
        'E_FORMAT',
        `${path}: ${weightsOnly ? 'a weights-only Keras file' : 'no model_config attribute'}: a full model file is needed`,
        "save the whole model with model.save('model.h5') (or .keras), not model.save_weights",
      );
    }
    const config = parseJson(configText, path, 'the model_config attribute');
    const mw = child(root, 'model_weights');
    if (!isGroup(mw)) throw new TfeError('E_FORMAT', `${path}: no model_weights group`, "save the whole model with model.save('model.h5')");
    const kerasVersion = stringAttr(root, 'keras_version') ?? stringAttr(mw, 'keras_version');
    const byLayer = new Map<string, StoredWeight[]>();
    for (const layer of mw.keys()) {
      const g = child(mw, layer);
      if (!isGroup(g)) continue;
      const names = stringListAttr(g, 'weight_names');
      byLayer.set(
        layer,
        names.map((name) => {
          const ds = child(g, name) ?? child(g, `${layer}/${name}`);
          if (!isDataset(ds)) throw new TfeError('E_FORMAT', `${path}: layer '${layer}' lists weight '${name}' but the file has no such dataset`, 'the file is corrupt or truncated');
          return { name, data: readFloatDataset(ds, path, `'${layer}/${name}'`) };
        }),
      );
    }
    return {
      format: 'keras-h5',
      path,
      config,
      kerasVersion,
      weights: { file: path, fetch: (l) => byLayer.get(l.name) },
    } satisfies KerasFile;
  });
}

/** Loads a Keras .h5 full model as an IR graph. */
export async function loadKerasH5(path: string): Promise<IrGraph> {
  return kerasFileToIr(await readKerasH5(path));
}
