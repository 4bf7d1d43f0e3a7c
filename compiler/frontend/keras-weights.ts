/**
 * The contract between the Keras config -> IR builder and the three file formats' weight
 * stores, and the one routine that matches a layer's stored weights to what its config
 * implies (by name where the format names them, else by position) and checks their shapes.
 *
 * Canonical weight names are the Keras 2 / tfjs-layers ones (`kernel`, `bias`,
 * `depthwise_kernel`, `gamma`, `beta`, `moving_mean`, `moving_variance`); Keras 3 names
 * that differ are listed as aliases by the layer converters.
 */
import { TfeError } from '../../src/errors.js';
import type { TensorData } from '../../src/ir/node.js';

/** A weight a layer needs: its canonical name, other names it is stored under, its shape (-1: not checked). */
export interface KerasWeightSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly shape: readonly number[];
}

/** A weight as a file stores it; `name` is undefined where the format only orders them (Keras 3 `vars/0..n`). */
export interface StoredWeight {
  readonly name: string | undefined;
  readonly data: TensorData;
}

export interface KerasLayerRef {
  readonly name: string;
  readonly className: string;
}

/** A format's weights. `fetch` returns the layer's stored weights, or undefined when there are none. */
export interface KerasWeightSource {
  /** The file, for messages. */
  readonly file: string;
  fetch(layer: KerasLayerRef, expected: readonly KerasWeightSpec[]): readonly StoredWeight[] | undefined;
}

/** `dense/kernel:0` -> `kernel`; `kernel` -> `kernel`. */
export function shortWeightName(name: string): string {
  const last = name.slice(name.lastIndexOf('/') + 1);
  return last.replace(/:\d+$/, '');
}

function shapeFits(actual: readonly number[], expected: readonly number[]): boolean {
  return actual.length === expected.length && actual.every((d, i) => expected[i] === -1 || expected[i] === d);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.map((d) => (d === -1 ? '?' : String(d))).join(',')}]`;
}

/** True when `stored` matches `expected` by position in count and shape (used to pick among candidates). */
export function fitsByPosition(stored: readonly StoredWeight[], expected: readonly KerasWeightSpec[]): boolean {
  return stored.length === expected.length && stored.every((w, i) => shapeFits(w.data.shape, expected[i].shape));
}

/**
 * Returns the layer's weights in `expected` order, or throws E_FORMAT naming the file, the
 * layer and the first weight that is missing, extra or of the wrong shape.
 */
export function matchWeights(file: string, layer: KerasLayerRef, expected: readonly KerasWeightSpec[], stored: readonly StoredWeight[] | undefined): TensorData[] {
  const where = `${file}: layer '${layer.name}' (${layer.className})`;
  const hint = 'the weights do not match the model config; re-save the full model from Keras';
  const have = stored ?? [];
  if (expected.length === 0) {
    if (have.length > 0) throw new TfeError('E_FORMAT', `${where}: the file holds ${have.length} weights but the config implies none`, hint);
    return [];
  }
  if (have.length === 0) throw new TfeError('E_FORMAT', `${where}: no weights in the file (expected ${expected.map((s) => s.name).join(', ')})`, hint);
  if (have.length !== expected.length) {
    throw new TfeError('E_FORMAT', `${where}: the file holds ${have.length} weights but the config implies ${expected.length} (${expected.map((s) => s.name).join(', ')})`, hint);
  }
  const named = have.every((w) => w.name !== undefined);
  return expected.map((spec, i) => {
    let w: StoredWeight | undefined = have[i];
    if (named) {
      const names = [spec.name, ...(spec.aliases ?? [])];
      w = have.find((s) => names.includes(shortWeightName(s.name as string)));
      if (w === undefined) {
        throw new TfeError('E_FORMAT', `${where}: weight '${spec.name}' not found (the file has ${have.map((s) => s.name).join(', ')})`, hint);
      }
    }
    if (!shapeFits(w.data.shape, spec.shape)) {
      throw new TfeError('E_FORMAT', `${where}: weight '${spec.name}' has shape ${fmt(w.data.shape)} but the config implies ${fmt(spec.shape)}`, hint);
    }
    return w.data;
  });
}

/**
 * Throws E_FORMAT when a weight holds NaN or an infinity: trained weights are finite, and
 * HDF5 / tfjs shards carry no checksum, so this is the one cheap guard against damaged data.
 */
export function checkFinite(values: ArrayLike<number>, file: string, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new TfeError('E_FORMAT', `${file}: weight ${what} holds a non-finite value (${values[i]}) at index ${i}`, 'the file is corrupt; copy or export it again');
    }
  }
}

/** Wraps float32/float64 values read from a file as an IR float tensor (values held as float64). */
export function floatTensor(values: ArrayLike<number>, shape: readonly number[]): TensorData {
  return { dtype: 'float32', shape: [...shape], values: Float64Array.from(values) };
}
