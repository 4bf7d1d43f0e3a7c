/**
 * The frame codec: a round trip through every cut of the byte stream gives back the
 * same frames (header fields at their extremes, empty and odd-sized payloads), the
 * bytes on the wire match the documented layout written out by hand, payloads come
 * back 8-byte aligned, and every malformed header is refused naming the peer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FRAME_HEADER_BYTES, FRAME_KINDS, FrameDecoder, type Frame } from '../../runtime/transport/frame.js';
import { TfeError } from '../../src/errors.js';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

const frames: Frame[] = [
  { kind: 'hello', session: 0n, step: 0xffffffff, seq: 0, clock: 0, payload: new Uint8Array(0) },
  { kind: 'data', session: (1n << 64n) - 1n, step: 7, seq: 0xffffffff, clock: 12, payload: Uint8Array.from([1, 2, 3]) },
  { kind: 'material', session: 5n, step: 0, seq: 1, clock: 0xffffffff, payload: new Uint8Array(new BigUint64Array([3n, (1n << 63n) + 5n]).buffer) },
  { kind: 'abort', session: 2n, step: 3, seq: 4, clock: 5, payload: new TextEncoder().encode('boom') },
];

test('the header is the documented little-endian layout, and the payload is not copied', () => {
  const f: Frame = { kind: 'control', session: 0x0102030405060708n, step: 0x11223344, seq: 9, clock: 10, payload: Uint8Array.from([0xaa, 0xbb]) };
  const [header, payload] = encodeFrame(f);
  assert.equal(header.byteLength, FRAME_HEADER_BYTES);
  assert.equal(payload, f.payload);
  assert.deepEqual([...header], [
    26, 0, 0, 0, // N = 24 + 2
    1, 3, 0, 0, // version, kind index of 'control', reserved
    8, 7, 6, 5, 4, 3, 2, 1, // session
    0x44, 0x33, 0x22, 0x11, // step
    9, 0, 0, 0, 10, 0, 0, 0, // seq, clock
  ]);
});

test('frames survive every cut of the stream, with aligned payloads', () => {
  const wire = concat(frames.flatMap(encodeFrame));
  for (let cut = 0; cut <= wire.byteLength; cut++) {
    for (const second of [wire.byteLength, Math.min(wire.byteLength, cut + 13)]) {
      const d = new FrameDecoder(1 << 20, 'server1');
      // Chunks at odd offsets of one buffer, as a socket may hand them.
      const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut, second)), ...d.push(wire.subarray(second))];
      assert.deepEqual(got, frames, `cut at ${cut}/${second}`);
      assert.equal(d.pendingBytes, 0);
      for (const f of got) assert.equal(f.payload.byteOffset % 8, 0);
    }
  }
  const one = new FrameDecoder(1 << 20, 'server1');
  const byByte = [...wire].flatMap((b) => one.push(Uint8Array.of(b)));
  assert.deepEqual(byByte, frames);
  assert.deepEqual([...new BigUint64Array(byByte[2].payload.buffer, byByte[2].payload.byteOffset, 2)], [3n, (1n << 63n) + 5n]);
});

test('encodeFrame refuses values that do not fit their fields', () => {
  const base = frames[1];
  assert.throws(() => encodeFrame({ ...base, session: 1n << 64n }), /not a u64/);
  assert.throws(() => encodeFrame({ ...base, step: -1 }), /not a u32/);
  assert.throws(() => encodeFrame({ ...base, seq: 2 ** 32 }), /not a u32/);
  assert.throws(() => encodeFrame({ ...base, clock: 1.5 }), /not a u32/);
  assert.throws(() => encodeFrame({ ...base, kind: 'nope' as Frame['kind'] }), /unknown frame kind/);
});

function header(n: number, version = 1, kind = 1, reserved = 0): Uint8Array {
  const h = new Uint8Array(FRAME_HEADER_BYTES);
  const v = new DataView(h.buffer);
  v.setUint32(0, n, true);
  v.setUint8(4, version);
  v.setUint8(5, kind);
  v.setUint16(6, reserved, true);
  return h;
}

function refused(bytes: Uint8Array, pattern: RegExp, max = 1000): void {
  const d = new FrameDecoder(max, 'server1');
  assert.throws(() => d.push(bytes), (e: unknown) => e instanceof TfeError && e.code === 'E_TRANSPORT' && pattern.test(e.message) && e.message.includes('server1'));
  // The stream is out of sync: the decoder stays failed.
  assert.throws(() => d.push(new Uint8Array(0)), TfeError);
}

test('malformed and oversized frames are refused naming the peer', () => {
  // Oversized: refused from the 4-byte length alone, before any payload arrives.
  refused(header(1001).subarray(0, 4), /^oversized frame from server1: 1001 bytes, limit 1000$/);
  refused(header(23), /shorter than the 24-byte header/);
  refused(header(24, 2), /version 2, expected 1/);
  refused(header(24, 1, FRAME_KINDS.length), new RegExp(`unknown kind ${FRAME_KINDS.length}`));
  refused(header(24, 1, 1, 1), /reserved field is 1/);
  // A frame exactly at the limit is fine.
  const d = new FrameDecoder(24 + 8, 'server1');
  assert.equal(d.push(concat(encodeFrame({ ...frames[1], payload: new Uint8Array(8) }))).length, 1);
  d.maxFrameBytes = 24 + 7;
  assert.throws(() => d.push(concat(encodeFrame({ ...frames[1], payload: new Uint8Array(8) }))), /oversized frame from server1: 32 bytes, limit 31/);
});
