/**
 * A reader for TensorFlow tensor bundles (the V2 checkpoint format of SavedModel
 * `variables/`): `PREFIX.index` is an SSTable (see sstable.ts) whose empty key
 * holds a BundleHeaderProto (num_shards = 1, endianness = 2) and whose other keys
 * map a checkpoint key to a BundleEntryProto (dtype = 1, shape = 2, shard_id = 3,
 * offset = 4, size = 5, crc32c = 6 masked, slices = 7); the bytes live in
 * `PREFIX.data-SSSSS-of-NNNNN` at [offset, offset + size).
 *
 * Fixed-width tensors are raw little-endian arrays. String tensors are N varint64
 * lengths, a 4-byte checksum of those lengths, then the N byte strings. Sliced
 * (partitioned) variables are not supported.
 */
import { readFileSync } from 'node:fs';
import type { DType, TensorData } from '../../src/ir/node.js';
import { TfeError } from '../../src/errors.js';
import { crc32c, maskCrc } from './crc32c.js';
import { DT, decodeTf, type BundleEntryMsg } from './proto/tf-proto.js';
import { readSsTable } from './sstable.js';
import { irDType, shapeOf, valuesFromBytes } from './tf-tensor.js';

export interface TensorBundle {
  /** The bundle prefix (e.g. `.../variables/variables`). */
  readonly prefix: string;
  /** The checkpoint keys, sorted. */
  keys(): string[];
  has(key: string): boolean;
  /** The tensor stored under `key`; E_FORMAT if absent or corrupt. Strings are UTF-8 decoded. */
  read(key: string): TensorData;
  /** The undecoded elements of the string tensor under `key` (e.g. a serialized proto). */
  readStringBytes(key: string): Uint8Array[];
}

function readFileOrThrow(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TfeError('E_IO', `${path}: cannot read the ${what} (${code ?? String(e)})`,
      code === 'ENOENT' ? 'a SavedModel needs its variables/ directory with the .index and every .data shard' : undefined);
  }
}

/** Opens the bundle at `prefix` and reads its index; data shards are read on first use. */
export function openTensorBundle(prefix: string): TensorBundle {
  const indexPath = `${prefix}.index`;
  const table = readSsTable(readFileOrThrow(indexPath, 'variables index'), indexPath);
  const headerBytes = table.get('');
  if (headerBytes === undefined) throw new TfeError('E_FORMAT', `${indexPath}: tensor bundle has no header entry`);
  const header = decodeTf('BundleHeaderProto', headerBytes, `${indexPath} (header)`);
  const numShards = header.numShards ?? 0;
  if (numShards < 1 || numShards > 100000) throw new TfeError('E_FORMAT', `${indexPath}: bad shard count ${numShards}`);
  if ((header.endianness ?? 0) !== 0) {
    throw new TfeError('E_UNSUPPORTED', `${indexPath}: big-endian tensor bundles are not supported`);
  }
  const entries = new Map<string, BundleEntryMsg>();
  for (const [key, value] of table) {
    if (key !== '') entries.set(key, decodeTf('BundleEntryProto', value, `${indexPath} (entry '${key}')`));
  }
  const shards = new Map<number, Uint8Array>();
  const shard = (id: number): Uint8Array => {
    let s = shards.get(id);
    if (s === undefined) {
      const p = `${prefix}.data-${String(id).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`;
      s = readFileOrThrow(p, `variables data shard ${id}`);
      shards.set(id, s);
    }
    return s;
  };

  return {
    prefix,
    keys: () => [...entries.keys()].sort(),
    has: (key) => entries.has(key),
    read(key) {
      const e = entries.get(key);
      if (e === undefined) throw new TfeError('E_FORMAT', `${indexPath}: no variable '${key}' in the checkpoint`);
      const { dtype, shape, dt, bytes, count, what } = locate(e, key, indexPath, numShards, shard, prefix);
      if (dt === DT.STRING) return { dtype, shape, values: splitStrings(bytes, count, what).map((b) => utf8.decode(b)) };
      return { dtype, shape, values: valuesFromBytes(dt, bytes, count, what) };
    },
    readStringBytes(key) {
      const e = entries.get(key);
      if (e === undefined) throw new TfeError('E_FORMAT', `${indexPath}: no entry '${key}' in the checkpoint`);
      const { dt, bytes, count, what } = locate(e, key, indexPath, numShards, shard, prefix);
      if (dt !== DT.STRING) throw new TfeError('E_FORMAT', `${what} is not a string tensor`);
      return splitStrings(bytes, count, what);
    },
  };
}

const utf8 = new TextDecoder('utf-8');

interface Located { dtype: DType; shape: number[]; dt: number; bytes: Uint8Array; count: number; what: string }

/** Validates an entry and returns its bytes (CRC-checked) with its type and shape. */
function locate(e: BundleEntryMsg, key: string, indexPath: string, numShards: number,
  shard: (id: number) => Uint8Array, prefix: string): Located {
  const what = `${indexPath}: variable '${key}'`;
  if ((e.slices ?? []).length > 0) throw new TfeError('E_UNSUPPORTED', `${what} is a partitioned (sliced) variable`);
  const dt = e.dtype ?? 0;
  const dtype = irDType(dt);
  if (dtype === undefined) throw new TfeError('E_UNSUPPORTED', `${what} has an unsupported dtype (${dt})`);
  const shape = shapeOf(e.shape, what);
  if (shape === undefined || shape.some((d) => d < 0)) throw new TfeError('E_FORMAT', `${what} has no complete shape`);
  const id = e.shardId ?? 0;
  if (id < 0 || id >= numShards) throw new TfeError('E_FORMAT', `${what} is in shard ${id} of ${numShards}`);
  const data = shard(id);
  const offset = Number(e.offset ?? '0');
  const size = Number(e.size ?? '0');
  if (offset < 0 || size < 0 || offset + size > data.length) {
    throw new TfeError('E_FORMAT', `${prefix}.data-${String(id).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}: `
      + `variable '${key}' at [${offset}, ${offset + size}) lies past the end of the ${data.length}-byte shard`,
    'the data shard is truncated; re-export the model');
  }
  const bytes = data.subarray(offset, offset + size);
  const count = shape.reduce((a, b) => a * b, 1);
  const crc = dt === DT.STRING ? stringTensorCrc(bytes, count, what) : crc32c(bytes);
  if (e.crc32c !== undefined && maskCrc(crc) !== e.crc32c >>> 0) {
    throw new TfeError('E_FORMAT', `${what}: data fails its CRC check (the data shard is corrupt)`);
  }
  return { dtype, shape, dt, bytes, count, what };
}

/**
 * The CRC TensorFlow computes while writing a string tensor: over each length as
 * 4 little-endian bytes (8 if it exceeds 2^32 - 1), then the 4 stored checksum bytes, then the string bytes.
 */
function stringTensorCrc(bytes: Uint8Array, count: number, what: string): number {
  const parts = splitStrings(bytes, count, what);
  let crc = 0;
  const len8 = new Uint8Array(8);
  const view = new DataView(len8.buffer);
  for (const p of parts) {
    view.setBigUint64(0, BigInt(p.length), true);
    crc = crc32c(p.length <= 0xffffffff ? len8.subarray(0, 4) : len8, crc);
  }
  const stringsStart = parts.length ? parts[0].byteOffset - bytes.byteOffset : bytes.length;
  crc = crc32c(bytes.subarray(stringsStart - 4, stringsStart), crc);
  for (const p of parts) crc = crc32c(p, crc);
  return crc;
}

function splitStrings(bytes: Uint8Array, count: number, what: string): Uint8Array[] {
  const bad = (): TfeError => new TfeError('E_FORMAT', `${what}: corrupt string tensor`);
  let pos = 0;
  const lens: number[] = [];
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= bytes.length || shift > 49) throw bad();
      const b = bytes[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
    }
    lens.push(v);
  }
  pos += 4; // checksum of the lengths
  return lens.map((n) => {
    if (pos + n > bytes.length) throw bad();
    const s = bytes.subarray(pos, pos + n);
    pos += n;
    return s;
  });
}
