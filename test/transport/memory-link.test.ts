/**
 * The in-memory link pair: frames in order, asynchronously, as aligned copies, counted
 * as if framed; frames before the handler are kept; close ends the other end with
 * undefined, destroyWith with an error naming the end that failed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryLinkPair } from '../../runtime/transport/memory-link.js';
import { FRAME_HEADER_BYTES, type Frame } from '../../runtime/transport/frame.js';
import { TfeError } from '../../src/errors.js';

const frame = (seq: number, bytes: number): Frame => ({ kind: 'data', session: 1n, step: 2, seq, clock: seq, payload: new Uint8Array(bytes).fill(seq) });

test('frames arrive in order, asynchronously, as copies, and are counted', async () => {
  const [a, b] = memoryLinkPair('server0', 'server1');
  assert.equal(a.peer, 'server1');
  assert.equal(b.peer, 'server0');
  const sent = frame(1, 5);
  a.send(sent);
  a.send(frame(2, 0));
  sent.payload.fill(9); // the sender may reuse its buffer once send returns
  const got: Frame[] = [];
  b.onFrame((f) => got.push(f));
  assert.equal(got.length, 0, 'delivery is asynchronous');
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(got.map((f) => [f.seq, [...f.payload]]), [[1, [1, 1, 1, 1, 1]], [2, []]]);
  for (const f of got) assert.equal(f.payload.byteOffset % 8, 0);
  assert.deepEqual(a.counters, { framesSent: 2, payloadBytesSent: 5, headerBytesSent: 2 * FRAME_HEADER_BYTES, framesReceived: 0, payloadBytesReceived: 0, headerBytesReceived: 0 });
  assert.deepEqual(b.counters, { framesSent: 0, payloadBytesSent: 0, headerBytesSent: 0, framesReceived: 2, payloadBytesReceived: 5, headerBytesReceived: 2 * FRAME_HEADER_BYTES });
});

test('close ends both ends in order; destroyWith names the failed end', async () => {
  const [a, b] = memoryLinkPair('client', 'server0');
  const got: number[] = [];
  b.onFrame((f) => got.push(f.seq));
  a.send(frame(1, 1));
  a.close();
  const [ea, eb] = await Promise.all([new Promise((r) => a.onClose(r)), new Promise((r) => b.onClose(r))]);
  assert.equal(ea, undefined);
  assert.equal(eb, undefined);
  assert.deepEqual(got, [1], 'frames sent before close are delivered');
  assert.throws(() => a.send(frame(2, 1)), /cannot send to server0: the link is closed/);
  assert.throws(() => b.send(frame(2, 1)), /cannot send to client/);

  const [c, d] = memoryLinkPair('client', 'server0');
  c.destroyWith(new TfeError('E_TRANSPORT', 'crashed'));
  const err = await new Promise<TfeError | undefined>((r) => d.onClose(r));
  assert.ok(err instanceof TfeError && err.code === 'E_TRANSPORT' && /client/.test(err.message), String(err));
});

test('a frame over the receiver limit ends the link naming the sender', async () => {
  const [a, b] = memoryLinkPair('client', 'server0');
  b.maxFrameBytes = 24 + 4;
  a.send(frame(1, 5));
  const err = await new Promise<TfeError | undefined>((r) => b.onClose(r));
  assert.match(String(err?.message), /oversized frame from client: 29 bytes, limit 28/);
});
