/**
 * Frontend for TF.js layers models: `model.json` (format 'layers-model') plus binary weight
 * shards. Layout (tfjs `io` docs, facts only): `modelTopology` is the Keras config (or holds
 * it in `model_config`); `weightsManifest` is a list of groups `{paths, weights}`, each group's
 * shards (paths relative to model.json) concatenated into one little-endian buffer in which
 * the weights lie back to back in listed order. A weight is `{name, shape, dtype}`, names
 * `<layer>/<weight>` (e.g. `dense_Dense1/kernel`), possibly behind a scope (`model/dense/kernel`). Quantized weights carry
 * `quantization: {dtype: 'uint8'|'uint16', scale, min}` (value = q * scale + min) or
 * `{dtype: 'float16'}` (IEEE half).
 */
import { dirname } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { IrGraph } from '../../src/ir/node.js';
import { kerasFileToIr, type KerasFile } from './keras-config.js';
import { parseJson, readBytes } from './keras-io.js';
import { isObject } from './keras-model.js';
import { shardPath } from './shard-path.js';
import { checkFinite, floatTensor, type StoredWeight } from './keras-weights.js';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** IEEE 754 binary16 -> number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function parseWeight(w: unknown, file: string): ManifestWeight {
  const ok = isObject(w) && typeof w.name === 'string' && typeof w.dtype === 'string' && Array.isArray(w.shape) && w.shape.every((d) => Number.isInteger(d) && (d as number) >= 0);
  if (!ok) throw new TfeError('E_FORMAT', `${file}: malformed weightsManifest entry ${JSON.stringify(w)?.slice(0, 80)}`);
  const q = w.quantization;
  if (q !== undefined && !(isObject(q) && typeof q.dtype === 'string')) throw new TfeError('E_FORMAT', `${file}: weight '${w.name}' has a malformed quantization entry`);
  return w as unknown as ManifestWeight;
}

/** Decodes one weight starting at byte `off` of its group buffer; returns the values and bytes used. */
function decode(w: ManifestWeight, buf: Uint8Array, off: number, file: string): { values: Float64Array; bytes: number } {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const stored = w.quantization?.dtype ?? w.dtype;
  const size = ({ float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 } as Record<string, number>)[stored];
  if (size === undefined) throw new TfeError('E_UNSUPPORTED', `${file}: weight '${w.name}' has dtype '${stored}' (supported: float32, int32, quantized uint8/uint16/float16)`);
  if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new TfeError('E_UNSUPPORTED', `${file}: weight '${w.name}' has dtype '${w.dtype}'`);
  const bytes = n * size;
  if (off + bytes > buf.length) {
    throw new TfeError('E_FORMAT', `${file}: weight data too short: '${w.name}' needs bytes ${off}..${off + bytes} but the shards hold ${buf.length}`, 'a weight shard is truncated or does not belong to this model.json');
  }
  const view = new DataView(buf.buffer, buf.byteOffset + off, bytes);
  const values = new Float64Array(n);
  const q = w.quantization;
  if (q === undefined || stored === 'float32' || stored === 'int32') {
    for (let i = 0; i < n; i++) values[i] = stored === 'int32' ? view.getInt32(4 * i, true) : view.getFloat32(4 * i, true);
  } else if (stored === 'float16') {
    for (let i = 0; i < n; i++) values[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    if (typeof q.scale !== 'number' || typeof q.min !== 'number') throw new TfeError('E_FORMAT', `${file}: weight '${w.name}' is ${stored}-quantized without scale/min`);
    for (let i = 0; i < n; i++) values[i] = (stored === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true)) * q.scale + q.min;
  }
  return { values, bytes };
}

/** Reads a tfjs layers-model model.json and its weight shards. */
export async function readTfjsLayersModel(modelJsonPath: string): Promise<KerasFile> {
  const file = modelJsonPath;
  const json = parseJson(new TextDecoder().decode(readBytes(file, 'tfjs model.json')), file, 'model.json');
  if (!isObject(json)) throw new TfeError('E_FORMAT', `${file}: model.json is not a JSON object`);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new TfeError('E_FORMAT', `${file}: format '${String(json.format)}' is not a tfjs layers model`, json.format === 'graph-model' ? 'this is a tfjs graph model; use the tfjs graph-model frontend' : undefined);
  }
  const topology = json.modelTopology;
  if (!isObject(topology)) throw new TfeError('E_FORMAT', `${file}: no modelTopology`, 'expected a tfjs layers-model model.json');
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new TfeError('E_FORMAT', `${file}: weightsManifest is not a list`);
  const byName = new Map<string, StoredWeight>();
  const order: string[] = [];
  const dir = dirname(file);
  for (const group of manifest) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights) || !group.paths.every((p) => typeof p === 'string')) {
      throw new TfeError('E_FORMAT', `${file}: malformed weightsManifest group`);
    }
    const shards = (group.paths as string[]).map((p) => readBytes(shardPath(dir, p, file), `weight shard (listed in ${file})`));
    const buf = new Uint8Array(shards.reduce((a, s) => a + s.length, 0));
    let at = 0;
    for (const s of shards) {
      buf.set(s, at);
      at += s.length;
    }
    let off = 0;
    for (const raw of group.weights) {
      const w = parseWeight(raw, file);
      const { values, bytes } = decode(w, buf, off, file);
      off += bytes;
      checkFinite(values, file, `'${w.name}'`);
      if (byName.has(w.name)) throw new TfeError('E_FORMAT', `${file}: weight '${w.name}' is listed twice`);
      byName.set(w.name, { name: w.name, data: floatTensor(values, w.shape) });
      order.push(w.name);
    }
    if (off !== buf.length) {
      throw new TfeError('E_FORMAT', `${file}: the shards ${(group.paths as string[]).join(', ')} hold ${buf.length} bytes but the manifest describes ${off}`, 'a weight shard does not belong to this model.json');
    }
  }
  const kerasVersion = typeof topology.keras_version === 'string' ? topology.keras_version : undefined;
  return {
    format: 'tfjs-layers',
    path: file,
    config: topology,
    kerasVersion,
    weights: {
      file,
      fetch(layer) {
        // `<layer>/<weight>`; converters from Keras may prefix a scope (`<model>/<layer>/<weight>`).
        const prefix = `${layer.name}/`;
        let names = order.filter((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes('/'));
        if (names.length === 0) names = order.filter((n) => n.split('/').slice(-2)[0] === layer.name && n.includes('/'));
        return names.length > 0 ? names.map((n) => byName.get(n) as StoredWeight) : undefined;
      },
    },
  } satisfies KerasFile;
}

/** Loads a tfjs layers-model (model.json path) as an IR graph. */
export async function loadTfjsLayersModel(modelJsonPath: string): Promise<IrGraph> {
  return kerasFileToIr(await readTfjsLayersModel(modelJsonPath));
}
