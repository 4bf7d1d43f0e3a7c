/**
 * Fuzz target (d): what a peer sends, fed to the receiving side of the transport.
 *
 *  - `stream`: arbitrary bytes, cut into arbitrary chunks, into a FrameDecoder;
 *  - `mutated`: valid encoded frames, byte-mutated, cut into chunks, into a FrameDecoder;
 *    both must yield frames or end in E_TRANSPORT naming the peer;
 *  - `roundtrip`: valid frames, unmutated, cut anywhere: the decoder must return exactly
 *    the frames encoded (no wrong acceptance, no loss);
 *  - `session`: a sequence of frames (every kind; the session's id or another; the
 *    expected step and sequence number or others; payloads of any length; control
 *    payloads that are arbitrary JSON, arbitrary bytes or valid control messages) sent
 *    by server1 over a memory link to server0's router, where a session endpoint waits
 *    for 4 ring elements of step 3; then server1 closes the link. The outcome is
 *    computed independently from the frame list: the first frame that decides it
 *    (a data frame of the session: accepted only if step, sequence number and length
 *    are right, else E_PROTOCOL naming server1; an abort of the session, a malformed
 *    control message: E_TRANSPORT naming server1), else the close (E_TRANSPORT naming
 *    server1). A valid control message must reach the party's handler as sent;
 *  - `control`: control-message-like objects (a known type, fields valid or not) and
 *    arbitrary JSON into decodeControl: a message or E_TRANSPORT naming the peer.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TfeError } from '../../src/errors.js';
import { ControlSchema, decodeControl, type Control } from '../../runtime/transport/control.js';
import { encodeFrame, FRAME_KINDS, FrameDecoder, NO_STEP, type Frame } from '../../runtime/transport/frame.js';
import { memoryLinkPair } from '../../runtime/transport/memory-link.js';
import { Router } from '../../runtime/transport/router.js';
import { SessionEndpoint } from '../../runtime/transport/session.js';
import { byteMutation, FuzzFailure, mutateBytes, type ByteMutation, type FuzzTarget } from './harness.js';

const PEER = 'server1';
const SESSION = 7n;
const STEP = 3;
const EXPECTED = 4;
const MAX_FRAME = 1 << 16;

/** Valid control messages (the shapes of control.ts), to send as they are. */
const VALID_CONTROLS: readonly Control[] = [
  { type: 'open', request: 1, purpose: 'predict', batch: 1 },
  { type: 'session', session: '7', bundle: '1', epoch: 0, batch: 1, purpose: 'predict', peer: 'client' },
  { type: 'join', session: '7' },
  { type: 'stats', session: '7', bytes: 1, frames: 1, offlineMs: 0, offlineBytes: 0, rssMb: 1 },
  { type: 'refused', request: 0, code: 'E_ARG', message: 'x' },
];

type FrameSpec = Frame;

const enc = new TextEncoder();
const u32 = fc.oneof(fc.constantFrom(0, 1, STEP, NO_STEP, 0x7fffffff), fc.nat());
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(new Uint8Array(EXPECTED * 8)),
  fc.jsonValue({ maxDepth: 3 }).map((j) => enc.encode(JSON.stringify(j))),
  fc.constantFrom(...VALID_CONTROLS).map((c) => enc.encode(JSON.stringify(c))),
);
const anyFrame: fc.Arbitrary<FrameSpec> = fc.record({
  kind: fc.constantFrom(...FRAME_KINDS),
  session: fc.oneof(fc.constantFrom(SESSION, 0n, 8n, (1n << 64n) - 1n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  step: fc.oneof(fc.constant(STEP), u32),
  seq: fc.oneof(fc.constant(0), u32),
  clock: u32,
  payload,
});
/** Any frame, or the one data frame server0 waits for (with some words), so acceptance is exercised too. */
const frameSpec: fc.Arbitrary<FrameSpec> = fc.oneof(
  { arbitrary: anyFrame, weight: 4 },
  fc.record({ kind: fc.constant('data' as const), session: fc.constant(SESSION), step: fc.constant(STEP), seq: fc.constant(0), clock: u32, payload: fc.uint8Array({ minLength: EXPECTED * 8, maxLength: EXPECTED * 8 }) }),
);

export type FrameCase =
  | { readonly family: 'stream'; readonly bytes: Uint8Array; readonly cuts: readonly number[] }
  | { readonly family: 'mutated'; readonly frames: readonly FrameSpec[]; readonly muts: readonly ByteMutation[]; readonly cuts: readonly number[] }
  | { readonly family: 'roundtrip'; readonly frames: readonly FrameSpec[]; readonly cuts: readonly number[] }
  | { readonly family: 'session'; readonly frames: readonly FrameSpec[] }
  | { readonly family: 'control'; readonly message: unknown };

const cuts = fc.array(fc.nat(), { maxLength: 6 });

/** Control-message-like objects: a known `type` and each field of the schemas given a valid-looking or arbitrary value. */
const controlLike: fc.Arbitrary<unknown> = fc.record({
  type: fc.oneof(fc.constantFrom('seed', 'open', 'accepted', 'refused', 'session', 'make', 'bundle', 'consume', 'join', 'done', 'ready', 'stats'), fc.string()),
  request: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string()),
  session: fc.oneof(fc.constantFrom('7', '18446744073709551615', '99999999999999999999', '-1', ''), fc.string()),
  bundle: fc.oneof(fc.constantFrom('1', '00000000000000000000001'), fc.string()),
  epoch: fc.oneof(fc.nat(), fc.integer(), fc.double()),
  batch: fc.oneof(fc.constantFrom(0, 1, 1024, 1 << 20, (1 << 20) + 1, 2 ** 53), fc.integer()),
  purpose: fc.oneof(fc.constantFrom('setup', 'predict'), fc.string()),
  seed: fc.oneof(fc.constant('0123456789abcdef0123456789abcdef'), fc.string()),
  peer: fc.string(),
  code: fc.string(),
  message: fc.string({ maxLength: 3000 }),
  bytes: fc.oneof(fc.nat(), fc.double()),
  frames: fc.nat(),
  offlineMs: fc.oneof(fc.nat(), fc.double()),
  offlineBytes: fc.nat(),
  rssMb: fc.oneof(fc.nat(), fc.double()),
}, { requiredKeys: ['type'] });

export const frameCase: fc.Arbitrary<FrameCase> = fc.oneof(
  fc.record({ family: fc.constant('stream' as const), bytes: fc.uint8Array({ maxLength: 256 }), cuts }),
  fc.record({ family: fc.constant('mutated' as const), frames: fc.array(frameSpec, { minLength: 1, maxLength: 4 }), muts: fc.array(byteMutation, { minLength: 1, maxLength: 3 }), cuts }),
  fc.record({ family: fc.constant('roundtrip' as const), frames: fc.array(frameSpec, { minLength: 1, maxLength: 4 }), cuts }),
  { arbitrary: fc.record({ family: fc.constant('session' as const), frames: fc.array(frameSpec, { maxLength: 5 }) }), weight: 3 },
  fc.record({ family: fc.constant('control' as const), message: fc.oneof(controlLike, fc.jsonValue()) }),
);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encoded(frames: readonly FrameSpec[]): Uint8Array {
  return concat(frames.flatMap((f) => encodeFrame(f)));
}

/** Feeds `bytes` to a decoder in chunks cut at `cutAt` (positions modulo the length). */
function decode(bytes: Uint8Array, cutAt: readonly number[]): Frame[] {
  const d = new FrameDecoder(MAX_FRAME, PEER);
  const points = [...new Set(cutAt.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b);
  const out: Frame[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(...d.push(bytes.subarray(prev, p)));
    prev = p;
  }
  return out;
}

/** A TfeError of `code` whose message names the peer passes through; anything else is a FuzzFailure. */
function namesPeer(e: unknown, codes: readonly string[]): TfeError {
  if (!(e instanceof TfeError)) return e as TfeError; // the harness reports it as not a named error
  if (!codes.includes(e.code) || !e.message.includes(PEER)) throw new FuzzFailure(`expected ${codes.join('/')} naming ${PEER}, got ${e.code}: ${e.message}`);
  return e;
}

function decoderCase(bytes: Uint8Array, cutAt: readonly number[]): void {
  try {
    decode(bytes, cutAt);
  } catch (e) {
    throw namesPeer(e, ['E_TRANSPORT']);
  }
}

type Expected = { readonly accept: Uint8Array } | { readonly code: 'E_PROTOCOL' | 'E_TRANSPORT'; readonly re: RegExp };

function isControl(p: Uint8Array): unknown {
  try {
    const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(p));
    return ControlSchema.safeParse(json).success ? json : undefined;
  } catch {
    return undefined;
  }
}

/** What server0's receive must end in, from the frames alone. */
function expectedOutcome(frames: readonly FrameSpec[]): { expected: Expected; controls: unknown[] } {
  const controls: unknown[] = [];
  for (const f of frames) {
    if (f.kind === 'control') {
      const c = isControl(f.payload);
      if (c === undefined) return { expected: { code: 'E_TRANSPORT', re: /malformed control message from server1/ }, controls };
      controls.push(c);
    } else if (f.kind === 'abort' && f.session === SESSION) {
      return { expected: { code: 'E_TRANSPORT', re: /server1 ended the session/ }, controls };
    } else if (f.kind === 'data' && f.session === SESSION) {
      if (f.step === STEP && f.seq === 0 && f.payload.length === EXPECTED * 8) return { expected: { accept: f.payload }, controls };
      return { expected: { code: 'E_PROTOCOL', re: /^server1 sent / }, controls };
    }
  }
  return { expected: { code: 'E_TRANSPORT', re: /server1 closed the connection/ }, controls };
}

async function sessionCase(frames: readonly FrameSpec[]): Promise<void> {
  const router = new Router('server0', { receiveTimeoutMs: 5000 });
  const got: unknown[] = [];
  router.onControl((peer, msg) => {
    if (peer !== PEER) throw new FuzzFailure(`control message attributed to ${peer}`);
    got.push(msg);
  });
  const [mine, theirs] = memoryLinkPair('server0', PEER);
  router.addLink(mine);
  theirs.onFrame(() => undefined);
  const ep = new SessionEndpoint(router, 'server0', SESSION, [PEER]);
  ep.setStep(STEP, 'mul');
  const recv = ep.recv(PEER, EXPECTED);
  for (const f of frames) theirs.send(f);
  theirs.close();
  const { expected, controls } = expectedOutcome(frames);
  try {
    const words = await recv;
    if (!('accept' in expected)) throw new FuzzFailure(`server0 accepted a message where it must fail with ${expected.code} (${expected.re})`);
    assert.deepEqual(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), expected.accept, 'the accepted message is not the one sent');
  } catch (e) {
    if (e instanceof FuzzFailure || !(e instanceof TfeError)) throw e;
    if ('accept' in expected) throw new FuzzFailure(`server0 refused a valid message: ${e.code}: ${e.message}`);
    if (e.code !== expected.code || !expected.re.test(e.message)) throw new FuzzFailure(`expected ${expected.code} ${expected.re}, got ${e.code}: ${e.message}`);
    throw namesPeer(e, [expected.code]);
  } finally {
    ep.close();
    // the handler sees every valid control message sent before the outcome, as sent
    assert.deepEqual(got.slice(0, controls.length), controls, 'control messages differ from those sent');
  }
}

export function frameTarget(): FuzzTarget<FrameCase> {
  return {
    name: 'frames',
    arbitrary: frameCase,
    label: (c) => c.family,
    async run(c) {
      switch (c.family) {
        case 'stream':
          return decoderCase(c.bytes, c.cuts);
        case 'mutated':
          return decoderCase(mutateBytes(encoded(c.frames), c.muts), c.cuts);
        case 'roundtrip': {
          const frames = decode(encoded(c.frames), c.cuts);
          const want = c.frames.map((f) => ({ kind: f.kind, session: f.session, step: f.step, seq: f.seq, clock: f.clock, payload: f.payload }));
          try {
            assert.deepEqual(frames.map((f) => ({ ...f, payload: new Uint8Array(f.payload) })), want);
          } catch (e) {
            throw new FuzzFailure(`decoded frames differ from those encoded: ${(e as Error).message}`);
          }
          return;
        }
        case 'session':
          return sessionCase(c.frames);
        case 'control':
          try {
            decodeControl(enc.encode(JSON.stringify(c.message) ?? 'undefined'), PEER);
          } catch (e) {
            throw namesPeer(e, ['E_TRANSPORT']);
          }
          return;
      }
    },
  };
}
