/**
 * A reader for LevelDB-format sorted string tables, the format of a tensor
 * bundle's `.index` file (TensorFlow's tensorflow/core/lib/io/table, same layout
 * as leveldb/doc/table_format.md):
 *
 * - footer: the last 48 bytes = metaindex BlockHandle, index BlockHandle
 *   (each two varint64: offset, size), zero padding to 40 bytes, then the 8-byte
 *   little-endian magic 0xdb4775248b80fb57;
 * - each block is followed by a 5-byte trailer: a compression type byte (0 none,
 *   1 snappy) and the masked CRC-32C of the block bytes plus the type byte;
 * - block contents: entries (varint32 shared key length, varint32 unshared
 *   length, varint32 value length, unshared key bytes, value), then the restart
 *   array (uint32 each) and its uint32 count;
 * - the index block maps a separator key to the BlockHandle of each data block.
 *
 * Every read is bounds-checked; corruption raises a one-line E_FORMAT naming the file.
 */
import { TfeError } from '../../src/errors.js';
import { crc32c, maskCrc } from './crc32c.js';
import { snappyDecompress } from './snappy.js';

const FOOTER_SIZE = 48;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;
const TRAILER_SIZE = 5;

interface BlockHandle { offset: number; size: number }

class Cursor {
  pos: number;
  constructor(readonly buf: Uint8Array, pos: number, readonly end: number, readonly fail: (why: string) => TfeError) {
    this.pos = pos;
  }
  varint(): number {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end || shift > 49) throw this.fail('bad varint');
      const b = this.buf[this.pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
    }
  }
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) throw this.fail('entry runs past the end of its block');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function u32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16)) + buf[at + 3] * 2 ** 24;
}

/** Reads all (key, value) pairs of an SSTable held in `file`, in key order. `path` names it in errors. */
export function readSsTable(file: Uint8Array, path: string): Map<string, Uint8Array> {
  const fail = (why: string): TfeError => new TfeError('E_FORMAT', `${path}: not a valid tensor-bundle index (${why})`,
    'the file is truncated or corrupt; re-export the model');
  if (file.length < FOOTER_SIZE) throw fail(`${file.length} bytes is shorter than the 48-byte table footer`);
  const f = file.length - FOOTER_SIZE;
  if (u32(file, f + 40) !== MAGIC_LO || u32(file, f + 44) !== MAGIC_HI) throw fail('bad table magic number');
  const fc = new Cursor(file, f, f + 40, fail);
  fc.varint(); fc.varint(); // metaindex handle: unused by tensor bundles
  const index: BlockHandle = { offset: fc.varint(), size: fc.varint() };

  const out = new Map<string, Uint8Array>();
  const decoder = new TextDecoder('utf-8');
  const indexBlock = readBlock(file, index, path, fail);
  for (const [, handleBytes] of blockEntries(indexBlock, fail, decoder)) {
    const hc = new Cursor(handleBytes, 0, handleBytes.length, fail);
    const h: BlockHandle = { offset: hc.varint(), size: hc.varint() };
    for (const [k, v] of blockEntries(readBlock(file, h, path, fail), fail, decoder)) out.set(k, v);
  }
  return out;
}

function readBlock(file: Uint8Array, h: BlockHandle, path: string, fail: (why: string) => TfeError): Uint8Array {
  if (h.offset + h.size + TRAILER_SIZE > file.length - FOOTER_SIZE) {
    throw fail(`block at ${h.offset} of ${h.size} bytes runs past the end of the file`);
  }
  const raw = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size];
  const stored = u32(file, h.offset + h.size + 1);
  const actual = maskCrc(crc32c(file.subarray(h.offset, h.offset + h.size + 1)));
  if (stored !== actual) throw fail(`block at offset ${h.offset} has a bad CRC`);
  if (type === 0) return raw;
  if (type === 1) return snappyDecompress(raw, `${path}: block at offset ${h.offset}`);
  throw fail(`block at offset ${h.offset} has unknown compression type ${type}`);
}

function blockEntries(block: Uint8Array, fail: (why: string) => TfeError, decoder: { decode(b: Uint8Array): string }): [string, Uint8Array][] {
  if (block.length < 4) throw fail('block shorter than its restart count');
  const restarts = u32(block, block.length - 4);
  const limit = block.length - 4 - 4 * restarts;
  if (restarts < 1 || limit < 0) throw fail('bad block restart array');
  const c = new Cursor(block, 0, limit, fail);
  const entries: [string, Uint8Array][] = [];
  let key = new Uint8Array(0);
  while (c.pos < limit) {
    const shared = c.varint();
    const unshared = c.varint();
    const vlen = c.varint();
    if (shared > key.length) throw fail('entry shares more key bytes than the previous key has');
    const next = new Uint8Array(shared + unshared);
    next.set(key.subarray(0, shared));
    next.set(c.bytes(unshared), shared);
    key = next;
    entries.push([decoder.decode(key), c.bytes(vlen)]);
  }
  return entries;
}
