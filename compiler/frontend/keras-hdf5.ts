/**
 * The small slice of HDF5 the Keras frontends need, over h5wasm (HDF5 compiled to wasm):
 * open bytes as a file in h5wasm's in-memory FS, read string attributes, list groups and
 * read float datasets as IR tensors. HDF5 errors are turned into JS exceptions (h5wasm's
 * throwing error handler, so nothing is printed to stderr) and then into one-line E_FORMAT
 * errors naming the file.
 */
import h5wasm from 'h5wasm';
import { TfeError } from '../../src/errors.js';
import type { TensorData } from '../../src/ir/node.js';
import { checkFinite, floatTensor } from './keras-weights.js';

type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

/** HDF5 format signature (HDF5 spec, "Format Signature"): \x89HDF\r\n\x1a\n. */
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let moduleReady: Promise<{ FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } }> | undefined;
let counter = 0;

async function h5Module(): Promise<{ FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } }> {
  moduleReady ??= h5wasm.ready.then((m) => {
    m.activate_throwing_error_handler();
    return m as unknown as { FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } };
  });
  return moduleReady;
}

/** The most specific line of an HDF5 error stack ("truncated file: eof = ..."), for messages. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => /^#\d+:/.test(l));
  const last = lines[lines.length - 1];
  if (last === undefined) return text.split('\n')[0] ?? 'unknown error';
  const m = /\(\):\s*(.*)$/.exec(last);
  return (m?.[1] ?? last).trim();
}

export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && HDF5_MAGIC.every((b, i) => bytes[i] === b);
}

/** Opens `bytes` (the contents of `file`) as HDF5, runs `fn` on the root group, closes and frees it. */
export async function withHdf5<T>(bytes: Uint8Array, file: string, fn: (root: H5Group) => T): Promise<T> {
  if (!isHdf5(bytes)) {
    throw new TfeError('E_FORMAT', `${file}: not an HDF5 file (no HDF5 signature)`, 'expected a Keras .h5 model saved with model.save(...)');
  }
  const m = await h5Module();
  const vpath = `/tfe-keras-${process.pid}-${counter++}.h5`;
  m.FS.writeFile(vpath, bytes);
  let f: InstanceType<typeof h5wasm.File> | undefined;
  try {
    try {
      f = new h5wasm.File(vpath, 'r');
    } catch (e) {
      throw new TfeError('E_FORMAT', `${file}: cannot open HDF5 file: ${hdf5Reason(e)}`, 'the file is corrupt or truncated; copy or export it again');
    }
    return fn(f);
  } catch (e) {
    if (e instanceof TfeError) throw e;
    throw new TfeError('E_FORMAT', `${file}: cannot read HDF5 file: ${hdf5Reason(e)}`, 'the file is corrupt or truncated; copy or export it again');
  } finally {
    try {
      f?.close();
    } finally {
      m.FS.unlink(vpath);
    }
  }
}

/** A string attribute (Keras stores JSON and versions as HDF5 string attributes), or undefined. */
export function stringAttr(obj: H5Group, name: string): string | undefined {
  const a = obj.attrs[name];
  if (a === undefined) return undefined;
  const v = a.value;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return undefined;
}

/** A list-of-strings attribute (e.g. Keras' `weight_names`, `layer_names`); [] when empty or absent. */
export function stringListAttr(obj: H5Group, name: string): string[] {
  const a = obj.attrs[name];
  if (a === undefined) return [];
  const v = a.value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
  return [];
}

/** The child at a slash-separated path, or undefined (checked link by link, without HDF5 errors). */
export function child(root: H5Group, path: string): H5Group | H5Dataset | undefined {
  let cur: H5Group | H5Dataset = root;
  for (const part of path.split('/').filter((p) => p.length > 0)) {
    if (!(cur instanceof h5wasm.Group) || !cur.keys().includes(part)) return undefined;
    const next: unknown = cur.get(part);
    if (!(next instanceof h5wasm.Group) && !(next instanceof h5wasm.Dataset)) return undefined;
    cur = next;
  }
  return cur;
}

export function isGroup(x: unknown): x is H5Group {
  return x instanceof h5wasm.Group;
}

export function isDataset(x: unknown): x is H5Dataset {
  return x instanceof h5wasm.Dataset;
}

/** Reads a float32/float64 dataset as an IR float tensor; other dtypes are E_UNSUPPORTED. */
export function readFloatDataset(ds: H5Dataset, file: string, what: string): TensorData {
  const shape = ds.shape ?? [];
  const meta = ds.metadata;
  const v = ds.value;
  // type 1 = H5T_FLOAT; 4- and 8-byte IEEE floats only (h5wasm returns Float32Array/Float64Array).
  if (meta.type !== 1 || (meta.size !== 4 && meta.size !== 8) || !(v instanceof Float32Array || v instanceof Float64Array)) {
    throw new TfeError('E_UNSUPPORTED', `${file}: weight ${what} has HDF5 dtype ${JSON.stringify(ds.dtype)} (only float32 and float64 weights are supported)`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (v.length !== n) throw new TfeError('E_FORMAT', `${file}: weight ${what} holds ${v.length} values for shape [${shape.join(',')}]`);
  checkFinite(v, file, what);
  return floatTensor(v, shape);
}
