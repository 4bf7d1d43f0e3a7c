/**
 * Length-prefixed binary frames: the only thing the network transport moves. A frame
 * is a small versioned header with explicit lengths (the shape of DAP's messages)
 * followed by an opaque payload; the transport knows no protocol (MP-SPDZ's
 * `Networking/` only moves length-prefixed buffers, and so does this).
 *
 * Wire format, all integers little-endian:
 *
 *     u32 N        length of everything that follows (24 + payload bytes)
 *     u8  version  = 1
 *     u8  kind     index into FRAME_KINDS
 *     u16 reserved = 0
 *     u64 session  the session (prediction) the frame belongs to
 *     u32 step     the plan step, 0xffffffff for none
 *     u32 seq      the sender's sequence number within (session, step)
 *     u32 clock    the sender's logical clock (rounds are counted with it)
 *     N-24 bytes   payload
 *
 * Shares travel as raw payload bytes, never as JSON.
 */
import { TfeError } from '../../src/errors.js';

export const FRAME_KINDS = ['hello', 'data', 'material', 'control', 'abort'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

export interface Frame {
  readonly kind: FrameKind;
  /** u64. */
  readonly session: bigint;
  /** u32; NO_STEP for a frame that belongs to no step. */
  readonly step: number;
  /** u32. */
  readonly seq: number;
  /** u32: the sender's logical clock. */
  readonly clock: number;
  readonly payload: Uint8Array;
}

export const FRAME_VERSION = 1;
/** The step of a frame that belongs to no plan step. */
export const NO_STEP = 0xffffffff;
/** The length prefix (4) plus the fixed header after it (24). */
export const FRAME_HEADER_BYTES = 28;
/** Bytes counted by the length prefix besides the payload. */
const HEADER_AFTER_LENGTH = FRAME_HEADER_BYTES - 4;
const U64_MAX = (1n << 64n) - 1n;

const KIND_INDEX: ReadonlyMap<FrameKind, number> = new Map(FRAME_KINDS.map((k, i) => [k, i]));

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TfeError('E_ARG', `frame ${what} ${v} is not a u32`);
}

/**
 * The frame as two buffers: its 28-byte header (length prefix included) and the
 * payload itself, not copied (the caller must not modify it until it is written).
 */
export function encodeFrame(f: Frame): Uint8Array[] {
  const kind = KIND_INDEX.get(f.kind);
  if (kind === undefined) throw new TfeError('E_ARG', `unknown frame kind '${String(f.kind)}'`);
  if (f.session < 0n || f.session > U64_MAX) throw new TfeError('E_ARG', `frame session ${f.session} is not a u64`);
  checkU32(f.step, 'step');
  checkU32(f.seq, 'seq');
  checkU32(f.clock, 'clock');
  const n = HEADER_AFTER_LENGTH + f.payload.byteLength;
  if (n > 0xffffffff) throw new TfeError('E_ARG', `frame payload of ${f.payload.byteLength} bytes does not fit a u32 length`);
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const v = new DataView(header.buffer);
  v.setUint32(0, n, true);
  v.setUint8(4, FRAME_VERSION);
  v.setUint8(5, kind);
  v.setUint16(6, 0, true);
  v.setBigUint64(8, f.session, true);
  v.setUint32(16, f.step, true);
  v.setUint32(20, f.seq, true);
  v.setUint32(24, f.clock, true);
  return [header, f.payload];
}

/**
 * Reassembles frames from a byte stream cut anywhere. Checks each header as soon as
 * it has arrived (an oversized length is refused before its payload is buffered).
 * Returned payloads are fresh copies starting at offset 0 of their own buffer, so
 * they can be viewed as BigUint64Array. After a throw the decoder is unusable: the
 * stream is out of sync and the link must be dropped.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  /** Offset into chunks[0] of the first unread byte. */
  private head = 0;
  private buffered = 0;
  private readonly scratch = new Uint8Array(FRAME_HEADER_BYTES);
  private failed: TfeError | undefined;

  /** @param maxFrameBytes largest accepted N (the length prefix's value); @param peer named in errors. */
  constructor(public maxFrameBytes: number, private readonly peer: string) {}

  /** Adds bytes from the stream and returns every frame they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw this.failed;
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      this.peek(this.scratch, 4);
      const n = new DataView(this.scratch.buffer).getUint32(0, true);
      if (n > this.maxFrameBytes) this.fail(`oversized frame from ${this.peer}: ${n} bytes, limit ${this.maxFrameBytes}`);
      if (n < HEADER_AFTER_LENGTH) this.fail(`malformed frame from ${this.peer}: length ${n} is shorter than the ${HEADER_AFTER_LENGTH}-byte header`);
      if (this.buffered < FRAME_HEADER_BYTES) break;
      this.peek(this.scratch, FRAME_HEADER_BYTES);
      const v = new DataView(this.scratch.buffer);
      const version = v.getUint8(4);
      if (version !== FRAME_VERSION) this.fail(`malformed frame from ${this.peer}: version ${version}, expected ${FRAME_VERSION}`);
      const kind = FRAME_KINDS[v.getUint8(5)];
      if (kind === undefined) this.fail(`malformed frame from ${this.peer}: unknown kind ${v.getUint8(5)}`);
      const reserved = v.getUint16(6, true);
      if (reserved !== 0) this.fail(`malformed frame from ${this.peer}: reserved field is ${reserved}, expected 0`);
      if (this.buffered < 4 + n) break;
      const session = v.getBigUint64(8, true);
      const step = v.getUint32(16, true);
      const seq = v.getUint32(20, true);
      const clock = v.getUint32(24, true);
      this.skip(FRAME_HEADER_BYTES);
      const payload = new Uint8Array(n - HEADER_AFTER_LENGTH);
      this.take(payload);
      frames.push({ kind, session, step, seq, clock, payload });
    }
    return frames;
  }

  /** Bytes received but not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private fail(message: string): never {
    this.failed = new TfeError('E_TRANSPORT', message);
    this.chunks = [];
    this.buffered = 0;
    throw this.failed;
  }

  /** Copies the next `n` buffered bytes into `into` without consuming them. */
  private peek(into: Uint8Array, n: number): void {
    let off = 0;
    let pos = this.head;
    for (const c of this.chunks) {
      const k = Math.min(n - off, c.byteLength - pos);
      into.set(c.subarray(pos, pos + k), off);
      off += k;
      pos = 0;
      if (off === n) return;
    }
  }

  private skip(n: number): void {
    this.consume(n, undefined);
  }

  private take(into: Uint8Array): void {
    this.consume(into.byteLength, into);
  }

  private consume(n: number, into: Uint8Array | undefined): void {
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(n - off, c.byteLength - this.head);
      if (into) into.set(c.subarray(this.head, this.head + k), off);
      off += k;
      this.head += k;
      if (this.head === c.byteLength) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.buffered -= n;
  }
}
