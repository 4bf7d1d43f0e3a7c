/**
 * A bounds-checked Snappy block decompressor (the raw format of
 * google/snappy format_description.txt: a varint uncompressed length, then
 * literal and copy elements with 1-, 2- or 4-byte offsets). Used for
 * snappy-compressed blocks of tensor-bundle index tables. Corrupt input raises
 * E_FORMAT naming `what`; it never reads or writes out of bounds.
 */
import { TfeError } from '../../src/errors.js';

/** Upper bound on an uncompressed block, to refuse absurd lengths from corrupt headers. */
const MAX_OUTPUT = 1 << 30;

export function snappyDecompress(src: Uint8Array, what: string): Uint8Array {
  const bad = (why: string): TfeError => new TfeError('E_FORMAT', `${what}: corrupt snappy block (${why})`);
  let pos = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length || shift > 28) throw bad('bad length header');
    const b = src[pos++];
    len += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) break;
  }
  if (len > MAX_OUTPUT) throw bad(`length ${len} too large`);
  const out = new Uint8Array(len);
  let op = 0;
  while (pos < src.length) {
    const tag = src[pos++];
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        if (pos + extra > src.length) throw bad('truncated literal length');
        n = 0;
        for (let i = 0; i < extra; i++) n += src[pos + i] * 2 ** (8 * i);
        pos += extra;
      }
      n += 1;
      if (pos + n > src.length || op + n > len) throw bad('literal out of bounds');
      out.set(src.subarray(pos, pos + n), op);
      pos += n;
      op += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > src.length) throw bad('truncated copy');
      n = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[pos++];
    } else if (kind === 2) {
      if (pos + 2 > src.length) throw bad('truncated copy');
      n = 1 + (tag >>> 2);
      offset = src[pos] | (src[pos + 1] << 8);
      pos += 2;
    } else {
      if (pos + 4 > src.length) throw bad('truncated copy');
      n = 1 + (tag >>> 2);
      offset = (src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16)) + src[pos + 3] * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > op || op + n > len) throw bad('copy out of bounds');
    for (let i = 0; i < n; i++, op++) out[op] = out[op - offset];
  }
  if (op !== len) throw bad(`decoded ${op} of ${len} bytes`);
  return out;
}
